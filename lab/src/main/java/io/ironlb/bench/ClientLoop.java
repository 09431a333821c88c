package io.ironlb.bench;

import io.ironlb.lab.SelfCommand;
import io.ironlb.netns.Netns;
import io.ironlb.netns.Processes;
import io.ironlb.runtime.SteadyThreads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A browser-like client that never stops asking: a process in the client's namespace starts an
 * HTTP GET to a URL every {@code interval} (a new connection each time, each with its own timeout,
 * overlapping when answers are slow), and reports every request's start, end and outcome. The
 * failover measurements and the speaker's end-to-end tests read outages from it.
 *
 * <p>The process is {@code ironlb lab http-loop} ({@link #main}); it takes {@code url URL},
 * {@code idle} and {@code stop} on stdin and ends when stdin closes, so it never outlives the
 * process that started it.
 */
public final class ClientLoop implements AutoCloseable {

  /** At most this many requests in flight (threads started up front); more wait for one to finish. */
  static final int MAX_IN_FLIGHT = 256;

  /** One finished request: when it started and ended (wall clock, microseconds), and how. */
  public record Result(Instant start, Instant end, boolean ok, String detail) {}

  /**
   * The client-observed outage around a fault: the longest wait between two successful answers
   * that spans the fault, and the failed requests that started in it.
   */
  public record Outage(Duration gap, Instant lastOkBefore, Instant firstOkAfter, int failed) {}

  private final Process process;
  private final PrintStream commands;
  private final List<Result> results = new ArrayList<>();
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Thread reader;

  private ClientLoop(Process process) {
    this.process = process;
    this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
    this.reader = Thread.ofPlatform().daemon().name("client-loop-reader").start(this::read);
  }

  /** The loop's process (its JVM: {@code ip netns exec} execs it). */
  public long pid() {
    return process.pid();
  }

  /**
   * Starts the loop in namespace {@code ns}, requesting {@code url} (null: idle until
   * {@link #target}) every {@code interval}, each request given {@code timeout}. Returns once the
   * process runs.
   */
  public static ClientLoop start(String ns, String url, Duration interval, Duration timeout) {
    List<String> args = new ArrayList<>(List.of("lab", "http-loop", "--interval-ms", String.valueOf(interval.toMillis()),
        "--timeout-ms", String.valueOf(timeout.toMillis())));
    if (url != null) {
      args.addAll(List.of("--url", url));
    }
    List<String> argv = Netns.inNamespace(ns, SelfCommand.steadyArgv("96m", List.of(), args.toArray(String[]::new)));
    Process p;
    try {
      p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the client loop: " + e.getMessage(), e);
    }
    ClientLoop loop = new ClientLoop(p);
    try {
      if (!loop.ready.await(60, TimeUnit.SECONDS)) {
        loop.close();
        throw new IllegalStateException("the client loop did not start within 60 s");
      }
    } catch (InterruptedException e) {
      loop.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the client loop", e);
    }
    return loop;
  }

  /** Requests {@code url} from now on (null: stop requesting, stay ready). */
  public void target(String url) {
    commands.println(url == null ? "idle" : "url " + url);
  }

  /** Every result so far, in the order they finished. */
  public List<Result> results() {
    synchronized (results) {
      return List.copyOf(results);
    }
  }

  /** Results of requests that started at or after {@code from}. */
  public List<Result> since(Instant from) {
    return results().stream().filter(r -> !r.start().isBefore(from)).toList();
  }

  /** The first successful request that started at or after {@code from}, by end time. */
  public Optional<Result> firstOkSince(Instant from) {
    return since(from).stream().filter(Result::ok).min(Comparator.comparing(Result::end));
  }

  /** True when a request that started in the last {@code window} succeeded. */
  public boolean recentlyOk(Duration window) {
    return firstOkSince(Instant.now().minus(window)).isPresent();
  }

  /**
   * The outage around {@code fault}: among successes that ended from {@code fault - 2 s} up to
   * {@code until}, the longest gap between consecutive ones that ends after the fault.
   */
  public Outage outage(Instant fault, Instant until) {
    List<Result> oks = results().stream().filter(Result::ok)
        .filter(r -> !r.end().isBefore(fault.minusSeconds(2)) && !r.end().isAfter(until))
        .sorted(Comparator.comparing(Result::end)).toList();
    Duration worst = Duration.ZERO;
    Instant from = null;
    Instant to = null;
    for (int i = 1; i < oks.size(); i++) {
      Instant a = oks.get(i - 1).end();
      Instant b = oks.get(i).end();
      if (b.isAfter(fault) && Duration.between(a, b).compareTo(worst) > 0) {
        worst = Duration.between(a, b);
        from = a;
        to = b;
      }
    }
    Instant end = to == null ? until : to;
    int failed = (int) results().stream().filter(r -> !r.ok() && !r.start().isBefore(fault) && r.start().isBefore(end)).count();
    return new Outage(worst, from, to, failed);
  }

  @Override
  public void close() {
    try {
      commands.println("stop");
      commands.close();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        Processes.killTree(process.toHandle());
      }
      reader.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Processes.killTree(process.toHandle());
      Thread.currentThread().interrupt();
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.equals("ready")) {
          ready.countDown();
          continue;
        }
        String[] f = line.split(" ", 4);
        if (f.length < 3 || !(f[0].equals("ok") || f[0].equals("fail"))) {
          continue; // anything else on stdout (a stray log line) is not a result
        }
        try {
          Result r = new Result(micros(Long.parseLong(f[1])), micros(Long.parseLong(f[2])), f[0].equals("ok"), f.length > 3 ? f[3] : "");
          synchronized (results) {
            results.add(r);
          }
        } catch (NumberFormatException e) {
          // a torn line: skip it
        }
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  private static Instant micros(long epochMicros) {
    return Instant.EPOCH.plus(epochMicros, ChronoUnit.MICROS);
  }

  // ---------------------------------------------------------------- the process side

  /**
   * Runs the loop in this process: prints {@code ready}, then one line per finished request,
   * {@code ok|fail START_US END_US [detail]}, until {@code stop} or the end of stdin.
   */
  public static void run(String url, Duration interval, Duration timeout) throws InterruptedException {
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    Target target = new Target();
    target.set(url);
    Thread control = Thread.ofPlatform().daemon().start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null && !line.equals("stop")) {
          if (line.startsWith("url ")) {
            target.set(line.substring(4).strip());
          } else if (line.equals("idle")) {
            target.set(null);
          }
        }
      } catch (IOException e) {
        // stdin gone: the parent is gone
      }
      target.stop();
    });
    // Every request in flight has a thread of its own: one every interval for at most the timeout.
    ExecutorService requests = SteadyThreads.pool("client-request", (int) Math.min(MAX_IN_FLIGHT,
        timeout.toNanos() / Math.max(1, interval.toNanos()) + 8));
    out.println("ready");
    long next = System.nanoTime();
    while (control.isAlive()) {
      URI now = target.get();
      if (now != null) {
        requests.execute(() -> out.println(request(now, timeout)));
      }
      next += interval.toNanos();
      long wait = next - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      } else {
        next = System.nanoTime(); // fell behind (a busy machine): do not send a burst to catch up
      }
    }
  }

  private static final class Target {
    private URI uri;
    private boolean stopped;

    synchronized void set(String url) {
      uri = url == null ? null : URI.create(url);
    }

    synchronized URI get() {
      return stopped ? null : uri;
    }

    synchronized void stop() {
      stopped = true;
    }
  }

  /**
   * Reads the answer to its end (the server closes it: HTTP/1.0), as curl does. A client that
   * closes with bytes unread resets the connection; the backend's TIME_WAIT may ignore that reset
   * while the node's conntrack forgets the connection after 10 s, and then gives its SNAT port to a
   * new connection, whose SYN the backend answers with an ACK for the old one: a failed request
   * that is neither the load balancer's nor the network's doing. Not reading to the end is not a
   * failed request; the answer's status line decided that.
   */
  private static void drain(BufferedReader in) {
    try {
      while (in.read() >= 0) {
        // the rest of the headers and the body
      }
    } catch (IOException e) {
      // the status line was read; what follows does not change the verdict
    }
  }

  /** One GET on a new connection; the whole exchange within {@code timeout}. */
  private static String request(URI uri, Duration timeout) {
    Instant start = Instant.now();
    long deadline = System.nanoTime() + timeout.toNanos();
    String host = uri.getHost();
    String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    int port = uri.getPort() < 0 ? 80 : uri.getPort();
    String detail;
    boolean ok = false;
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(java.net.InetAddress.ofLiteral(literal), port), (int) Math.max(1, timeout.toMillis()));
      int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      s.setSoTimeout(left);
      OutputStream o = s.getOutputStream();
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      o.write(("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\nUser-Agent: ironlb-lab-client\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      o.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      String status = in.readLine();
      ok = status != null && status.matches("HTTP/1\\.[01] 200.*");
      detail = status == null ? "no-answer" : status.replace(' ', '_');
      drain(in);
    } catch (IOException | RuntimeException e) {
      detail = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
    }
    Instant end = Instant.now();
    return (ok ? "ok " : "fail ") + ChronoUnit.MICROS.between(Instant.EPOCH, start) + " " + ChronoUnit.MICROS.between(Instant.EPOCH, end)
        + " " + detail;
  }
}
