package io.ironlb.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ironlb.l2.linux.NetNamespace;
import io.ironlb.lab.ClusterSeeder;
import io.ironlb.lab.Json;
import io.ironlb.lab.Kube;
import io.ironlb.lab.LabLayout;
import io.ironlb.lab.LabState;
import io.ironlb.lab.MemoryCgroup;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;

/**
 * Footprint of the processes the lab runs (through {@code bench/footprint/run}), set against
 * MetalLB's example limits ({@code cpu: 100m, memory: 100Mi}). Per lab ({@code --labs N}):
 *
 * <ol>
 *   <li>{@code ironlb lab up}; for the controller and each speaker, the time from its start (the
 *       kernel's, {@code /proc/PID/stat}) to its ready log line, then its memory after
 *       {@code --settle} seconds idle ({@code VmRSS}, split into anonymous and file-backed pages;
 *       {@code VmHWM}, the peak so far);
 *   <li>idle CPU over {@code --cpu-seconds}: each thread's utime+stime and context switches from
 *       {@code /proc/PID/task}, grouped by what the thread is for (membership, data plane, speaker,
 *       Kubernetes client, metrics, JVM);
 *   <li>each speaker restarted {@code --restarts} times ({@code lab kill}, then {@code lab restore},
 *       as a pod restart): ready is when its readiness probe ({@code /-/ready} on its metrics port,
 *       asked from inside its node's namespace as the kubelet would) first answers 200; its log's
 *       {@code speakerReady} line splits start-up into steps ({@code startupMs});
 *   <li>{@code --services N} LoadBalancer Services, each with a ready endpoint (an EndpointSlice),
 *       from a pool of their own in the LAN's IPv6 range: the time until every one is announced
 *       (a ServiceL2Status each), then memory again after {@code --settle} seconds.
 * </ol>
 *
 * With {@code --nmt-labs K}, K more labs run every JVM with {@code -XX:NativeMemoryTracking=summary}
 * (through {@code JDK_JAVA_OPTIONS}) and their samples carry a breakdown (heap committed and used,
 * metaspace, class space, CDS, code cache, thread stacks, GC, symbols, other native, what NMT does not
 * track); their RSS (NMT's own bookkeeping included) is kept out of the headline figures. With
 * {@code --baseline FILE} an earlier result is carried along under {@code "baseline"}, for a
 * before/after table. Prints tables; with {@code --json FILE} writes:
 *
 * <pre>
 * {"bench": "footprint", "labs": 3, "nmtLabs": 1, "nodes": 2, "restartsPerNode": 1, "settleSeconds": 10,
 *  "cpuSeconds": 60, "services": 1000, "limitMiB": 100, "loadAverage": {"start": "..", "end": ".."},
 *  "jvmFlags": {"controller": "-XX:+UseSerialGC ...", "speaker": "..."},
 *  "samples": [{"lab": 1, "process": "controller" | "speaker", "node": null | "spark-2959",
 *               "kind": "labUp" | "restart" | "services", "nmt": false, "pid": 123, "readyMs": 900, "readyLogMs": 880,
 *               "rssIdleKiB": 91540, "rssPeakKiB": 95600, "rssAnonKiB": 60000, "rssFileKiB": 31540, "threads": 31,
 *               "startupMs": {"jvm": 120, ...}, "breakdownKiB": {"heapCommitted": 16384, ...}}],
 *  "cpu": [{"lab": 1, "process": "speaker", "node": "spark-2959", "seconds": 60, "percent": 0.4, "loadAverage": "..",
 *           "groups": {"membership": {"percent": 0.3, "wakeupsPerSecond": 40.1}, ...},
 *           "threads": [{"name": "Timer runner-2,", "group": "membership", "ms": 120, "wakeupsPerSecond": 20.0}]}],
 *  "servicesRuns": [{"lab": 1, "services": 1000, "announced": 1000, "announcedMs": 95000}],
 *  "baseline": {...an earlier result, without its own baseline...},
 *  "errors": ["..."]}
 * </pre>
 *
 * Not a test: a process that never gets ready is reported in {@code errors}; the exit status is 1
 * only when no sample at all was taken.
 */
