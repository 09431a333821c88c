package io.ironlb.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Footprint of the processes the lab runs (through {@code bench/footprint/run}): resident memory and
 * start-up time of the controller and the speakers. Per lab ({@code --labs N}): {@code ironlb lab
 * up}, then for each process the time from its start (the kernel's, {@code /proc/PID/stat}) to its
 * ready log line ({@code controllerReady}: leader, caches synced and state rebuilt;
 * {@code speakerReady}: membership joined and the speaker's informers started), then {@code VmRSS}
 * after {@code --settle} seconds of idling and {@code VmHWM} (the peak so far) from
 * {@code /proc/PID/status}. Then each speaker is restarted {@code --restarts} times ({@code lab kill}
 * and {@code lab restore}, as a DaemonSet pod restart: the Secret exists, the other speakers run)
 * and measured again; then {@code lab down}. Prints a table; with {@code --json FILE} writes:
 *
 * <pre>
 * {"bench": "footprint", "labs": 3, "nodes": 2, "restartsPerNode": 1, "settleSeconds": 10,
 *  "loadAverage": {"start": "..", "end": ".."},
 *  "jvmFlags": {"controller": "-XX:+UseSerialGC ...", "speaker": "..."},
 *  "samples": [{"lab": 1, "process": "controller" | "speaker", "node": null | "spark-2959",
 *               "kind": "labUp" | "restart", "pid": 123, "readyMs": 2400, "rssIdleKiB": 181540, "rssPeakKiB": 181600}],
 *  "errors": ["..."]}
 * </pre>
 *
 * Not a test: a process that never gets ready is reported in {@code errors}; the exit status is 1
 * only when no sample at all was taken.
 */
public final class FootprintBench {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path ironlb;
  private final Path stateDir;
  private final String prefix;
  private final int nodes;
  private final Duration settle;
  private final long bootEpochMillis;
  private final long ticksPerSecond;
  private final List<Map<String, Object>> samples = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private final Map<String, String> jvmFlags = new LinkedHashMap<>();

  private FootprintBench(Path ironlb, Path stateDir, String prefix, int nodes, Duration settle) throws Exception {
    this.ironlb = ironlb;
    this.stateDir = stateDir;
    this.prefix = prefix;
    this.nodes = nodes;
    this.settle = settle;
    this.bootEpochMillis = bootTime() * 1000;
    this.ticksPerSecond = Long.parseLong(run(List.of("getconf", "CLK_TCK")).strip());
  }

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(List.of(args));
    Path json = BenchJson.takeOption(rest, "--json");
    Path state = Path.of(required(rest, "--state-dir"));
    String prefix = option(rest, "--prefix", "ifp-");
    int labs = Integer.parseInt(option(rest, "--labs", "3"));
    int restarts = Integer.parseInt(option(rest, "--restarts", "1"));
    int nodes = Integer.parseInt(option(rest, "--nodes", "2"));
    int settleSeconds = Integer.parseInt(option(rest, "--settle", "10"));
    Path ironlb = Path.of(option(rest, "--ironlb", "./ironlb"));
    if (!rest.isEmpty()) {
      throw new IllegalArgumentException("unknown arguments " + rest
          + "; use --state-dir DIR [--prefix P] [--labs N] [--restarts N] [--nodes N] [--settle S] [--json FILE]");
    }
    String loadStart = loadAverage();
    FootprintBench b = new FootprintBench(ironlb, state, prefix, nodes, Duration.ofSeconds(settleSeconds));
    System.out.printf(Locale.ROOT, "bench/footprint: %d labs of %d nodes, %d restart(s) per speaker, %d s settling; load average %s%n",
        labs, nodes, restarts, settleSeconds, loadStart);
    for (int lab = 1; lab <= labs; lab++) {
      try {
        b.lab(lab, restarts);
      } catch (Exception e) {
        b.errors.add("lab " + lab + ": " + e.getMessage());
        System.out.println("  lab " + lab + " failed: " + e.getMessage());
      } finally {
        b.ironlb("lab", "down", "--state-dir", state.toString());
      }
    }
    b.print();
    if (json != null) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("bench", "footprint");
      doc.put("labs", labs);
      doc.put("nodes", nodes);
      doc.put("restartsPerNode", restarts);
      doc.put("settleSeconds", settleSeconds);
      doc.put("loadAverage", Map.of("start", loadStart, "end", loadAverage()));
      doc.put("jvmFlags", b.jvmFlags);
      doc.put("samples", b.samples);
      doc.put("errors", b.errors);
      BenchJson.write(json, doc);
    }
    System.exit(b.samples.isEmpty() ? 1 : 0);
  }

  private void lab(int lab, int restarts) throws Exception {
    long t0 = System.nanoTime();
    String up = ironlb("lab", "up", "--state-dir", stateDir.toString(), "--prefix", prefix, "--nodes", String.valueOf(nodes));
    if (!Files.exists(stateDir.resolve("state")) || !up.contains("lab up took")) {
      List<String> lines = up.strip().lines().toList();
      System.out.println("  lab up failed; its last lines:");
      lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> System.out.println("    " + l));
      throw new IllegalStateException("lab up failed (its output is in this step's log)");
    }
    System.out.printf(Locale.ROOT, "  lab %d up in %.1f s%n", lab, (System.nanoTime() - t0) / 1e9);
    List<LabProc> started = new ArrayList<>();
    for (LabProc p : processes().values()) {
      if (p.name().equals("controller") || p.name().startsWith("speaker ")) {
        started.add(p);
      }
    }
    if (started.stream().noneMatch(p -> p.name().equals("controller"))) {
      throw new IllegalStateException("the lab runs no controller (state " + stateDir.resolve("state") + ")");
    }
    measure(lab, "labUp", started);
    for (int r = 0; r < restarts; r++) {
      for (LabProc old : started.stream().filter(p -> p.name().startsWith("speaker ")).toList()) {
        String node = old.name().substring("speaker ".length());
        ironlb("lab", "kill", node, "--state-dir", stateDir.toString());
        ironlb("lab", "restore", node, "--state-dir", stateDir.toString());
        LabProc fresh = processes().get(old.name());
        if (fresh == null || fresh.pid() == old.pid()) {
          errors.add("lab " + lab + ": " + old.name() + " was not restarted");
          continue;
        }
        measure(lab, "restart", List.of(fresh));
      }
    }
  }

  /** Waits for each process's ready line, lets them idle, then reads their memory. */
  private void measure(int lab, String kind, List<LabProc> procs) throws Exception {
    Map<LabProc, Long> ready = new LinkedHashMap<>();
    for (LabProc p : procs) {
      jvmFlags.putIfAbsent(p.component(), p.jvmFlags());
      long startMs = startEpochMillis(p.pid());
      Optional<Instant> at = awaitReady(p, Instant.ofEpochMilli(startMs));
      if (at.isEmpty()) {
        errors.add("lab " + lab + ": " + p.name() + " (pid " + p.pid() + ") logged no " + p.readyEvent() + " within "
            + READY_TIMEOUT.toSeconds() + " s");
        continue;
      }
      ready.put(p, at.get().toEpochMilli() - startMs);
    }
    Thread.sleep(settle.toMillis()); // idle memory is what the process holds once nothing happens
    for (var e : ready.entrySet()) {
      LabProc p = e.getKey();
      Map<String, Long> status = procStatus(p.pid());
      if (status.isEmpty()) {
        errors.add("lab " + lab + ": " + p.name() + " (pid " + p.pid() + ") ended while idling");
        continue;
      }
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("lab", lab);
      s.put("process", p.component());
      s.put("node", p.name().startsWith("speaker ") ? p.name().substring("speaker ".length()) : null);
      s.put("kind", kind);
      s.put("pid", p.pid());
      s.put("readyMs", e.getValue());
      s.put("rssIdleKiB", status.get("VmRSS"));
      s.put("rssPeakKiB", status.get("VmHWM"));
      samples.add(s);
      System.out.printf(Locale.ROOT, "    %-22s %-8s ready %6d ms  RSS idle %6.1f MiB  peak %6.1f MiB%n", p.name(), kind, e.getValue(),
          status.get("VmRSS") / 1024.0, status.get("VmHWM") / 1024.0);
    }
  }

  private Optional<Instant> awaitReady(LabProc p, Instant start) throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(p.log())) {
        for (String line : Files.readAllLines(p.log(), StandardCharsets.UTF_8)) {
          Optional<Instant> at = readyAt(line, p.readyEvent(), start);
          if (at.isPresent()) {
            return at;
          }
        }
      }
      if (procStatus(p.pid()).isEmpty()) {
        return Optional.empty();
      }
      Thread.sleep(200); // polling a log file
    }
    return Optional.empty();
  }

  /** The time of {@code event} in one JSON log line, if the line is that event and not older than {@code start}. */
  static Optional<Instant> readyAt(String line, String event, Instant start) {
    if (!line.startsWith("{") || !line.contains(event)) {
      return Optional.empty();
    }
    try {
      Map<?, ?> m = JSON.readValue(line, Map.class);
      if (!event.equals(m.get("event")) || !(m.get("ts") instanceof String ts)) {
        return Optional.empty();
      }
      Instant at = java.time.OffsetDateTime.parse(ts).toInstant();
      // The kernel's start time has clock-tick resolution (10 ms), so it is never after the real start.
      return at.isBefore(start) ? Optional.empty() : Optional.of(at);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Process start from /proc/PID/stat (field 22, clock ticks after boot). */
  private long startEpochMillis(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[19]); // field 22 overall; fields after "pid (comm)" start at 3
    return bootEpochMillis + ticks * 1000 / ticksPerSecond;
  }

  private static long bootTime() throws IOException {
    return Files.readAllLines(Path.of("/proc/stat")).stream().filter(l -> l.startsWith("btime ")).findFirst()
        .map(l -> Long.parseLong(l.substring(6).strip())).orElseThrow(() -> new IOException("no btime in /proc/stat"));
  }

  /** VmRSS and VmHWM in KiB; empty when the process is gone. */
  static Map<String, Long> procStatus(long pid) {
    Map<String, Long> out = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
          out.put(line.substring(0, 5), Long.parseLong(line.substring(6).replace("kB", "").strip()));
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    return out;
  }

  record LabProc(String name, long pid, Path log, List<String> argv) {
    String component() {
      return name.equals("controller") ? "controller" : "speaker";
    }

    String readyEvent() {
      return name.equals("controller") ? "controllerReady" : "speakerReady";
    }

    /** The JVM flags between {@code java} and {@code -cp}. */
    String jvmFlags() {
      int cp = argv.indexOf("-cp");
      return String.join(" ", argv.subList(1, cp < 0 ? 1 : cp));
    }
  }

  /** The processes of the lab's state file (format in io.ironlb.lab.LabState); a restarted one keeps its latest line. */
  private Map<String, LabProc> processes() throws IOException {
    Map<String, LabProc> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(stateDir.resolve("state"))) {
      String[] f = line.split("\t", -1);
      if (f[0].equals("process") && f.length >= 7) {
        out.put(f[1], new LabProc(f[1], Long.parseLong(f[3]), Path.of(f[5]), List.of(f).subList(6, f.length)));
      }
    }
    return out;
  }

  private String ironlb(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ironlb.toString());
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  private static String run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  private void print() {
    System.out.printf(Locale.ROOT, "%n%-11s %-8s %7s %16s %20s %20s%n", "process", "start", "samples", "ready p50/max ms",
        "RSS idle p50/max MiB", "RSS peak p50/max MiB");
    for (String process : List.of("controller", "speaker")) {
      for (String kind : List.of("labUp", "restart")) {
        List<Map<String, Object>> s = samples.stream().filter(x -> x.get("process").equals(process) && x.get("kind").equals(kind)).toList();
        if (s.isEmpty()) {
          continue;
        }
        long[] ready = s.stream().mapToLong(x -> ((Number) x.get("readyMs")).longValue()).toArray();
        long[] idle = s.stream().mapToLong(x -> ((Number) x.get("rssIdleKiB")).longValue()).toArray();
        long[] peak = s.stream().mapToLong(x -> ((Number) x.get("rssPeakKiB")).longValue()).toArray();
        System.out.printf(Locale.ROOT, "%-11s %-8s %7d %16s %20s %20s%n", process, kind, s.size(),
            Percentiles.of(ready, 50) + " / " + Percentiles.of(ready, 100), mib(idle), mib(peak));
      }
    }
    errors.forEach(e -> System.out.println("error: " + e));
  }

  private static String mib(long[] kib) {
    return String.format(Locale.ROOT, "%.0f / %.0f", Percentiles.of(kib, 50) / 1024.0, Percentiles.of(kib, 100) / 1024.0);
  }

  private static String loadAverage() throws IOException {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
    return f[0] + " " + f[1] + " " + f[2];
  }

  private static String option(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    if (i < 0) {
      return fallback;
    }
    String v = args.get(i + 1);
    args.remove(i + 1);
    args.remove(i);
    return v;
  }

  private static String required(List<String> args, String name) {
    String v = option(args, name, null);
    if (v == null) {
      throw new IllegalArgumentException(name + " is required");
    }
    return v;
  }
}
