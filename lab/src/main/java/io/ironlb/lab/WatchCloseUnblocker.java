package io.ironlb.lab;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Breaks a deadlock in the fabric8 mock API server (8.0.0) that froze the whole lab API server for
 * 30 s at a time. A watch's events go out on a sender thread of its own, which waits up to 30 s for
 * each write that only the Vert.x event loop can finish ({@code VertxMockWebSocket.awaitWrite});
 * when the client closes the watch, the event loop runs {@code WatchEventsListener.onClosed}, which
 * waits for that sender to finish. Each waits for the other until the write's 30 s run out, and
 * meanwhile the server answers nobody: a speaker closing its informers with an event on its way to
 * them left a restarted speaker 25 s in start-up and the end-to-end tests' statuses unwritten.
 *
 * <p>Every {@value #PERIOD_MS} ms this looks at the event loops; while one waits in the close, it
 * interrupts the senders waiting on a write. That ends their wait only: the write is already queued
 * on the event loop, and goes out (or fails on the closed connection) once the loop runs again.
 */
final class WatchCloseUnblocker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchCloseUnblocker.class);
  static final long PERIOD_MS = 50;
  private static final String EVENT_LOOP = "vert.x-eventloop-thread-";
  private static final String LISTENER = "io.fabric8.kubernetes.client.server.mock.WatchEventsListener";
  private static final List<String> CLOSING = List.of("onClosed", "onFailure");
  private static final String SOCKET = "io.fabric8.mockwebserver.vertx.VertxMockWebSocket";
  private static final String AWAIT_WRITE = "awaitWrite";
  /** Event loops are found again this often, in periods (the server makes them when it starts listening). */
  private static final int REFRESH_PERIODS = 100;

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("mock-watch-unblocker").daemon().factory());
  private List<Thread> eventLoops = List.of();
  private int periods;

  static WatchCloseUnblocker start() {
    WatchCloseUnblocker u = new WatchCloseUnblocker();
    u.timer.scheduleWithFixedDelay(u::check, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
    return u;
  }

  private void check() {
    try {
      if (periods++ % REFRESH_PERIODS == 0 || eventLoops.isEmpty()) {
        eventLoops = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(EVENT_LOOP)).toList();
      }
      for (Thread loop : eventLoops) {
        if (within(loop.getStackTrace(), LISTENER, CLOSING)) {
          release(loop);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("mock API server watchdog: {}", e.toString());
    }
  }

  private static void release(Thread loop) {
    int senders = 0;
    for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
      if (within(t.getValue(), SOCKET, List.of(AWAIT_WRITE))) {
        t.getKey().interrupt();
        senders++;
      }
    }
    if (senders > 0) {
      LOG.info("{} waited in a watch's close for its event sender; released {} sender(s) waiting on a write", loop.getName(), senders);
    }
  }

  private static boolean within(StackTraceElement[] stack, String className, List<String> methods) {
    return Arrays.stream(stack).anyMatch(f -> f.getClassName().equals(className) && methods.contains(f.getMethodName()));
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