public final class FootprintBench {

  /** MetalLB's chart offers this as the example memory limit of its speaker and controller. */
  static final int METALLB_LIMIT_MIB = 100;

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration ANNOUNCE_TIMEOUT = Duration.ofMinutes(15);
  private static final int SPEAKER_METRICS_PORT = 7473;
  private static final String NMT_OPTIONS = "-XX:NativeMemoryTracking=summary";

  private final Path ironlb;
  private final Path stateDir;
  private final String prefix;
  private final int nodes;
  private final Duration settle;
  private final int cpuSeconds;
  private final int services;
  /** {@code --speaker-memory-limit}: the lab runs each speaker in a memory cgroup of this limit ("" for none). */
  private final String memoryLimit;
  /** {@code --speaker-flag}: flags for every speaker of the labs (none: the defaults). */
  private final List<String> speakerFlags;
  private final long bootEpochMillis;
  private final long ticksPerSecond;
  private final List<Map<String, Object>> samples = new ArrayList<>();
  private final List<Map<String, Object>> cpu = new ArrayList<>();
  private final List<Map<String, Object>> servicesRuns = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private final Map<String, String> jvmFlags = new LinkedHashMap<>();

  private FootprintBench(Path ironlb, Path stateDir, String prefix, int nodes, Duration settle, int cpuSeconds, int services,
      String memoryLimit, List<String> speakerFlags)
      throws Exception {
    this.ironlb = ironlb;
    this.stateDir = stateDir;
    this.prefix = prefix;
    this.nodes = nodes;
    this.settle = settle;
    this.cpuSeconds = cpuSeconds;
    this.services = services;
    this.memoryLimit = memoryLimit;
    this.speakerFlags = List.copyOf(speakerFlags);
    this.bootEpochMillis = bootTime() * 1000;
    this.ticksPerSecond = Long.parseLong(run(List.of("getconf", "CLK_TCK"), Map.of()).strip());
  }

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(List.of(args));
    Path json = BenchJson.takeOption(rest, "--json");
    Path baseline = BenchJson.takeOption(rest, "--baseline");
    Path state = Path.of(BenchArgs.required(rest, "--state-dir"));
    String prefix = BenchArgs.option(rest, "--prefix", "ifp-");
    int labs = Integer.parseInt(BenchArgs.option(rest, "--labs", "3"));
    int nmtLabs = Integer.parseInt(BenchArgs.option(rest, "--nmt-labs", "1"));
    int restarts = Integer.parseInt(BenchArgs.option(rest, "--restarts", "1"));
    int nodes = Integer.parseInt(BenchArgs.option(rest, "--nodes", "2"));
    int settleSeconds = Integer.parseInt(BenchArgs.option(rest, "--settle", "10"));
    int cpuSeconds = Integer.parseInt(BenchArgs.option(rest, "--cpu-seconds", "60"));
    int services = Integer.parseInt(BenchArgs.option(rest, "--services", "1000"));
    Path ironlb = Path.of(BenchArgs.option(rest, "--ironlb", "./ironlb"));
    String memoryLimit = BenchArgs.option(rest, "--speaker-memory-limit", "");
    List<String> speakerFlags = BenchArgs.options(rest, "--speaker-flag");
    if (!rest.isEmpty()) {
      throw new IllegalArgumentException("unknown arguments " + rest + "; use --state-dir DIR [--prefix P] [--labs N] [--nmt-labs N]"
          + " [--restarts N] [--nodes N] [--settle S] [--cpu-seconds S] [--services N] [--speaker-memory-limit QUANTITY]"
          + " [--speaker-flag FLAG]... [--baseline FILE] [--json FILE]");
    }
    String loadStart = LabFailover.loadAverage();
    // Before any lab: what this machine charges for waking up at all, the floor of the speaker's idle CPU.
    WakeFloor.Floor floor = WakeFloor.measure(Duration.ofSeconds(5));
    FootprintBench b = new FootprintBench(ironlb, state, prefix, nodes, Duration.ofSeconds(settleSeconds), cpuSeconds, services,
        memoryLimit, speakerFlags);
    System.out.printf(Locale.ROOT, "bench/footprint: %d labs (+%d with NMT) of %d nodes, %d restart(s) per speaker, %d s settling, "
        + "%d s idle CPU, %d Services; load average %s%n", labs, nmtLabs, nodes, restarts, settleSeconds, cpuSeconds, services, loadStart);
    for (int lab = 1; lab <= labs + nmtLabs; lab++) {
      boolean nmt = lab > labs;
      try {
        b.lab(lab, nmt, nmt ? 0 : restarts);
      } catch (Exception e) {
        b.errors.add("lab " + lab + ": " + e.getMessage());
        System.out.println("  lab " + lab + " failed: " + e.getMessage());
      } finally {
        b.ironlb(Map.of(), "lab", "down", "--state-dir", state.toString());
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("bench", "footprint");
    doc.put("labs", labs);
    doc.put("nmtLabs", nmtLabs);
    doc.put("nodes", nodes);
    doc.put("restartsPerNode", restarts);
    doc.put("settleSeconds", settleSeconds);
    doc.put("cpuSeconds", cpuSeconds);
    doc.put("services", services);
    doc.put("limitMiB", METALLB_LIMIT_MIB);
    if (!memoryLimit.isEmpty()) {
      doc.put("speakerMemoryLimit", memoryLimit);
    }
    if (!speakerFlags.isEmpty()) {
      doc.put("speakerFlags", speakerFlags);
    }
    doc.put("loadAverage", Map.of("start", loadStart, "end", LabFailover.loadAverage()));
    doc.put("jvmFlags", b.jvmFlags);
    doc.put("samples", b.samples);
    doc.put("cpu", b.cpu);
    doc.put("servicesRuns", b.servicesRuns);
    doc.put("wakeFloor", floor.json());
    if (baseline != null) {
      Map<String, Object> before = new LinkedHashMap<>(BenchResults.map(BenchJson.read(baseline)));
      before.remove("baseline");
      doc.put("baseline", before);
    }
    doc.put("errors", b.errors);
    b.print();
    if (json != null) {
      BenchJson.write(json, doc);
    }
    System.exit(b.samples.isEmpty() ? 1 : 0);
  }

  private void lab(int lab, boolean nmt, int restarts) throws Exception {
    Map<String, String> env = nmt ? Map.of("JDK_JAVA_OPTIONS", NMT_OPTIONS) : Map.of();
    long t0 = System.nanoTime();
    List<String> upArgs = new ArrayList<>(List.of("lab", "up", "--state-dir", stateDir.toString(), "--prefix", prefix, "--nodes",
        String.valueOf(nodes)));
    if (!memoryLimit.isEmpty()) {
      upArgs.add("--speaker-memory-limit=" + memoryLimit);
    }
    speakerFlags.forEach(f -> upArgs.add("--speaker-flag=" + f));
    String up = ironlb(env, upArgs.toArray(String[]::new));
    if (!Files.exists(stateDir.resolve("state")) || !up.contains("lab up took")) {
      List<String> lines = up.strip().lines().toList();
      System.out.println("  lab up failed; its last lines:");
      lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> System.out.println("    " + l));
      throw new IllegalStateException("lab up failed (its output is in this step's log)");
    }
    System.out.printf(Locale.ROOT, "  lab %d%s up in %.1f s; load average %s%n", lab, nmt ? " (NMT)" : "", (System.nanoTime() - t0) / 1e9,
        LabFailover.loadAverage());
    List<LabProc> started = new ArrayList<>();
    for (LabProc p : processes().values()) {
      if (p.name().equals("controller") || p.name().startsWith("speaker ")) {
        started.add(p);
      }
    }
    if (started.stream().noneMatch(p -> p.name().equals("controller"))) {
      throw new IllegalStateException("the lab runs no controller (state " + stateDir.resolve("state") + ")");
    }
    Map<LabProc, Long> ready = awaitReady(lab, started);
    Thread.sleep(settle.toMillis()); // idle memory is what a process holds once nothing happens
    for (var e : ready.entrySet()) {
      memorySample(lab, "labUp", nmt, e.getKey(), e.getValue(), null, Map.of());
    }
    if (!nmt && cpuSeconds > 0) {
      idleCpu(lab, List.copyOf(ready.keySet()));
    }
    for (int r = 0; r < restarts; r++) {
      for (LabProc old : started.stream().filter(p -> p.name().startsWith("speaker ")).toList()) {
        restart(lab, old);
      }
    }
    if (services > 0) {
      withServices(lab, nmt);
    }
  }

