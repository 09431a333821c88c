package io.ironlb.bench;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.lab.ClusterSeeder;
import io.ironlb.lab.Kube;
import io.ironlb.lab.LabLayout;
import io.ironlb.lab.LabState;
import io.ironlb.netns.LabProcess;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The scale benchmark ({@code bench/scale/run}, root): a lab of its own with two nodes, then
 * <ol>
 *   <li>an IPv4 and an IPv6 pool of its own ({@link ScaleObjects}) and CPU idling for {@code --idle}
 *       seconds (each process's CPU rate with nothing to do);
 *   <li>a burst of {@code --services} LoadBalancer Services (the first {@code --ipv4} of them IPv4),
 *       each with an EndpointSlice naming a node, written by {@code --writers} threads at once: how
 *       long the lab's API server took to accept them, and from the burst's start until every
 *       Service had an EXTERNAL-IP and until every one was announced (a ServiceL2Status each);
 *   <li>CPU per Service in each speaker and the controller ({@code utime+stime} of
 *       {@code /proc/PID/stat} from before the burst until all were announced, divided by the
 *       number of Services), the threads that spent it, and resident memory after
 *       {@code --steady} seconds with all of them present, with the CPU rate of that steady state;
 *   <li>{@code --new} new Services, one at a time, with all the others present: creation to
 *       EXTERNAL-IP and to the first successful HTTP request from the client namespace;
 *   <li>a mass failover: {@code kill -9} of the speaker that announces most IPv4 addresses, with the
 *       client's neighbour table holding an entry for each of them: per address, when the entry
 *       named the survivor's MAC (p50, max), when the survivor's first gratuitous frame for each of
 *       the node's addresses (IPv4 and IPv6) reached the client, and the frames per second.
 * </ol>
 * Prints each figure with the load average; with {@code --json FILE} writes (shape read by
 * {@link BenchResults}):
 * <pre>
 * {"bench": "scale", "services": 10000, "ipv4": 150, "writers": 16, "cpus": 2,
 *  "load": {"start": "..", "burst": "..", "announced": "..", "newService": "..", "failover": "..", "end": ".."},
 *  "burst": {"createMs": .., "createFailed": 0, "addressedMs": .., "announcedMs": .., "addressedToAnnouncedP50Ms": .., "addressed": N, "announced": N},
 *  "processes": [{"process": "speaker", "node": "spark-2959", "burstCpuMs": .., "perServiceMs": .., "idleCpuPercent": ..,
 *                 "steadyCpuPercent": .., "rssKiB": .., "peakKiB": .., "threads": {"speaker": .., ..}}, ..],
 *  "newService": [{"n": 1, "ipMs": .., "okMs": ..}],
 *  "failover": {"node": "..", "survivor": "..", "ipv4": 75, "addresses": 5000, "movedMs": [..], "moved": 75,
 *               "firstFrameMs": {"ipv4": [..], "ipv6": [..]}, "frames": .., "framesSeconds": .., "framesPerSecond": .., "peakFramesPerSecond": ..,
 *               "survivorCpuMs": .., "survivorRssKiB": ..},
 *  "errors": [".."]}
 * </pre>
 * Not a test: it fails only when the lab cannot be built or the burst is never announced.
 */
public final class ScaleBench {

  private static final Duration POOLS_READY = Duration.ofSeconds(60);
  private static final Duration FAILOVER_LIMIT = Duration.ofSeconds(120);
  /** The neighbour table ignores a new MAC for an entry younger than this (locktime, one second by default). */
  private static final Duration NEIGHBOUR_LOCKTIME = Duration.ofSeconds(1);

  record Options(Path stateDir, String prefix, Path ironlb, int services, int ipv4, int writers, int idleSeconds, int steadySeconds,
      int newServices, Duration timeout, Path json) {}

  private final Options o;
  private final Map<String, Object> result = new LinkedHashMap<>();
  private final Map<String, Object> load = new LinkedHashMap<>();
  private final List<String> errors = new ArrayList<>();
  private LabState state;
  private LabLayout layout;

  private ScaleBench(Options o) {
    this.o = o;
  }

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(List.of(args));
    Path json = BenchJson.takeOption(rest, "--json");
    Options o = new Options(Path.of(BenchArgs.required(rest, "--state-dir")), BenchArgs.option(rest, "--prefix", "isc-"), Path.of(BenchArgs.option(rest, "--ironlb", "./ironlb")),
        Integer.parseInt(BenchArgs.option(rest, "--services", "10000")), Integer.parseInt(BenchArgs.option(rest, "--ipv4", "150")),
        Integer.parseInt(BenchArgs.option(rest, "--writers", "16")), Integer.parseInt(BenchArgs.option(rest, "--idle", "10")),
        Integer.parseInt(BenchArgs.option(rest, "--steady", "20")), Integer.parseInt(BenchArgs.option(rest, "--new", "5")),
        Duration.ofMinutes(Long.parseLong(BenchArgs.option(rest, "--timeout-minutes", "40"))), json);
    if (!rest.isEmpty()) {
      throw new IllegalArgumentException("unknown arguments " + rest + "; use --state-dir DIR [--prefix P] [--services N] [--ipv4 N] "
          + "[--writers N] [--idle S] [--steady S] [--new N] [--timeout-minutes M] [--json FILE]");
    }
    if (o.ipv4() < 0 || o.ipv4() > o.services() || o.ipv4() + o.newServices() > ScaleObjects.FREE_IPV4) {
      throw new IllegalArgumentException("--ipv4 " + o.ipv4() + " and --new " + o.newServices() + ": the lab has " + ScaleObjects.FREE_IPV4
          + " free IPv4 addresses for both together, and --ipv4 must not exceed --services " + o.services());
    }
    ScaleBench b = new ScaleBench(o);
    int code;
    try {
      code = b.run();
    } finally {
      if (System.getenv("KEEP_LOGS") == null) {
        b.ironlb("lab", "down", "--state-dir", o.stateDir().toString()); // else bench/scale/run keeps the logs first
      }
    }
    System.exit(code);
  }

  private int run() throws Exception {
    load.put("start", LabFailover.loadAverage());
    System.out.printf(Locale.ROOT, "bench/scale: %,d Services (%d IPv4), %d writers, %d CPUs; load average %s%n", o.services(), o.ipv4(),
        o.writers(), Runtime.getRuntime().availableProcessors(), load.get("start"));
    long t0 = System.nanoTime();
    String up = ironlb("lab", "up", "--state-dir", o.stateDir().toString(), "--prefix", o.prefix(), "--no-wait");
    state = LabState.load(o.stateDir());
    if (!state.exists() || !up.contains("lab up took")) {
      List<String> lines = up.strip().lines().toList();
      System.out.println("lab up failed; its last lines:");
      lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> System.out.println("  " + l));
      return 1;
    }
    layout = state.layout();
    System.out.printf(Locale.ROOT, "lab up in %.1f s (state %s, prefix %s)%n", (System.nanoTime() - t0) / 1e9, o.stateDir(), o.prefix());
    int code;
    try (KubernetesClient client = Kube.client(Kube.url(state.apiPort().orElseThrow()))) {
      code = measure(client);
    }
    load.put("end", LabFailover.loadAverage());
    result.put("load", load);
    result.put("errors", errors);
    errors.forEach(e -> System.out.println("error: " + e));
    if (o.json() != null) {
      BenchJson.write(o.json(), result);
      System.out.println("results: " + o.json());
    }
    return code;
  }

  private int measure(KubernetesClient client) throws Exception {
    ScaleObjects objects = new ScaleObjects(layout);
    objects.configure(client);
    await("the controller to take pools " + ScaleObjects.POOL_V4 + " and " + ScaleObjects.POOL_V6 + " into service", POOLS_READY,
        () -> ScaleObjects.poolsReady(client));
    Map<String, Long> pids = processes();
    result.put("bench", "scale");
    result.put("services", o.services());
    result.put("ipv4", o.ipv4());
    result.put("writers", o.writers());
    result.put("cpus", Runtime.getRuntime().availableProcessors());
    result.put("labJvmFlags", System.getenv().getOrDefault("IRONLB_LAB_JVM_FLAGS", "").strip());

    Map<String, ProcSample> idleStart = sample(pids);
    Thread.sleep(o.idleSeconds() * 1000L); // the CPU rate with nothing to do, to set the burst's against
    Map<String, ProcSample> before = sample(pids);

    List<ScaleObjects.Spec> specs = objects.specs(o.services(), o.ipv4());
    Map<String, Object> burst = new LinkedHashMap<>();
    result.put("burst", burst);
    long announcedAt;
    try (ScaleProgress progress = new ScaleProgress(client, ScaleObjects.NAMESPACE)) {
      load.put("burst", LabFailover.loadAverage());
      System.out.printf(Locale.ROOT, "burst: %,d Services with EndpointSlices, %d writers; load average %s%n", specs.size(), o.writers(),
          load.get("burst"));
      AtomicInteger created = new AtomicInteger();
      long start = System.nanoTime();
      Thread reporter = Thread.ofVirtual().start(() -> report(start, created, progress, specs.size()));
      int failed = ScaleObjects.createAll(client, specs, o.writers(), created::incrementAndGet);
      long createdAt = System.nanoTime();
      burst.put("createMs", ms(createdAt - start));
      burst.put("createFailed", failed);
      System.out.printf(Locale.ROOT, "  the API server took the %,d objects in %.1f s (%d failed)%n", 2 * specs.size(), (createdAt - start) / 1e9, failed);
      boolean done = awaitQuietly(o.timeout().minusNanos(createdAt - start),
          () -> progress.announcedCount() >= specs.size() - failed && progress.addressedCount() >= specs.size() - failed);
      reporter.interrupt();
      long end = System.nanoTime();
      Map<String, Long> addressed = progress.addressedAt();
      Map<String, Long> announced = progress.announcedAt();
      burst.put("addressed", addressed.size());
      burst.put("announced", announced.size());
      burst.put("addressedMs", addressed.isEmpty() ? null : ms(max(addressed.values()) - start));
      burst.put("announcedMs", announced.isEmpty() ? null : ms(max(announced.values()) - start));
      long[] lag = announced.entrySet().stream().filter(e -> addressed.containsKey(e.getKey()))
          .mapToLong(e -> Math.max(0, ms(e.getValue() - addressed.get(e.getKey())))).toArray();
      burst.put("addressedToAnnouncedP50Ms", Percentiles.of(lag, 50));
      burst.put("addressedToAnnouncedMaxMs", Percentiles.of(lag, 100));
      load.put("announced", LabFailover.loadAverage());
      if (!done) {
        errors.add(String.format(Locale.ROOT, "after %d min only %,d of %,d Services had an address and %,d were announced",
            o.timeout().toMinutes(), addressed.size(), specs.size(), announced.size()));
      }
      System.out.printf(Locale.ROOT, "  every Service addressed after %s, announced after %s (%s after the last address); "
              + "per Service, address to announcement p50 %d ms, max %d ms; load average %s%n",
          seconds(burst.get("addressedMs")), seconds(burst.get("announcedMs")),
          addressed.isEmpty() || announced.isEmpty() ? "?" : seconds(ms(max(announced.values()) - max(addressed.values()))),
          Percentiles.of(lag, 50), Percentiles.of(lag, 100), load.get("announced"));
      announcedAt = end;
      Map<String, ProcSample> after = sample(pids);
      Thread.sleep(o.steadySeconds() * 1000L); // what holding them costs, and memory once the burst's garbage could go
      Map<String, ProcSample> steady = sample(pids);
      result.put("processes", processFigures(pids, idleStart, before, after, steady, announcedAt - start, specs.size()));
      if (!done) {
        return 1;
      }
      newServices(client);
      failover(client, progress, pids);
    }
    return 0;
  }

  /** Prints progress every 10 s until interrupted. */
  private static void report(long start, AtomicInteger created, ScaleProgress progress, int total) {
    try {
      while (true) {
        Thread.sleep(10_000);
        System.out.printf(Locale.ROOT, "  %4.0f s: created %,d, addressed %,d, announced %,d of %,d; load average %s%n",
            (System.nanoTime() - start) / 1e9, created.get(), progress.addressedCount(), progress.announcedCount(), total, LabFailover.loadAverage());
      }
    } catch (InterruptedException e) {
      // done
    }
  }

  private List<Map<String, Object>> processFigures(Map<String, Long> pids, Map<String, ProcSample> idleStart, Map<String, ProcSample> before,
      Map<String, ProcSample> after, Map<String, ProcSample> steady, long burstNanos, int services) {
    List<Map<String, Object>> out = new ArrayList<>();
    System.out.printf(Locale.ROOT, "%n%-22s %12s %14s %10s %12s %10s %10s  %s%n", "process", "burst CPU", "per Service", "idle CPU",
        "steady CPU", "RSS", "peak", "busiest threads in the burst (CPU ms)");
    for (String name : pids.keySet()) {
      ProcSample i = idleStart.get(name);
      ProcSample b = before.get(name);
      ProcSample a = after.get(name);
      ProcSample s = steady.get(name);
      if (i == null || b == null || a == null || s == null) {
        errors.add(name + " (pid " + pids.get(name) + ") ended during the burst");
        continue;
      }
      long cpu = a.cpuSince(b);
      double idle = 100.0 * b.cpuSince(i) / (o.idleSeconds() * 1000.0);
      double steadyRate = 100.0 * s.cpuSince(a) / (o.steadySeconds() * 1000.0);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("process", name.startsWith("speaker ") ? "speaker" : name);
      m.put("node", name.startsWith("speaker ") ? name.substring("speaker ".length()) : null);
      m.put("burstCpuMs", cpu);
      m.put("burstSeconds", burstNanos / 1e9);
      m.put("perServiceMs", (double) cpu / services);
      m.put("idleCpuPercent", idle);
      m.put("steadyCpuPercent", steadyRate);
      m.put("rssKiB", s.rssKiB());
      m.put("peakKiB", s.peakKiB());
      m.put("threads", a.busiestThreadsSince(b, 6));
      out.add(m);
      System.out.printf(Locale.ROOT, "%-22s %9.1f s %11.2f ms %9.1f%% %11.1f%% %6.0f MiB %6.0f MiB  %s%n", name, cpu / 1000.0,
          (double) cpu / services, idle, steadyRate, s.rssKiB() / 1024.0, s.peakKiB() / 1024.0, m.get("threads"));
    }
    return out;
  }

  // ---- a new Service among the others

  private void newServices(KubernetesClient client) throws InterruptedException {
    load.put("newService", LabFailover.loadAverage());
    System.out.printf(Locale.ROOT, "%nnew Service with %,d present: creation to EXTERNAL-IP and to the first answer from %s; load average %s%n",
        o.services(), LabLayout.CLIENT, load.get("newService"));
    LabLayout.Node endpoint = layout.node(ClusterSeeder.apps(layout).getFirst().node()).orElseThrow();
    List<Map<String, Object>> trials = new ArrayList<>();
    result.put("newService", trials);
    try (ClientLoop loop = ClientLoop.start(layout.client().namespace(), null, LabFailover.INTERVAL, LabFailover.REQUEST_TIMEOUT)) {
      for (int i = 1; i <= o.newServices(); i++) {
        String name = "scale-new-" + i;
        Instant created = LabFailover.createService(client, name, endpoint, svc -> { });
        String vip = null;
        Instant addressed = null;
        while (vip == null && Instant.now().isBefore(created.plusSeconds(30))) {
          vip = ScaleProgress.ips(client.services().inNamespace(ClusterSeeder.APP_NS).withName(name).get()).stream().findFirst().orElse(null);
          if (vip == null) {
            Thread.sleep(5); // polling the API: a watch would add its own delay
          } else {
            addressed = Instant.now();
          }
        }
        if (vip == null) {
          errors.add(name + ": no EXTERNAL-IP within 30 s");
          continue;
        }
        Optional<ClientLoop.Result> ok = Optional.empty();
        Optional<NeighbourWatch.Change> resolved;
        // When the client's neighbour entry gets the announcer's MAC is IronLB's part; the first answer
        // also waits for the lab's kube-proxy stand-in to load its rule for the new address.
        try (NeighbourWatch neigh = new NeighbourWatch(layout.client().namespace(), vip)) {
          loop.target("http://" + vip + "/");
          while (ok.isEmpty() && Instant.now().isBefore(addressed.plusSeconds(30))) {
            ok = loop.firstOkSince(addressed);
            Thread.sleep(10);
          }
          loop.target(null);
          resolved = neigh.changesSince(created).stream().findFirst();
        }
        if (ok.isEmpty()) {
          errors.add(name + " (" + vip + "): no successful request within 30 s of its address");
          continue;
        }
        long ipMs = Duration.between(created, addressed).toMillis();
        long okMs = Duration.between(created, ok.get().end()).toMillis();
        Map<String, Object> trial = new LinkedHashMap<>(Map.of("n", i, "ipMs", ipMs, "okMs", okMs));
        resolved.ifPresent(c -> trial.put("neighbourMs", Duration.between(created, c.at()).toMillis()));
        trials.add(trial);
        System.out.printf(Locale.ROOT, "  %-14s %-16s EXTERNAL-IP after %4d ms, the client's neighbour entry after %s, first answer after"
            + " %4d ms%n", name, vip, ipMs, resolved.map(c -> Duration.between(created, c.at()).toMillis() + " ms").orElse("(not seen)"), okMs);
      }
    }
  }

  // ---- mass failover

  private void failover(KubernetesClient client, ScaleProgress progress, Map<String, Long> pids) throws InterruptedException {
    Map<String, String> announcer = progress.announcerByAddress();
    Map<String, Integer> ipv4PerNode = new LinkedHashMap<>();
    announcer.forEach((ip, node) -> {
      if (!ip.contains(":")) {
        ipv4PerNode.merge(node, 1, Integer::sum);
      }
    });
    String victim = ipv4PerNode.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    if (victim == null) {
      errors.add("mass failover: no IPv4 address is announced");
      return;
    }
    LabLayout.Node dead = layout.node(victim).orElseThrow();
    LabLayout.Node survivor = layout.nodes().stream().filter(n -> !n.name().equals(victim)).findFirst().orElseThrow();
    Set<String> all = new HashSet<>();
    Set<String> v4 = new HashSet<>();
    announcer.forEach((ip, node) -> {
      if (node.equals(victim)) {
        all.add(ip);
        if (!ip.contains(":")) {
          v4.add(ip);
        }
      }
    });
    load.put("failover", LabFailover.loadAverage());
    System.out.printf(Locale.ROOT, "%nmass failover: kill -9 of the speaker on %s (%d IPv4 and %,d IPv6 addresses), %s takes over; "
        + "load average %s%n", victim, v4.size(), all.size() - v4.size(), survivor.name(), load.get("failover"));
    String clientNs = layout.client().namespace();
    NeighbourMoves.seed(clientNs, LabLayout.CLIENT_IF, v4, dead.lanMac());
    Thread.sleep(NEIGHBOUR_LOCKTIME.toMillis() + 1000); // entries younger than locktime keep their MAC whatever arrives
    Map<String, Object> f = new LinkedHashMap<>();
    result.put("failover", f);
    f.put("node", victim);
    f.put("survivor", survivor.name());
    f.put("ipv4", v4.size());
    f.put("addresses", all.size());
    String survivorProcess = "speaker " + survivor.name();
    try (NeighbourMoves moves = NeighbourMoves.watch(clientNs, v4, survivor.lanMac());
        GratuitousCapture capture = GratuitousCapture.start(clientNs, LabLayout.CLIENT_IF, survivor.lanMac(), all)) {
      Thread.sleep(1000); // tcpdump and the monitor are listening before the fault
      ProcSample cpuBefore = ProcSample.of(pids.get(survivorProcess)).orElse(null);
      LabProcess speaker = state.process("speaker " + victim).orElseThrow();
      Instant fault = Instant.now();
      speaker.kill();
      // Done when every IPv4 entry moved and the survivor has been quiet about the node's addresses for 3 s.
      awaitQuietly(FAILOVER_LIMIT, () -> moves.allMoved() && capture.first().size() == all.size()
          && capture.last().map(t -> t.isBefore(Instant.now().minusSeconds(3))).orElse(false));
      ProcSample cpuAfter = ProcSample.of(pids.get(survivorProcess)).orElse(null);
      long[] moved = moves.moved().values().stream().mapToLong(t -> Duration.between(fault, t).toMillis()).sorted().toArray();
      f.put("moved", moved.length);
      f.put("movedMs", moved);
      Map<String, Instant> first = capture.first();
      long[] first4 = first.entrySet().stream().filter(e -> !e.getKey().contains(":"))
          .mapToLong(e -> Duration.between(fault, e.getValue()).toMillis()).sorted().toArray();
      long[] first6 = first.entrySet().stream().filter(e -> e.getKey().contains(":"))
          .mapToLong(e -> Duration.between(fault, e.getValue()).toMillis()).sorted().toArray();
      f.put("firstFrameMs", Map.of("ipv4", first4, "ipv6", first6));
      List<GratuitousCapture.Frame> frames = capture.frames();
      double span = frames.size() < 2 ? 0 : Duration.between(frames.getFirst().at(), frames.getLast().at()).toNanos() / 1e9;
      Map<Long, Integer> perSecond = new LinkedHashMap<>();
      frames.forEach(x -> perSecond.merge(Duration.between(fault, x.at()).toSeconds(), 1, Integer::sum));
      f.put("frames", frames.size());
      f.put("framesSeconds", span);
      f.put("framesPerSecond", span == 0 ? 0 : frames.size() / span);
      f.put("peakFramesPerSecond", perSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0));
      if (cpuBefore != null && cpuAfter != null) {
        f.put("survivorCpuMs", cpuAfter.cpuSince(cpuBefore));
        f.put("survivorRssKiB", cpuAfter.rssKiB());
        f.put("survivorThreads", cpuAfter.busiestThreadsSince(cpuBefore, 6));
      }
      System.out.printf(Locale.ROOT, "  IPv4 neighbour entries moved to %s: %d of %d, p50 %d ms, max %d ms%n", survivor.name(), moved.length,
          v4.size(), Percentiles.of(moved, 50), Percentiles.of(moved, 100));
      System.out.printf(Locale.ROOT, "  first gratuitous frame per address: IPv4 %d of %d, p50 %d ms, max %d ms; IPv6 %,d of %,d, p50 %d ms, max %d ms%n",
          first4.length, v4.size(), Percentiles.of(first4, 50), Percentiles.of(first4, 100), first6.length, all.size() - v4.size(),
          Percentiles.of(first6, 50), Percentiles.of(first6, 100));
      System.out.printf(Locale.ROOT, "  %,d frames about them in %.1f s: %.0f/s on average, %d in the busiest second; survivor CPU %s ms%n",
          frames.size(), span, span == 0 ? 0 : frames.size() / span, f.get("peakFramesPerSecond"), f.get("survivorCpuMs"));
      if (moved.length < v4.size()) {
        errors.add(String.format(Locale.ROOT, "mass failover: %d of %d IPv4 neighbour entries never moved within %d s", v4.size() - moved.length,
            v4.size(), FAILOVER_LIMIT.toSeconds()));
      }
    }
  }

  // ---- helpers

  /** The lab's controller, speakers and API server, by the name the lab gives them, with their PIDs. */
  private Map<String, Long> processes() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (LabProcess p : state.processList()) {
      if (p.name().equals("controller") || p.name().startsWith("speaker ") || p.name().equals("apiserver")) {
        out.put(p.name(), p.pid());
      }
    }
    return out;
  }

  private static Map<String, ProcSample> sample(Map<String, Long> pids) {
    Map<String, ProcSample> out = new LinkedHashMap<>();
    pids.forEach((name, pid) -> ProcSample.of(pid).ifPresent(s -> out.put(name, s)));
    return out;
  }

  private static void await(String what, Duration limit, BooleanSupplier done) throws InterruptedException {
    if (!awaitQuietly(limit, done)) {
      throw new IllegalStateException("gave up waiting for " + what + " after " + limit.toSeconds() + " s");
    }
  }

  private static boolean awaitQuietly(Duration limit, BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(20); // polling what other threads record
    }
    return true;
  }

  private static long max(Iterable<Long> values) {
    long m = Long.MIN_VALUE;
    for (long v : values) {
      m = Math.max(m, v);
    }
    return m;
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  private static String seconds(Object ms) {
    return ms instanceof Number n ? String.format(Locale.ROOT, "%.1f s", n.longValue() / 1000.0) : "?";
  }

  private String ironlb(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(o.ironlb().toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }
}
