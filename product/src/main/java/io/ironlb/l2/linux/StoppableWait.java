package io.ironlb.l2.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Lets one thread wait, for as long as it takes, until a socket has something to read, and any
 * other thread end that wait for good. An idle receive loop then costs no wake-up at all. Closing
 * a socket does not do it on Linux (a blocked {@code recvfrom} keeps the socket alive, and
 * {@code shutdown} is not supported on packet sockets), so the waiter polls the socket together
 * with an eventfd that {@link #stop} makes readable.
 *
 * <p>{@code struct pollfd} (8 bytes): fd s32 @0, events s16 @4, revents s16 @6.
 */
final class StoppableWait implements AutoCloseable {

  /** What ended one wait. */
  enum Woken {
    /** The socket has a message, or an error to report (a recv call returns it). */
    READABLE,
    TIMEOUT,
    /** {@link #stop} was called: this and every later wait returns at once. */
    STOPPED
  }

  private static final long POLLFD = 8;

  private final int eventFd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment pollFds = arena.allocate(2 * POLLFD, 8);
  private final MemorySegment one = arena.allocate(JAVA_LONG);
  private volatile boolean stopped;
  private boolean closed;

  private StoppableWait(int eventFd) {
    this.eventFd = eventFd;
    one.set(JAVA_LONG, 0, 1L);
  }

  static StoppableWait open() throws IOException {
    int fd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
    if (fd < 0) {
      throw Libc.failure("eventfd", "for a stoppable receive", Libc.errno());
    }
    return new StoppableWait(fd);
  }

  /**
   * Waits until {@code fd} is readable (or has an error), {@code timeoutMillis} pass (negative:
   * no limit), or {@link #stop} is called. For one thread at a time.
   */
  Woken await(int fd, int timeoutMillis) throws IOException {
    if (stopped) {
      return Woken.STOPPED;
    }
    pollFds.set(JAVA_INT, 0, fd);
    pollFds.set(JAVA_SHORT, 4, Libc.POLLIN);
    pollFds.set(JAVA_SHORT, 6, (short) 0);
    pollFds.set(JAVA_INT, POLLFD, eventFd);
    pollFds.set(JAVA_SHORT, POLLFD + 4, Libc.POLLIN);
    pollFds.set(JAVA_SHORT, POLLFD + 6, (short) 0);
    int n = Libc.poll(pollFds, 2, timeoutMillis);
    if (n < 0) {
      int errno = Libc.errno();
      if (errno == Libc.EINTR) {
        return stopped ? Woken.STOPPED : Woken.TIMEOUT;
      }
      throw Libc.failure("poll", "on descriptor " + fd, errno);
    }
    if (stopped || pollFds.get(JAVA_SHORT, POLLFD + 6) != 0) {
      return Woken.STOPPED;
    }
    return n == 0 ? Woken.TIMEOUT : Woken.READABLE;
  }

  /** Ends the current wait and every later one. Any thread; idempotent. */
  synchronized void stop() {
    if (stopped || closed) {
      stopped = true;
      return;
    }
    stopped = true;
    Libc.write(eventFd, one, 8);
  }

  boolean stopped() {
    return stopped;
  }

  /** Releases the eventfd; call once the waiting thread has returned. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopped = true;
    Libc.close(eventFd);
    arena.close();
  }
}