  private void restart(int lab, LabProc old) throws Exception {
    String node = old.name().substring("speaker ".length());
    ironlb(Map.of(), "lab", "kill", node, "--state-dir", stateDir.toString());
    ironlb(Map.of(), "lab", "restore", node, "--state-dir", stateDir.toString());
    LabProc fresh = processes().get(old.name());
    if (fresh == null || fresh.pid() == old.pid()) {
      errors.add("lab " + lab + ": " + old.name() + " was not restarted");
      return;
    }
    long startMs = startEpochMillis(fresh.pid());
    Optional<Long> probeReady = awaitProbe(fresh, startMs);
    Optional<Instant> logReady = awaitLogReady(fresh, Instant.ofEpochMilli(startMs));
    if (probeReady.isEmpty() || logReady.isEmpty()) {
      errors.add("lab " + lab + ": restarted " + fresh.name() + " (pid " + fresh.pid() + ") was not ready within " + READY_TIMEOUT.toSeconds()
          + " s");
      return;
    }
    Map<String, Object> steps = startupSteps(fresh, Instant.ofEpochMilli(startMs));
    Thread.sleep(settle.toMillis());
    memorySample(lab, "restart", false, fresh, probeReady.get(), logReady.get().toEpochMilli() - startMs, steps);
  }

