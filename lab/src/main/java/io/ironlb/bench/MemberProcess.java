package io.ironlb.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A {@link MemberMain} child JVM, started by this test process, with the views it reported. Ended
 * only through its own PID ({@link #kill()}, {@link #terminate()}, {@link #close()}).
 */
final class MemberProcess implements AutoCloseable {

  /** The JVM settings recommended for the speaker (see GroupStack), so tests measure what ships. */
  static final List<String> SPEAKER_JVM_FLAGS = List.of(
      "-XX:+UseSerialGC", "-Xms64m", "-Xmx128m", "-XX:+UseCompactObjectHeaders",
      "-Xss512k", "-XX:TieredStopAtLevel=1", "-XX:+PerfDisableSharedMem");

  /** One VIEW line: when the child's listener heard it (epoch µs, child clock) and the live nodes. */
  record View(long micros, Set<String> nodes) {}

  private static final java.util.concurrent.atomic.AtomicInteger SEQ = new java.util.concurrent.atomic.AtomicInteger();

  final String name;
  private final Process process;
  private final List<View> views = new CopyOnWriteArrayList<>();
  private volatile boolean started;
  private volatile boolean left;

  private MemberProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    Thread.ofPlatform().daemon().name("member-" + name + "-stdout").start(() -> pump(log));
  }

  /**
   * Starts a member. {@code prefix} runs before {@code java} (e.g. {@code ip netns exec NS}; it must
   * exec, so the PID is the JVM's); {@code extraJvm} adds flags such as {@code -Dironlb.hb.timeout=}.
   */
  static MemberProcess start(List<String> prefix, String name, String bindIp, int port, List<InetSocketAddress> peers, byte[] secret,
      Path logDir, List<String> extraJvm) throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(SPEAKER_JVM_FLAGS);
    cmd.addAll(extraJvm);
    String diagnostics = System.getenv("IRONLB_MEMBER_JVM_OPTS"); // e.g. -Dlogback.configurationFile=... to trace JGroups
    if (diagnostics != null && !diagnostics.isBlank()) {
      cmd.addAll(List.of(diagnostics.trim().split("\\s+")));
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MemberMain.class.getName(), name, bindIp, String.valueOf(port),
        peers.stream().map(p -> p.getAddress().getHostAddress() + ":" + p.getPort()).collect(Collectors.joining(","))));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("IRONLB_TEST_SECRET", HexFormat.of().formatHex(secret));
    pb.environment().put("IRONLB_LOG_LEVEL", System.getenv().getOrDefault("IRONLB_MEMBER_LOG_LEVEL", "WARN"));
    Files.createDirectories(logDir);
    return new MemberProcess(name, pb.start(), logDir.resolve(name + "-" + SEQ.incrementAndGet() + ".log"));
  }

  static MemberProcess start(String name, String bindIp, int port, List<InetSocketAddress> peers, byte[] secret, Path logDir)
      throws IOException {
    return start(List.of(), name, bindIp, port, peers, secret, logDir, List.of());
  }

  private void pump(Path log) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter w = new PrintWriter(Files.newBufferedWriter(log), true)) {
      String line;
      while ((line = r.readLine()) != null) {
        w.println(line);
        String[] t = line.split(" ");
        switch (t[0]) {
          case "STARTED" -> started = true;
          case "LEFT" -> left = true;
          case "VIEW" -> views.add(new View(Long.parseLong(t[1]), t.length > 2 ? Set.of(t[2].split(",")) : Set.of()));
          default -> { }
        }
      }
    } catch (IOException e) {
      // the child ended
    }
  }

  long pid() {
    return process.pid();
  }

  boolean started() {
    return started;
  }

  boolean left() {
    return left;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** The live nodes of its latest view; empty before the first. */
  Set<String> live() {
    return views.isEmpty() ? Set.of() : views.getLast().nodes();
  }

  /** The first view at or after {@code sinceMicros} that satisfies {@code test}. */
  Optional<View> firstViewSince(long sinceMicros, java.util.function.Predicate<Set<String>> test) {
    return views.stream().filter(v -> v.micros() >= sinceMicros && test.test(v.nodes())).findFirst();
  }

  List<View> views() {
    return List.copyOf(views);
  }

  // Signals go through the ProcessHandle: Process.destroy() would also close our end of its
  // stdout, and the lines it prints while shutting down would be lost.

  /** SIGKILL, as {@code kill -9}: no shutdown hook, no leave. */
  void kill() {
    process.toHandle().destroyForcibly();
  }

  /** SIGTERM: the shutdown hook leaves the group. */
  void terminate() {
    process.toHandle().destroy();
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return name + "(pid " + pid() + ", views " + Arrays.toString(views.stream().map(View::nodes).toArray()) + ")";
  }
}
