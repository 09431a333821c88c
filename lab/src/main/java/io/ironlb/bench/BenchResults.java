package io.ironlb.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;

/**
 * A results directory of {@code bench/run}, read into records: one JSON file per step (shapes in
 * each benchmark's javadoc and in {@code bench/run}), {@code machine.json} and {@code steps.tsv}
 * from {@code bench/run} itself. A file that is absent or unreadable is an empty {@code Optional}
 * (or absent from a list) and its reason is kept in {@link #problems()}, so the report can say what
 * is missing and why instead of dropping it.
 */
record BenchResults(
    Optional<Machine> machine,
    List<Step> steps,
    List<Failover> failover,
    Optional<Arp> arp,
    Optional<AllocatorResult> allocator,
    Optional<Footprint> footprint,
    Optional<Membership> membership,
    Optional<Soak> soak,
    Optional<Soak> scaling,
    Optional<Scale> scale,
    List<String> problems) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** {@code machine.json}: where and when the run was made. {@code trials} is the failover trials asked for. */
  record Machine(int cpus, String kernel, String jdk, String loadStart, String loadEnd, String started, int trials) {}

  /** One line of {@code steps.tsv}: {@code name TAB ok|failed|skipped TAB seconds TAB note}. */
  record Step(String name, String status, long seconds, String note) {}

  record Failover(String target, String mode, int nodes, int cpus, String loadAverage, List<Trial> trials, List<Creation> creation,
      Timeline timeline) {}

  /**
   * {@code error} non-null: a failed trial, counted but kept out of percentiles. Null figures: not
   * measured. {@code flap}: set in flap mode only (then the figures are the second cut's).
   */
  record Trial(int n, String from, String to, Long neighbourMs, Long outageMs, long failed, String error, Flap flap) {}

  /** A flap trial's other figures: the first cut's outage, heal to one view (null: not before the second cut) and to the client back home. */
  record Flap(long firstOutageMs, Long viewMs, long backMs, long secondCutAfterHealMs) {}

  record Creation(int n, long ipMs, long okMs) {}

  record Timeline(int trial, String faultAt, List<Request> requests, List<NeighbourMove> neighbour) {}

  record Request(long startMs, long endMs, boolean ok, String node) {}

  record NeighbourMove(long atMs, String node) {}

  /** Round trips in ns, {@code -1} for no reply. {@code sparse}: the lab series, null when not run. */
  record Arp(int requestsPerSeries, String loadAverage, long[] kernelNs, long[] ironlbNs, Flood flood, Map<String, Long> drops,
      SparseArp sparse) {}

  /** {@link SparseArpBench}: a real speaker and its node's kernel, one request every 10-20 ms. */
  record SparseArp(int requests, String loadAverage, String node, String vip, String jvmFlags, long[] kernelNs, long[] ironlbNs) {}

  /** {@link SoakBench}'s file ({@code soak.json}, and {@code scaling.json} for the larger labs, idle only). */
  record Soak(double minutes, int lossPercent, long delayMs, long jitterMs, String heartbeatTimeout, String lossNote,
      Map<String, Object> allocation, List<SoakIdle> idle, List<SoakRun> runs, List<String> errors) {}

  record SoakIdle(int nodes, long seconds, String loadAverage, Map<String, Double> speakerCpuPercent,
      Map<String, Double> heartbeatFramesPerSecond) {}

  record SoakRun(int nodes, String stress, long seconds, String loadStart, String loadEnd, long requests, long failedRequests,
      long longestGapMs, long viewChanges, long addressMoves, long neighbourChanges, long suspicions, long withdrawnSuspicions,
      long lateHeartbeats, Map<String, Object> gcPauses, Map<String, Double> speakerCpuPercent, Map<String, Object> keepalived,
      Map<String, Object> machineStalls) {}

  record Flood(int seconds, long rateLimit, long offeredPerSecond, long takenInPerSecond, long rateLimited, double receiveCpuPercentOfCore,
      double microsPerRequest, long[] legitNs) {}

  record AllocatorResult(long targetMs, List<AllocatorRun> runs) {}

  record AllocatorRun(int services, int pools, long allocated, long failed, long[] allocateMicros, long[] rebuildRestoreMicros,
      long[] rebuildAssignMicros, long addressChanges) {}

  /**
   * {@code bench/footprint}'s result. {@code baseline}: an earlier result carried along for a
   * before/after table; {@code wakeFloor}: what waking up costs on the machine. Older files lack the
   * newer fields: they read as empty or zero.
   */
  record Footprint(int labs, int nodes, int restartsPerNode, int settleSeconds, Map<String, String> jvmFlags, List<FootprintSample> samples,
      List<String> errors, int nmtLabs, int cpuSeconds, int services, int limitMiB, List<CpuSample> cpu, List<ServicesRun> servicesRuns,
      Optional<Footprint> baseline, Optional<WakeFloor.Floor> wakeFloor) {

    /** Samples that count for resident memory and ready time: not those of a JVM run with NMT (its own bookkeeping adds). */
    List<FootprintSample> headline() {
      return samples.stream().filter(s -> !s.nmt()).toList();
    }
  }

  /**
   * One process at one moment. {@code kind}: labUp (idle after lab up), restart (idle after a
   * restart), services (idle with the bench's Services). {@code startupMs}: start-up steps from the
   * ready log line; {@code breakdownKiB}: NMT's categories (NMT samples only).
   */
  record FootprintSample(int lab, String process, String node, String kind, long readyMs, long rssIdleKiB, long rssPeakKiB, boolean nmt,
      long rssAnonKiB, long rssFileKiB, long threads, Map<String, Long> startupMs, Map<String, Long> breakdownKiB) {}

  /** Idle CPU of one process over {@code seconds}: percent of a core, and per thread group. */
  record CpuSample(int lab, String process, String node, long seconds, double percent, String loadAverage, Map<String, GroupCpu> groups) {}

  record GroupCpu(double percent, double wakeupsPerSecond) {}

  record ServicesRun(int lab, int services, int announced, long announcedMs) {}

  /**
   * {@link ScaleBench}'s file ({@code scale.json}). {@code load}: the load average at each phase
   * (start, burst, announced, newService, failover, end). {@code failover} is empty when no IPv4
   * address was announced to fail over. {@code newServiceNeighbourMs}: for the new Services whose
   * trial saw it, creation to the client's neighbour entry holding the announcer's MAC.
   */
  /** {@code labJvmFlags}: what {@code IRONLB_LAB_JVM_FLAGS} added to the deployed flags ("" for none). */
  record Scale(int services, int ipv4, int writers, int cpus, String labJvmFlags, Map<String, String> load, ScaleBurst burst,
      List<ScaleProcess> processes, List<Creation> newService, long[] newServiceNeighbourMs, Optional<ScaleFailover> failover,
      List<String> errors) {

    /** Every Service that the API server took got an address and was announced. */
    boolean everyAnnounced() {
      long expected = services - burst.createFailed();
      return burst.addressed() >= expected && burst.announced() >= expected;
    }

    List<ScaleProcess> speakers() {
      return processes.stream().filter(p -> p.process().equals("speaker")).toList();
    }
  }

  /** From the burst's start, ms. Null figures: no Service got that far. */
  record ScaleBurst(long createMs, long createFailed, long addressed, long announced, Long addressedMs, Long announcedMs,
      long addressedToAnnouncedP50Ms, long addressedToAnnouncedMaxMs) {}

  /** One process of the scale lab; {@code node} is null but for a speaker; {@code threads}: CPU ms in the burst, busiest first. */
  record ScaleProcess(String process, String node, long burstCpuMs, double burstSeconds, double perServiceMs, double idleCpuPercent,
      double steadyCpuPercent, long rssKiB, long peakKiB, Map<String, Long> threads) {}

  /** The mass failover: ms from the {@code kill -9}, sorted; {@code movedMs} has one entry per IPv4 entry that moved. */
  record ScaleFailover(String node, String survivor, int ipv4, int addresses, long[] movedMs, long[] firstFrameIpv4Ms,
      long[] firstFrameIpv6Ms, long frames, double framesSeconds, double framesPerSecond, long peakFramesPerSecond) {}

  record Membership(List<MembershipTable> tables, List<Map<String, Object>> load) {}

  record MembershipTable(String mode, String title, List<MembershipRow> rows) {}

  record MembershipRow(String what, long[] ms) {}

  Optional<Step> step(String name) {
    return steps.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** The run of {@code target} and {@code mode} on the smallest lab (the larger ones are the scaling step's). */
  Optional<Failover> failover(String target, String mode) {
    return failover.stream().filter(f -> f.target().equals(target) && f.mode().equals(mode))
        .min(Comparator.comparingInt(Failover::nodes));
  }

  /** The run of {@code target} and {@code mode} on a lab of {@code nodes} nodes. */
  Optional<Failover> failover(String target, String mode, int nodes) {
    return failover.stream().filter(f -> f.target().equals(target) && f.mode().equals(mode) && f.nodes() == nodes).findFirst();
  }

  static BenchResults read(Path dir) {
    List<String> problems = new ArrayList<>();
    Optional<Machine> machine = file(dir, "machine.json", problems).map(BenchResults::machine);
    List<Step> steps = new ArrayList<>();
    Path tsv = dir.resolve("steps.tsv");
    if (Files.exists(tsv)) {
      try {
        for (String line : Files.readAllLines(tsv)) {
          String[] f = line.split("\t", 4);
          if (f.length >= 3) {
            steps.add(new Step(f[0], f[1], parseLong(f[2]), f.length > 3 ? f[3] : ""));
          }
        }
      } catch (IOException e) {
        problems.add("steps.tsv: " + e.getMessage());
      }
    }
    List<Failover> failover = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().matches("failover-.+\\.json")).sorted().toList()) {
        file(dir, f.getFileName().toString(), problems).map(BenchResults::failover).ifPresent(failover::add);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return new BenchResults(machine, List.copyOf(steps), List.copyOf(failover),
        file(dir, "arp.json", problems).map(BenchResults::arp),
        file(dir, "allocator.json", problems).map(BenchResults::allocator),
        file(dir, "footprint.json", problems).map(BenchResults::footprint),
        file(dir, "membership.json", problems).map(BenchResults::membership),
        file(dir, "soak.json", problems).map(BenchResults::soak),
        file(dir, "scaling.json", problems).map(BenchResults::soak),
        file(dir, "scale.json", problems).map(BenchResults::scale),
        List.copyOf(problems));
  }

  /** The JSON object in {@code dir/name}; absent when the file is, unreadable with a problem noted. */
  private static Optional<Map<String, Object>> file(Path dir, String name, List<String> problems) {
    Path p = dir.resolve(name);
    if (!Files.exists(p)) {
      return Optional.empty();
    }
    try {
      return Optional.of(map(JSON.readValue(Files.readString(p), Object.class)));
    } catch (IOException | RuntimeException e) {
      problems.add(name + " is unreadable: " + e.getMessage());
      return Optional.empty();
    }
  }

  private static Machine machine(Map<String, Object> m) {
    return new Machine(integer(m, "cpus"), str(m, "kernel"), str(m, "jdk"), str(m, "loadStart"), str(m, "loadEnd"), str(m, "started"),
        integer(m, "trials"));
  }

  private static Failover failover(Map<String, Object> m) {
    List<Trial> trials = list(m.get("trials")).stream().map(BenchResults::map).map(t -> new Trial(integer(t, "n"), str(t, "from"),
        str(t, "to"), optLong(t, "neighbourMs"), optLong(t, "outageMs"), lng(t, "failed"), str(t, "error"), flap(t.get("flap")))).toList();
    List<Creation> creation = list(m.get("creation")).stream().map(BenchResults::map)
        .map(c -> new Creation(integer(c, "n"), lng(c, "ipMs"), lng(c, "okMs"))).toList();
    Timeline timeline = null;
    if (m.get("timeline") instanceof Map<?, ?> t) {
      Map<String, Object> tm = map(t);
      timeline = new Timeline(integer(tm, "trial"), str(tm, "faultAt"),
          list(tm.get("requests")).stream().map(BenchResults::map)
              .map(r -> new Request(lng(r, "startMs"), lng(r, "endMs"), Boolean.TRUE.equals(r.get("ok")), str(r, "node"))).toList(),
          list(tm.get("neighbour")).stream().map(BenchResults::map).map(n -> new NeighbourMove(lng(n, "atMs"), str(n, "node"))).toList());
    }
    return new Failover(str(m, "target"), str(m, "mode"), integer(m, "nodes"), integer(m, "cpus"), str(m, "loadAverage"), trials, creation,
        timeline);
  }

  private static Flap flap(Object o) {
    Map<String, Object> f = map(o);
    return f.isEmpty() ? null : new Flap(lng(f, "firstOutageMs"), optLong(f, "viewMs"), lng(f, "backMs"), lng(f, "secondCutAfterHealMs"));
  }

  private static Soak soak(Map<String, Object> m) {
    List<SoakIdle> idle = list(m.get("idle")).stream().map(BenchResults::map).map(i -> new SoakIdle(integer(i, "nodes"), lng(i, "seconds"),
        str(i, "loadAverage"), doubles(i.get("speakerCpuPercent")), doubles(i.get("heartbeatFramesPerSecond")))).toList();
    List<SoakRun> runs = list(m.get("runs")).stream().map(BenchResults::map).map(r -> new SoakRun(integer(r, "nodes"), str(r, "stress"),
        lng(r, "seconds"), str(r, "loadStart"), str(r, "loadEnd"), lng(r, "requests"), lng(r, "failedRequests"), lng(r, "longestGapMs"),
        lng(r, "viewChanges"), lng(r, "addressMoves"), lng(r, "neighbourChanges"), lng(r, "suspicions"), lng(r, "withdrawnSuspicions"),
        lng(r, "lateHeartbeats"), map(r.get("gcPauses")), doubles(r.get("speakerCpuPercent")), map(r.get("keepalived")),
        map(r.get("machineStalls")))).toList();
    return new Soak(dbl(m, "minutes"), integer(m, "lossPercent"), lng(m, "delayMs"), lng(m, "jitterMs"), str(m, "heartbeatTimeout"),
        str(m, "lossNote"), map(m.get("allocation")), idle, runs, list(m.get("errors")).stream().map(String::valueOf).toList());
  }

  private static Scale scale(Map<String, Object> m) {
    Map<String, String> load = new LinkedHashMap<>();
    map(m.get("load")).forEach((k, v) -> load.put(k, String.valueOf(v)));
    Map<String, Object> b = map(m.get("burst"));
    ScaleBurst burst = new ScaleBurst(lng(b, "createMs"), lng(b, "createFailed"), lng(b, "addressed"), lng(b, "announced"),
        optLong(b, "addressedMs"), optLong(b, "announcedMs"), lng(b, "addressedToAnnouncedP50Ms"), lng(b, "addressedToAnnouncedMaxMs"));
    List<ScaleProcess> processes = list(m.get("processes")).stream().map(BenchResults::map).map(p -> new ScaleProcess(str(p, "process"),
        str(p, "node"), lng(p, "burstCpuMs"), dbl(p, "burstSeconds"), dbl(p, "perServiceMs"), dbl(p, "idleCpuPercent"),
        dbl(p, "steadyCpuPercent"), lng(p, "rssKiB"), lng(p, "peakKiB"), longMap(p.get("threads")))).toList();
    List<Creation> created = list(m.get("newService")).stream().map(BenchResults::map)
        .map(c -> new Creation(integer(c, "n"), lng(c, "ipMs"), lng(c, "okMs"))).toList();
    Map<String, Object> f = map(m.get("failover"));
    Map<String, Object> first = map(f.get("firstFrameMs"));
    Optional<ScaleFailover> failover = f.isEmpty() ? Optional.empty() : Optional.of(new ScaleFailover(str(f, "node"), str(f, "survivor"),
        integer(f, "ipv4"), integer(f, "addresses"), longs(f.get("movedMs")), longs(first.get("ipv4")), longs(first.get("ipv6")),
        lng(f, "frames"), dbl(f, "framesSeconds"), dbl(f, "framesPerSecond"), lng(f, "peakFramesPerSecond")));
    long[] neighbour = list(m.get("newService")).stream().map(BenchResults::map).filter(c -> c.get("neighbourMs") instanceof Number)
        .mapToLong(c -> lng(c, "neighbourMs")).toArray();
    return new Scale(integer(m, "services"), integer(m, "ipv4"), integer(m, "writers"), integer(m, "cpus"),
        m.get("labJvmFlags") == null ? "" : String.valueOf(m.get("labJvmFlags")), load, burst, processes, created,
        neighbour, failover, list(m.get("errors")).stream().map(String::valueOf).toList());
  }

  private static Map<String, Double> doubles(Object o) {
    Map<String, Double> out = new TreeMap<>();
    map(o).forEach((k, v) -> {
      if (v instanceof Number n) {
        out.put(k, n.doubleValue());
      }
    });
    return out;
  }

  private static Arp arp(Map<String, Object> m) {
    Map<String, Object> f = map(m.get("flood"));
    Flood flood = f.isEmpty() ? null : new Flood(integer(f, "seconds"), lng(f, "rateLimit"), lng(f, "offeredPerSecond"),
        lng(f, "takenInPerSecond"), lng(f, "rateLimited"), dbl(f, "receiveCpuPercentOfCore"), dbl(f, "microsPerRequest"), longs(f.get("legitNs")));
    Map<String, Long> drops = new LinkedHashMap<>();
    map(m.get("drops")).forEach((k, v) -> drops.put(k, ((Number) v).longValue()));
    Map<String, Object> sp = map(m.get("sparse"));
    SparseArp sparse = sp.isEmpty() ? null : new SparseArp(integer(sp, "requests"), str(sp, "loadAverage"), str(sp, "node"), str(sp, "vip"),
        str(sp, "jvmFlags"), longs(sp.get("kernelNs")), longs(sp.get("ironlbNs")));
    return new Arp(integer(m, "requestsPerSeries"), str(m, "loadAverage"), longs(m.get("kernelNs")), longs(m.get("ironlbNs")), flood, drops,
        sparse);
  }

  private static AllocatorResult allocator(Map<String, Object> m) {
    List<AllocatorRun> runs = list(m.get("runs")).stream().map(BenchResults::map).map(r -> new AllocatorRun(integer(r, "services"),
        integer(r, "pools"), lng(r, "allocated"), lng(r, "failed"), longs(r.get("allocateMicros")), longs(r.get("rebuildRestoreMicros")),
        longs(r.get("rebuildAssignMicros")), lng(r, "addressChanges"))).toList();
    return new AllocatorResult(m.containsKey("targetMs") ? lng(m, "targetMs") : 1000, runs);
  }

  private static Footprint footprint(Map<String, Object> m) {
    Map<String, String> flags = new LinkedHashMap<>();
    map(m.get("jvmFlags")).forEach((k, v) -> flags.put(k, String.valueOf(v)));
    List<FootprintSample> samples = list(m.get("samples")).stream().map(BenchResults::map).map(s -> new FootprintSample(integer(s, "lab"),
        str(s, "process"), str(s, "node"), str(s, "kind"), lng(s, "readyMs"), lng(s, "rssIdleKiB"), lng(s, "rssPeakKiB"),
        Boolean.TRUE.equals(s.get("nmt")), lng(s, "rssAnonKiB"), lng(s, "rssFileKiB"), lng(s, "threads"), longMap(s.get("startupMs")),
        longMap(s.get("breakdownKiB")))).toList();
    List<CpuSample> cpu = list(m.get("cpu")).stream().map(BenchResults::map).map(c -> {
      Map<String, GroupCpu> groups = new LinkedHashMap<>();
      map(c.get("groups")).forEach((k, v) -> groups.put(k, new GroupCpu(dbl(map(v), "percent"), dbl(map(v), "wakeupsPerSecond"))));
      return new CpuSample(integer(c, "lab"), str(c, "process"), str(c, "node"), lng(c, "seconds"), dbl(c, "percent"), str(c, "loadAverage"),
          groups);
    }).toList();
    List<ServicesRun> runs = list(m.get("servicesRuns")).stream().map(BenchResults::map).map(r -> new ServicesRun(integer(r, "lab"),
        integer(r, "services"), integer(r, "announced"), lng(r, "announcedMs"))).toList();
    Optional<Footprint> baseline = m.get("baseline") instanceof Map<?, ?> b ? Optional.of(footprint(map(b))) : Optional.empty();
    return new Footprint(integer(m, "labs"), integer(m, "nodes"), integer(m, "restartsPerNode"), integer(m, "settleSeconds"), flags, samples,
        list(m.get("errors")).stream().map(String::valueOf).toList(), integer(m, "nmtLabs"), integer(m, "cpuSeconds"), integer(m, "services"),
        m.containsKey("limitMiB") ? integer(m, "limitMiB") : FootprintBench.METALLB_LIMIT_MIB, cpu, runs, baseline,
        m.get("wakeFloor") instanceof Map<?, ?> w
            ? Optional.of(new WakeFloor.Floor(dbl(map(w), "timerWakeMicros"), dbl(map(w), "udpRoundMicros"))) : Optional.empty());
  }

  private static Map<String, Long> longMap(Object o) {
    Map<String, Long> out = new LinkedHashMap<>();
    map(o).forEach((k, v) -> {
      if (v instanceof Number n) {
        out.put(k, n.longValue());
      }
    });
    return out;
  }

  private static Membership membership(Map<String, Object> m) {
    List<MembershipTable> tables = list(m.get("tables")).stream().map(BenchResults::map).map(t -> new MembershipTable(str(t, "mode"),
        str(t, "title"), list(t.get("rows")).stream().map(BenchResults::map).map(r -> new MembershipRow(str(r, "what"), longs(r.get("ms"))))
            .toList())).toList();
    return new Membership(tables, list(m.get("load")).stream().map(BenchResults::map).toList());
  }

  // ---- tolerant accessors over Jackson's Map/List trees

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  static List<Object> list(Object o) {
    return o instanceof List<?> l ? new ArrayList<>(l) : List.of();
  }

  static String str(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v == null ? null : String.valueOf(v);
  }

  static long lng(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number n ? n.longValue() : 0;
  }

  static Long optLong(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number n ? n.longValue() : null;
  }

  static int integer(Map<String, Object> m, String key) {
    return (int) lng(m, key);
  }

  static double dbl(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number n ? n.doubleValue() : 0;
  }

  static long[] longs(Object o) {
    return list(o).stream().filter(Number.class::isInstance).mapToLong(x -> ((Number) x).longValue()).toArray();
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