  /** Each process's ready time: its readiness probe for a speaker, its ready log line for the controller. */
  private Map<LabProc, Long> awaitReady(int lab, List<LabProc> procs) throws Exception {
    Map<LabProc, Long> ready = new LinkedHashMap<>();
    for (LabProc p : procs) {
      jvmFlags.putIfAbsent(p.component(), p.jvmFlags());
      long startMs = startEpochMillis(p.pid());
      Optional<Instant> at = awaitLogReady(p, Instant.ofEpochMilli(startMs));
      if (at.isEmpty()) {
        errors.add("lab " + lab + ": " + p.name() + " (pid " + p.pid() + ") logged no " + p.readyEvent() + " within "
            + READY_TIMEOUT.toSeconds() + " s");
        continue;
      }
      Optional<Long> probe = p.component().equals("speaker") ? awaitProbe(p, startMs) : Optional.of(at.get().toEpochMilli() - startMs);
      ready.put(p, probe.orElse(-1L));
    }
    return ready;
  }

  private void memorySample(int lab, String kind, boolean nmt, LabProc p, long readyMs, Long readyLogMs, Map<String, Object> startup) {
    Map<String, Long> status = ProcFacts.status(p.pid());
    if (status.isEmpty()) {
      errors.add("lab " + lab + ": " + p.name() + " (pid " + p.pid() + ") ended while idling");
      return;
    }
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("lab", lab);
    s.put("process", p.component());
    s.put("node", p.node());
    s.put("kind", kind);
    s.put("nmt", nmt);
    s.put("pid", p.pid());
    s.put("readyMs", readyMs);
    if (readyLogMs != null) {
      s.put("readyLogMs", readyLogMs);
    }
    s.put("rssIdleKiB", status.get("VmRSS"));
    s.put("rssPeakKiB", status.get("VmHWM"));
    s.put("rssAnonKiB", status.getOrDefault("RssAnon", 0L));
    s.put("rssFileKiB", status.getOrDefault("RssFile", 0L));
    s.put("threads", status.getOrDefault("Threads", 0L));
    if (!startup.isEmpty()) {
      s.put("startupMs", startup);
    }
    Map<String, Long> breakdown = nmt ? ProcFacts.breakdown(p.pid(), status.get("VmRSS")) : Map.of();
    if (!breakdown.isEmpty()) {
      s.put("breakdownKiB", breakdown);
    }
    Optional<MemoryCgroup> cgroup = p.node() == null ? Optional.empty() : MemoryCgroup.ofSpeaker(LabState.load(stateDir), p.node());
    cgroup.ifPresent(g -> s.put("cgroupKiB", Map.of("peak", g.peakBytes() / 1024, "anon", g.anonBytes() / 1024, "file", g.fileBytes() / 1024,
        "oomKills", g.oomKills())));
    samples.add(s);
    System.out.printf(Locale.ROOT, "    %-20s %-8s %s ready %5d ms  RSS %6s MiB (anon %6s, file %5s)  peak %6s MiB  %3d threads%s%n", p.name(),
        kind, nmt ? "NMT" : "   ", readyMs, ProcFacts.mib(status.get("VmRSS")), ProcFacts.mib(status.getOrDefault("RssAnon", 0L)),
        ProcFacts.mib(status.getOrDefault("RssFile", 0L)), ProcFacts.mib(status.get("VmHWM")), status.getOrDefault("Threads", 0L),
        startup.isEmpty() ? "" : "  steps " + startup);
    cgroup.ifPresent(g -> System.out.printf(Locale.ROOT, "      cgroup (limit %s): charged peak %s MiB, now anon %s MiB + page cache %s MiB; OOM kills %d%n",
        memoryLimit, ProcFacts.mib(g.peakBytes() / 1024), ProcFacts.mib(g.anonBytes() / 1024), ProcFacts.mib(g.fileBytes() / 1024),
        g.oomKills()));
    if (!breakdown.isEmpty()) {
      StringBuilder sb = new StringBuilder("      breakdown MiB:");
      breakdown.forEach((k, v) -> sb.append(' ').append(k).append(' ').append(ProcFacts.mib(v)));
      System.out.println(sb);
    }
  }

  /** Every process's CPU over the same window, per thread group. */
  private void idleCpu(int lab, List<LabProc> procs) throws InterruptedException {
    Map<LabProc, List<ProcFacts.ThreadTime>> before = new LinkedHashMap<>();
    for (LabProc p : procs) {
      before.put(p, ProcFacts.threads(p.pid()));
    }
    String loadBefore = LabFailover.loadAverage();
    long t0 = System.nanoTime();
    Thread.sleep(Duration.ofSeconds(cpuSeconds).toMillis()); // the window over which the processes' own clocks are read
    double seconds = (System.nanoTime() - t0) / 1e9;
    String load = loadBefore + " -> " + LabFailover.loadAverage();
    for (LabProc p : procs) {
      List<ProcFacts.ThreadTime> after = ProcFacts.threads(p.pid());
      if (after.isEmpty()) {
        errors.add("lab " + lab + ": " + p.name() + " ended during the idle CPU window");
        continue;
      }
      Map<Long, ProcFacts.ThreadTime> earlier = new LinkedHashMap<>();
      before.get(p).forEach(t -> earlier.put(t.tid(), t));
      Map<String, long[]> groups = new TreeMap<>();
      List<Map<String, Object>> threads = new ArrayList<>();
      long totalTicks = 0;
      for (ProcFacts.ThreadTime t : after) {
        ProcFacts.ThreadTime b = earlier.getOrDefault(t.tid(), new ProcFacts.ThreadTime(t.tid(), t.name(), 0, 0));
        long ticks = t.ticks() - b.ticks();
        long switches = t.switches() - b.switches();
        totalTicks += ticks;
        long[] g = groups.computeIfAbsent(ProcFacts.group(t.name()), k -> new long[2]);
        g[0] += ticks;
        g[1] += switches;
        Map<String, Object> th = new LinkedHashMap<>();
        th.put("name", t.name());
        th.put("group", ProcFacts.group(t.name()));
        th.put("ms", ticks * 1000 / ticksPerSecond);
        th.put("wakeupsPerSecond", round(switches / seconds));
        threads.add(th);
      }
      threads.sort(Comparator.comparingLong((Map<String, Object> m) -> -((Number) m.get("ms")).longValue())
          .thenComparingDouble(m -> -((Number) m.get("wakeupsPerSecond")).doubleValue()));
      Map<String, Object> byGroup = new LinkedHashMap<>();
      groups.forEach((name, g) -> byGroup.put(name, Map.of("percent", round(100.0 * g[0] / ticksPerSecond / seconds),
          "wakeupsPerSecond", round(g[1] / seconds))));
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("lab", lab);
      c.put("process", p.component());
      c.put("node", p.node());
      c.put("seconds", Math.round(seconds));
      c.put("percent", round(100.0 * totalTicks / ticksPerSecond / seconds));
      c.put("loadAverage", load);
      c.put("groups", byGroup);
      c.put("threads", threads.subList(0, Math.min(12, threads.size())));
      cpu.add(c);
      System.out.printf(Locale.ROOT, "    %-20s idle CPU %.2f%% of a core over %.0f s (load %s): %s%n", p.name(), c.get("percent"), seconds, load,
          byGroup);
    }
  }

  // ---- 1,000 Services

  private void withServices(int lab, boolean nmt) throws Exception {
    LabState state = LabState.load(stateDir);
    LabLayout layout = state.layout();
    int port = state.apiPort().orElseThrow(() -> new IllegalStateException("the lab's API server has no port"));
    ClusterSeeder.App app = ClusterSeeder.apps(layout).getFirst();
    LabLayout.Node endpointNode = layout.node(app.node()).orElseThrow();
    long t0 = System.nanoTime();
    int announced;
    try (KubernetesClient client = Kube.client(Kube.url(port))) {
      String first = layout.lan6().host(0x1_0000);
      String last = layout.lan6().host(0x1_0000 + services - 1);
      client.resource(pool("IPAddressPool", "bench-pool", Json.obj("addresses", List.of(first + "-" + last), "autoAssign", false)))
          .createOr(r -> r.update());
      client.resource(pool("L2Advertisement", "bench-advertisement", Json.obj("ipAddressPools", List.of("bench-pool"))))
          .createOr(r -> r.update());
      for (int i = 0; i < services; i++) {
        String name = String.format(Locale.ROOT, "bench-%04d", i);
        retrying(() -> client.resource(new ServiceBuilder().withNewMetadata().withName(name).withNamespace(ClusterSeeder.APP_NS)
            .addToAnnotations("metallb.io/address-pool", "bench-pool").endMetadata()
            .withNewSpec().withType("LoadBalancer").withExternalTrafficPolicy("Cluster").withAllocateLoadBalancerNodePorts(false)
            .withIpFamilyPolicy("SingleStack").withIpFamilies(List.of("IPv6"))
            .addNewPort().withName("http").withProtocol("TCP").withPort(80).withTargetPort(new IntOrString(8080)).endPort()
            .endSpec().build()).createOr(r -> r.update())); // createOr: a create retried after a timeout must not fail
        retrying(() -> client.resource(new EndpointSliceBuilder().withNewMetadata().withName(name + "-ipv6").withNamespace(ClusterSeeder.APP_NS)
            .addToLabels("kubernetes.io/service-name", name).endMetadata()
            .withAddressType("IPv6")
            .addNewEndpoint().withAddresses(endpointNode.internal6()).withNodeName(endpointNode.name())
            .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions().endEndpoint()
            .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort().build()).createOr(r -> r.update()));
      }
      System.out.printf(Locale.ROOT, "  lab %d: %d Services with endpoints created in %.1f s; waiting until every one is announced%n", lab,
          services, (System.nanoTime() - t0) / 1e9);
      announced = awaitAnnounced(client);
    }
    long announcedMs = (System.nanoTime() - t0) / 1_000_000;
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("lab", lab);
    run.put("nmt", nmt);
    run.put("services", services);
    run.put("announced", announced);
    run.put("announcedMs", announcedMs);
    servicesRuns.add(run);
    System.out.printf(Locale.ROOT, "  lab %d: %d of %d announced after %.1f s; load average %s%n", lab, announced, services, announcedMs / 1e3,
        LabFailover.loadAverage());
    if (announced < services) {
      errors.add("lab " + lab + ": only " + announced + " of " + services + " Services announced within " + ANNOUNCE_TIMEOUT.toMinutes() + " min");
    }
    Thread.sleep(settle.toMillis());
    for (LabProc p : processes().values()) {
      if (p.name().equals("controller") || p.name().startsWith("speaker ")) {
        memorySample(lab, "services", nmt, p, -1, null, Map.of());
      }
    }
  }

  /** A write to the lab's API server, tried up to three times: on a saturated machine a request may time out. */
  private static void retrying(Runnable write) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        write.run();
        return;
      } catch (KubernetesClientException e) {
        if (attempt == 3) {
          throw e;
        }
        Thread.sleep(1_000); // back off before asking a busy API server again
      }
    }
  }

  private static GenericKubernetesResource pool(String kind, String name, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder().withApiVersion("metallb.io/v1beta1").withKind(kind)
        .withNewMetadata().withName(name).withNamespace(ClusterSeeder.METALLB_NS).endMetadata()
        .addToAdditionalProperties("spec", spec).build();
  }

  /** How many bench Services have a ServiceL2Status (an announcing node), once all do or the time is up. */
  private int awaitAnnounced(KubernetesClient client) throws InterruptedException {
    long deadline = System.nanoTime() + ANNOUNCE_TIMEOUT.toNanos();
    int announced = 0;
    while (System.nanoTime() < deadline) {
      try {
        announced = (int) client.genericKubernetesResources("metallb.io/v1beta1", "ServiceL2Status").inNamespace(ClusterSeeder.METALLB_NS)
            .list().getItems().stream()
            .map(r -> Json.str(r.getAdditionalProperties().get("status"), "serviceName"))
            .filter(n -> n != null && n.startsWith("bench-"))
            .distinct().count();
      } catch (KubernetesClientException e) {
        // a list that timed out on a busy machine: ask again
      }
      if (announced >= services) {
        return announced;
      }
      Thread.sleep(1_000); // polling the API server's list: a count, not an event
    }
    return announced;
  }

  // ---- readiness

  /** Milliseconds from the process's start until its readiness probe first answers 200. */
  private Optional<Long> awaitProbe(LabProc p, long startMs) throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (ready(p.namespace())) {
        return Optional.of(System.currentTimeMillis() - startMs);
      }
      if (ProcFacts.status(p.pid()).isEmpty()) {
        return Optional.empty();
      }
      Thread.sleep(10); // the kubelet polls too; 10 ms is the resolution of the figure
    }
    return Optional.empty();
  }

  /** One readiness probe from inside the node's namespace, where the speaker's metrics port listens. */
  private static boolean ready(String namespace) {
    try {
      return NetNamespace.call(namespace, () -> {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", SPEAKER_METRICS_PORT), 500);
          s.setSoTimeout(1_000);
          OutputStream out = s.getOutputStream();
          out.write("GET /-/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          InputStream in = s.getInputStream();
          String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
          return status.startsWith("HTTP/1.") && status.endsWith("200");
        } catch (IOException e) {
          return false;
        }
      });
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private Optional<Instant> awaitLogReady(LabProc p, Instant start) throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Map<?, ?>> line = readyLine(p, start);
      if (line.isPresent()) {
        return Optional.of(OffsetDateTime.parse((String) line.get().get("ts")).toInstant());
      }
      if (ProcFacts.status(p.pid()).isEmpty()) {
        return Optional.empty();
      }
      Thread.sleep(200); // polling a log file
    }
    return Optional.empty();
  }

  /** The start-up steps the ready line carries ({@code startupMs}), if it does. */
  private Map<String, Object> startupSteps(LabProc p, Instant start) throws IOException {
    Optional<Map<?, ?>> line = readyLine(p, start);
    Map<String, Object> out = new LinkedHashMap<>();
    line.map(m -> m.get("startupMs")).filter(Map.class::isInstance).map(Map.class::cast)
        .ifPresent(m -> m.forEach((k, v) -> out.put(String.valueOf(k), v)));
    return out;
  }

  private Optional<Map<?, ?>> readyLine(LabProc p, Instant start) throws IOException {
    if (!Files.exists(p.log())) {
      return Optional.empty();
    }
    for (String line : Files.readAllLines(p.log(), StandardCharsets.UTF_8)) {
      Optional<Map<?, ?>> m = readyEvent(line, p.readyEvent(), start);
      if (m.isPresent()) {
        return m;
      }
    }
    return Optional.empty();
  }

  /** {@code event}'s JSON log line, if the line is that event and not older than {@code start}. */
  static Optional<Map<?, ?>> readyEvent(String line, String event, Instant start) {
    if (!line.startsWith("{") || !line.contains(event)) {
      return Optional.empty();
    }
    try {
      Map<?, ?> m = JSON.readValue(line, Map.class);
      if (!event.equals(m.get("event")) || !(m.get("ts") instanceof String ts)) {
        return Optional.empty();
      }
      // The kernel's start time has clock-tick resolution (10 ms), so it is never after the real start.
      return OffsetDateTime.parse(ts).toInstant().isBefore(start) ? Optional.empty() : Optional.of(m);
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

  record LabProc(String name, String namespace, long pid, Path log, List<String> argv) {
    String component() {
      return name.equals("controller") ? "controller" : "speaker";
    }

    String node() {
      return name.startsWith("speaker ") ? name.substring("speaker ".length()) : null;
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
        out.put(f[1], new LabProc(f[1], f[2].equals("-") ? null : f[2], Long.parseLong(f[3]), Path.of(f[5]), List.of(f).subList(6, f.length)));
      }
    }
    return out;
  }

  private String ironlb(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ironlb.toString());
    cmd.addAll(List.of(args));
    return run(cmd, env);
  }

  private static String run(List<String> cmd, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  private void print() {
    System.out.printf(Locale.ROOT, "%nMemory (MiB; MetalLB's example limit: %d MiB; NMT labs left out)%n", METALLB_LIMIT_MIB);
    System.out.printf(Locale.ROOT, "%-11s %-9s %7s %16s %20s %20s %14s%n", "process", "state", "samples", "ready p50/max ms",
        "RSS idle p50/max", "RSS peak p50/max", "vs 100 MiB");
    for (String process : List.of("controller", "speaker")) {
      for (String kind : List.of("labUp", "restart", "services")) {
        List<Map<String, Object>> s = samples.stream().filter(x -> x.get("process").equals(process) && x.get("kind").equals(kind)
            && !Boolean.TRUE.equals(x.get("nmt"))).toList();
        if (s.isEmpty()) {
          continue;
        }
        long[] ready = s.stream().mapToLong(x -> ((Number) x.get("readyMs")).longValue()).filter(v -> v >= 0).toArray();
        long[] idle = s.stream().mapToLong(x -> ((Number) x.get("rssIdleKiB")).longValue()).toArray();
        long[] peak = s.stream().mapToLong(x -> ((Number) x.get("rssPeakKiB")).longValue()).toArray();
        long worst = Percentiles.of(idle, 100);
        System.out.printf(Locale.ROOT, "%-11s %-9s %7d %16s %20s %20s %14s%n", process, kind, s.size(),
            ready.length == 0 ? "-" : Percentiles.of(ready, 50) + " / " + Percentiles.of(ready, 100), mib(idle), mib(peak),
            worst <= METALLB_LIMIT_MIB * 1024L ? "within" : "over by " + ProcFacts.mib(worst - METALLB_LIMIT_MIB * 1024L));
      }
    }
    for (Map<String, Object> c : cpu) {
      System.out.printf(Locale.ROOT, "idle CPU %-10s %-11s %.2f%% of a core (load %s)%n", c.get("process"), c.get("node") == null ? "" : c.get("node"),
          c.get("percent"), c.get("loadAverage"));
    }
    errors.forEach(e -> System.out.println("error: " + e));
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static String mib(long[] kib) {
    return String.format(Locale.ROOT, "%.0f / %.0f", Percentiles.of(kib, 50) / 1024.0, Percentiles.of(kib, 100) / 1024.0);
  }
}
