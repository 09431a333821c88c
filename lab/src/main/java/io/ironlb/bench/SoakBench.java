package io.ironlb.bench;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.lab.ClusterSeeder;
import io.ironlb.lab.Kube;
import io.ironlb.lab.Lab;
import io.ironlb.lab.LabLayout;
import io.ironlb.lab.LabState;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Commands;
import io.ironlb.netns.LabProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The proof that fast failure detection is safe ({@code bench/soak/run}): a lab of its own is left
 * alone, but stressed, for a while, and nothing may move. Per lab size ({@code --nodes 2,4}):
 *
 * <ol>
 *   <li><b>idle</b> ({@code --idle S} seconds): each speaker's CPU use and the membership heartbeat
 *       frames each node sends per second (counted on the switch), the cost of the timings;
 *   <li><b>lossy</b> (first lab size only, {@code --minutes M}): every frame each LAN host sends
 *       waits {@code --delay-ms D} ± {@code --jitter-ms J} (a {@link LanJitter}; 20 ± 20 unless told)
 *       and {@code --loss P} percent of them are dropped at the switch (nftables {@code numgen
 *       random}; this kernel has no netem, see {@link #LOSS_NOTE});
 *   <li><b>cpu</b> ({@code --minutes M}): a busy thread per CPU in this process and an
 *       {@link AllocationPressure} agent in every speaker ({@code --alloc-mb} MB/s, the last
 *       {@code --retain-mb} MB kept), with the speakers' GC pauses logged ({@code jcmd VM.log}).
 * </ol>
 *
 * {@code --stress none} measures the idle cost only (the scaling benchmark's larger labs).
 *
 * <p>During each stressed phase a client in {@code mac} sends a GET to every Service address every 10
 * ms (1 s timeout each). Counted from the phase's start to its end: membership view changes (every
 * speaker's log), addresses announced or withdrawn (every speaker's log), the client's neighbour
 * entry changing MAC, failed requests, the longest wait between two answers, suspicions the
 * heartbeats raised and how many were withdrawn (a live member heard again: near misses), and each
 * speaker's GC pauses, and the machine's own stalls ({@link StallProbe}). Wanted: no view change, no address move, no failed request under CPU load;
 * under loss no view change or move, and the failed requests are the loss's own (a dropped SYN
 * waits 1 s for its retransmission, longer than the client's timeout).
 *
 * <pre>
 * {"bench": "soak", "cpus": 2, "minutes": 10, "lossPercent": 30, "allocation": {"mbPerSecond": 64, "retainMb": 8},
 *  "lossNote": "...",
 *  "idle": [{"nodes": 2, "seconds": 60, "loadAverage": "..", "speakerCpuPercent": {"spark-2959": 0.9},
 *            "heartbeatFramesPerSecond": {"spark-2959": 100.2}}],
 *  "runs": [{"nodes": 2, "stress": "cpu" | "lossy", "seconds": 600, "loadStart": "..", "loadEnd": "..",
 *            "requests": 120000, "failedRequests": 0, "failures": ["<start> <address>: <why>", ...up to 5 per address],
 *            "longestGapMs": 41, "viewChanges": 0, "addressMoves": 0,
 *            "neighbourChanges": 0 (the client's entry came to name another MAC), "suspicions": 0, "withdrawnSuspicions": 0,
 *            "gcPauses": {"count": 120, "maxMs": 12.3, "over50Ms": 0},
 *            "machineStalls": {"wakeUps": 59000, "over50Ms": 0, "over150Ms": 0, "maxMs": 3.2, "realTime": true}, "speakerCpuPercent": {"spark-2959": 12.5},
 *            "kernelDrops": {"ironlb-spark-ba63": {"TcpExt.ListenOverflows": 1}, "-": {"softnet.backlogDropped": 2}}}],
 *  "errors": []}
 * </pre>
 */
public final class SoakBench {

  static final String LOSS_NOTE = "this kernel has no netem (CONFIG_NET_SCH_NETEM is not set and it loads no modules:"
      + " `tc qdisc add ... netem` fails with \"Specified qdisc kind is unknown\"), so the loss is made with nftables"
      + " (`numgen random mod 100 < P drop` on each LAN port of the switch: every frame a LAN host sends, ARP included, is"
      + " dropped with probability P)";
  static final String JITTER_NOTE = "and the delay by a relay in the switch namespace (LanJitter: a packet socket between each LAN"
      + " host's switch port and the bridge; every frame a host sends waits a time uniform in [D - J, D + J] ms, as under"
      + " `netem delay D J`, frames may overtake each other; the hosts' LAN interfaces have checksum and segmentation offloads"
      + " off while it runs; the loss is applied after the delay)";
  private static final Duration REQUEST_INTERVAL = Duration.ofMillis(10);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
  private static final Pattern TS = Pattern.compile("^\\{\"ts\":\"([^\"]+)\"");
  private static final Pattern LATE_TIMES = Pattern.compile("\"times\":(\\d+)");
  private static final Pattern GC_PAUSE = Pattern.compile("Pause (Young|Full)[^\\n]* ([0-9.]+)ms");

  private final Path ironlb;
  private final Path stateDir;
  private final String prefix;
  private final Duration phase;
  private final Duration idle;
  private final int lossPercent;
  /** The lossy phase's delay and jitter (a {@link LanJitter} on the LAN); zero: loss only. */
  private final Duration delay;
  private final Duration jitter;
  private final int allocMb;
  private final int retainMb;
  private final List<Map<String, Object>> idles = new ArrayList<>();
  private final List<Map<String, Object>> runs = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  /** The speakers' --heartbeat-timeout (through their environment); empty: their default. */
  private String heartbeatTimeout = "";
  /**
   * keepalived's binary when keepalived VRRPv3 ({@code advert_int 0.1}) runs beside IronLB through
   * every phase, on its own VIP, as the yardstick: its master changes are its false failovers.
   */
  private Optional<String> keepalived = Optional.empty();
  private String keepalivedVip;

  private SoakBench(Path ironlb, Path stateDir, String prefix, Duration phase, Duration idle, int lossPercent, Duration delay,
      Duration jitter, int allocMb, int retainMb) {
    this.ironlb = ironlb;
    this.stateDir = stateDir;
    this.prefix = prefix;
    this.phase = phase;
    this.idle = idle;
    this.lossPercent = lossPercent;
    this.delay = delay;
    this.jitter = jitter;
    this.allocMb = allocMb;
    this.retainMb = retainMb;
  }

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(List.of(args));
    Path json = BenchJson.takeOption(rest, "--json");
    Path state = Path.of(BenchArgs.required(rest, "--state-dir"));
    String prefix = BenchArgs.option(rest, "--prefix", "isk-");
    List<Integer> sizes = List.of(BenchArgs.option(rest, "--nodes", "2,4").split(",")).stream().map(String::strip).map(Integer::parseInt).toList();
    String stressList = BenchArgs.option(rest, "--stress", "lossy,cpu");
    List<String> stresses = stressList.equals("none") ? List.of() : List.of(stressList.split(","));
    double minutes = Double.parseDouble(BenchArgs.option(rest, "--minutes", "10"));
    int idleSeconds = Integer.parseInt(BenchArgs.option(rest, "--idle", "60"));
    int loss = Integer.parseInt(BenchArgs.option(rest, "--loss", "30"));
    Duration delay = Duration.ofMillis(Long.parseLong(BenchArgs.option(rest, "--delay-ms", "20")));
    Duration jitter = Duration.ofMillis(Long.parseLong(BenchArgs.option(rest, "--jitter-ms", "20")));
    int allocMb = Integer.parseInt(BenchArgs.option(rest, "--alloc-mb", "32"));
    int retainMb = Integer.parseInt(BenchArgs.option(rest, "--retain-mb", "2"));
    String keep = BenchArgs.option(rest, "--keep-logs", "");
    String heartbeatTimeout = BenchArgs.option(rest, "--heartbeat-timeout", "");
    String keepalived = BenchArgs.option(rest, "--keepalived", "3");
    Path ironlb = Path.of(BenchArgs.option(rest, "--ironlb", "./ironlb"));
    if (!rest.isEmpty()) {
      throw new IllegalArgumentException("unknown arguments " + rest + "; use --state-dir DIR [--prefix P] [--nodes 2,4]"
          + " [--stress lossy,cpu] [--minutes M] [--idle S] [--loss PERCENT] [--delay-ms D] [--jitter-ms J] [--alloc-mb N]"
          + " [--retain-mb N] [--keep-logs DIR]"
          + " [--heartbeat-timeout 150ms] [--keepalived 3|none] [--json FILE]");
    }
    SoakBench b = new SoakBench(ironlb, state, prefix, Duration.ofMillis((long) (minutes * 60_000)), Duration.ofSeconds(idleSeconds),
        loss, delay, jitter, allocMb, retainMb);
    Path keepLogs = keep.isEmpty() ? null : Path.of(keep);
    b.heartbeatTimeout = heartbeatTimeout;
    b.keepalived = keepalived.equals("none") ? Optional.empty() : KeepalivedTarget.findBinary();
    System.out.printf(Locale.ROOT, "bench/soak: labs of %s nodes; %s for %.1f min each; %d CPUs, load average %s%n", sizes, stresses, minutes,
        Runtime.getRuntime().availableProcessors(), LabFailover.loadAverage());
    for (int i = 0; i < sizes.size(); i++) {
      int nodes = sizes.get(i);
      List<String> here = stresses.stream().filter(s -> !s.equals("lossy") || nodes == sizes.getFirst()).toList();
      try {
        b.lab(nodes, here);
      } catch (Exception e) {
        b.errors.add(nodes + " nodes: " + e);
        System.out.println("  " + nodes + " nodes failed: " + e);
      } finally {
        if (keepLogs != null) {
          b.keepLogs(keepLogs.resolve(nodes + "-nodes"));
        }
        b.ironlb("lab", "down", "--state-dir", state.toString());
      }
      if (json != null) {
        b.write(json, minutes);
      }
    }
    System.exit((b.runs.isEmpty() && !stresses.isEmpty()) || b.idles.isEmpty() || !b.errors.isEmpty() ? 1 : 0);
  }

  /** Copies the lab's logs (every process's, and the GC logs) to {@code dir} before the lab goes. */
  private void keepLogs(Path dir) {
    try (var files = Files.list(stateDir.resolve("logs"))) {
      Files.createDirectories(dir);
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
      System.out.println("  logs kept in " + dir);
    } catch (IOException e) {
      System.out.println("  could not keep the logs: " + e.getMessage());
    }
  }

  private void write(Path json, double minutes) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("bench", "soak");
    doc.put("cpus", Runtime.getRuntime().availableProcessors());
    doc.put("minutes", minutes);
    doc.put("lossPercent", lossPercent);
    doc.put("allocation", Map.of("mbPerSecond", allocMb, "retainMb", retainMb));
    doc.put("delayMs", delay.toMillis());
    doc.put("jitterMs", jitter.toMillis());
    doc.put("lossNote", delay.isZero() ? LOSS_NOTE + "; no delay or jitter (--delay-ms 0)" : LOSS_NOTE + " " + JITTER_NOTE);
    doc.put("heartbeatTimeout", heartbeatTimeout.isEmpty() ? "default" : heartbeatTimeout);
    doc.put("idle", idles);
    doc.put("runs", runs);
    doc.put("errors", errors);
    BenchJson.write(json, doc);
  }

  // ---------------------------------------------------------------- one lab

  private void lab(int nodes, List<String> stresses) throws Exception {
    String up = ironlb("lab", "up", "--state-dir", stateDir.toString(), "--prefix", prefix, "--nodes", String.valueOf(nodes));
    if (!up.contains("lab up took")) {
      throw new IllegalStateException("lab up failed: " + up.strip().lines().reduce((a, b) -> b).orElse(""));
    }
    LabState state = LabState.load(stateDir);
    LabLayout layout = state.layout();
    try (KubernetesClient client = Kube.client(Kube.url(state.apiPort().orElseThrow()))) {
      Map<String, String> vips = awaitSettled(client, layout);
      System.out.printf(Locale.ROOT, "%n%d nodes: Services %s%n", nodes, vips);
      idle(nodes, layout);
      KeepalivedTarget ka = keepalived.map(bin -> new KeepalivedTarget(state, 3, bin)).orElse(null);
      if (ka != null) {
        LabLayout.Node endpoint = layout.node(ClusterSeeder.apps(layout).getFirst().node()).orElseThrow();
        keepalivedVip = ka.place(client, endpoint).vip();
        System.out.println("  keepalived VRRPv3 (advert_int 0.1) holds " + keepalivedVip + " beside IronLB, as the yardstick");
      }
      try {
      for (String stress : stresses) {
        switch (stress) {
          case "lossy" -> {
            AtomicReference<LanJitter> relay = new AtomicReference<>();
            run(nodes, "lossy", layout, vips, () -> relay.set(lossy(layout)), () -> lossless(layout, relay.getAndSet(null)));
          }
          case "cpu" -> {
            Burners burners = new Burners();
            run(nodes, "cpu", layout, vips, () -> {
              burners.start();
              pressure(layout);
            }, burners::stop);
          }
          default -> throw new IllegalArgumentException("--stress takes lossy and cpu, not " + stress);
        }
      }
      } finally {
        if (ka != null) {
          ka.close();
          keepalivedVip = null;
        }
      }
    }
  }

  /** Waits until every LoadBalancer Service has an address and exactly one announcer, and every speaker's view holds every node. */
  private Map<String, String> awaitSettled(KubernetesClient client, LabLayout layout) throws InterruptedException {
    Instant limit = Instant.now().plusSeconds(120);
    while (Instant.now().isBefore(limit)) {
      Map<String, String> vips = new TreeMap<>();
      boolean ok = true;
      Map<String, String> announcers = Lab.announcers(client);
      for (Service s : client.services().inAnyNamespace().list().getItems()) {
        if (!"LoadBalancer".equals(s.getSpec().getType())) {
          continue;
        }
        String key = s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
        String ip = ipv4(s);
        String by = announcers.get(key);
        if (ip == null || by == null || by.contains(",")) {
          ok = false;
        } else {
          vips.put(key, ip);
        }
      }
      if (ok && !vips.isEmpty() && wholeViews(layout)) {
        return vips;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the lab did not settle within 120 s (an address without announcer, or views not whole)");
  }

  private boolean wholeViews(LabLayout layout) {
    LabState state = LabState.load(stateDir);
    String all = layout.nodes().stream().map(LabLayout.Node::name).sorted().toList().toString();
    for (LabLayout.Node n : layout.nodes()) {
      String last = null;
      for (String line : lines(state.log("speaker " + n.name()))) {
        int i = line.indexOf("\"event\":\"membershipView\",\"members\":\"");
        if (i >= 0) {
          last = line.substring(i + 36, line.indexOf('"', i + 36));
        }
      }
      if (!all.equals(last)) {
        return false;
      }
    }
    return true;
  }

  private static String ipv4(Service s) {
    if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null) {
      return null;
    }
    return s.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).filter(ip -> ip != null && !ip.contains(":"))
        .findFirst().orElse(null);
  }

  // ---------------------------------------------------------------- idle cost

  private void idle(int nodes, LabLayout layout) throws InterruptedException {
    Map<String, Long> cpu0 = speakerCpuTicks(layout);
    Map<String, Long> frames0 = heartbeatFrames(layout, true);
    Instant t0 = Instant.now();
    Thread.sleep(idle.toMillis());
    double seconds = Duration.between(t0, Instant.now()).toMillis() / 1000.0;
    Map<String, Object> cpu = percent(cpu0, speakerCpuTicks(layout), seconds);
    Map<String, Long> frames1 = heartbeatFrames(layout, false);
    Map<String, Object> rate = new TreeMap<>();
    frames1.forEach((node, n) -> rate.put(node, round((n - frames0.getOrDefault(node, 0L)) / seconds)));
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("nodes", nodes);
    r.put("seconds", Math.round(seconds));
    r.put("loadAverage", LabFailover.loadAverage());
    r.put("speakerCpuPercent", cpu);
    r.put("heartbeatFramesPerSecond", rate);
    idles.add(r);
    System.out.printf(Locale.ROOT, "  idle %.0f s: speaker CPU %% %s; heartbeat frames/s sent per node %s; load average %s%n", seconds, cpu, rate,
        r.get("loadAverage"));
  }

  /**
   * UDP frames to the membership port that each node sent, counted at its switch port (a netdev
   * ingress counter); {@code install} adds the counters first.
   */
  private Map<String, Long> heartbeatFrames(LabLayout layout, boolean install) {
    String sw = layout.switchNamespace();
    if (install) {
      StringBuilder nft = new StringBuilder("table netdev ironlb_soak_count {\n");
      for (LabLayout.Node n : layout.nodes()) {
        nft.append("  chain c_").append(n.name().replace('-', '_')).append(" { type filter hook ingress device \"").append(n.lanPort())
            .append("\" priority -10; udp dport 7946 counter; }\n");
      }
      nft.append("}\n");
      nft(sw, nft.toString());
    }
    Map<String, Long> out = new TreeMap<>();
    CommandResult r = Commands.run(Duration.ofSeconds(10), "ip", "netns", "exec", sw, "nft", "list", "table", "netdev", "ironlb_soak_count");
    for (LabLayout.Node n : layout.nodes()) {
      Matcher m = Pattern.compile("chain c_" + Pattern.quote(n.name().replace('-', '_')) + " \\{[^}]*?counter packets (\\d+)")
          .matcher(r.stdout());
      out.put(n.name(), m.find() ? Long.parseLong(m.group(1)) : 0L);
    }
    return out;
  }

  // ---------------------------------------------------------------- stressed phases

  private void run(int nodes, String stress, LabLayout layout, Map<String, String> vips, Runnable on, Runnable off)
      throws Exception {
    System.out.printf(Locale.ROOT, "  %s: %d min%n", stress, phase.toMinutes());
    List<ClientLoop> loops = new ArrayList<>();
    List<NeighbourWatch> watches = new ArrayList<>();
    List<ClientLoop> extras = new ArrayList<>();
    List<NeighbourWatch> extraWatches = new ArrayList<>();
    Map<String, Path> gcLogs = new TreeMap<>();
    try {
      for (String ip : vips.values()) {
        loops.add(ClientLoop.start(layout.client().namespace(), "http://" + ip + "/", REQUEST_INTERVAL, REQUEST_TIMEOUT));
        watches.add(new NeighbourWatch(layout.client().namespace(), ip));
      }
      ClientLoop kaLoop = keepalivedVip == null ? null
          : ClientLoop.start(layout.client().namespace(), "http://" + keepalivedVip + "/", REQUEST_INTERVAL, REQUEST_TIMEOUT);
      NeighbourWatch kaWatch = keepalivedVip == null ? null : new NeighbourWatch(layout.client().namespace(), keepalivedVip);
      if (kaLoop != null) {
        extras.add(kaLoop);
        extraWatches.add(kaWatch);
      }
      for (LabLayout.Node n : layout.nodes()) {
        gcLogs.put(n.name(), gcLog(n, stress));
      }
      // The client stands for another machine on the LAN, and the apps for workloads this soak does not
      // test: on this one machine the busy loops starved them (a client JVM that did not run for 1.6 s
      // timed out its requests to IronLB's and keepalived's addresses alike). They get the speakers' priority.
      loops.forEach(l -> raisePriority(l.pid()));
      extras.forEach(l -> raisePriority(l.pid()));
      LabState.load(stateDir).processes().values().stream().filter(p -> p.name().startsWith("app ")).forEach(p -> raisePriority(p.pid()));
      Thread.sleep(2000); // the loops' first requests: connections and neighbour entries in place
      String loadStart = LabFailover.loadAverage();
      Map<String, Long> cpu0 = speakerCpuTicks(layout);
      long mastersBefore = keepalivedVip == null ? 0 : keepalivedMasters(layout);
      Instant start = Instant.now();
      List<Process> stallProbe = StallProbe.start(phase);
      long steal0 = stealMillis();
      Map<String, Map<String, Long>> drops0 = KernelDrops.read(layout.namespaces());
      on.run();
      Instant end = start.plus(phase);
      while (Instant.now().isBefore(end)) {
        Thread.sleep(Math.min(30_000, Math.max(1, Duration.between(Instant.now(), end).toMillis())));
        Counts c = counts(layout, start, Instant.now());
        long failed = loops.stream().mapToLong(l -> l.since(start).stream().filter(x -> !x.ok()).count()).sum();
        String ka = keepalivedVip == null ? "" : String.format(Locale.ROOT, "; keepalived: %d takeovers, %d failed requests",
            keepalivedMasters(layout) - mastersBefore, extras.getFirst().since(start).stream().filter(x -> !x.ok()).count());
        System.out.printf(Locale.ROOT, "    %4d s: views %d, moves %d, suspicions %d (withdrawn %d), late heartbeats %d, failed requests %d%s;"
            + " load %s%n", Duration.between(start, Instant.now()).toSeconds(), c.views, c.moves, c.suspicions, c.withdrawn, c.late, failed, ka,
            LabFailover.loadAverage());
      }
      Instant stop = Instant.now();
      long steal = stealMillis() - steal0;
      Map<String, Map<String, Long>> drops = KernelDrops.grown(drops0, KernelDrops.read(layout.namespaces()));
      off.run();
      double seconds = Duration.between(start, stop).toMillis() / 1000.0;
      Map<String, Object> cpu = percent(cpu0, speakerCpuTicks(layout), seconds);
      Thread.sleep(REQUEST_TIMEOUT.toMillis() + 500); // requests in flight at the end finish
      Counts c = counts(layout, start, stop);
      long requests = 0;
      long failed = 0;
      long gap = 0;
      List<String> failures = new ArrayList<>();
      List<String> ips = List.copyOf(vips.values());
      for (int i = 0; i < loops.size(); i++) {
        List<ClientLoop.Result> in = loops.get(i).since(start).stream().filter(x -> x.start().isBefore(stop)).toList();
        requests += in.size();
        failed += in.stream().filter(x -> !x.ok()).count();
        gap = Math.max(gap, longestGap(in));
        String ip = ips.get(i);
        in.stream().filter(x -> !x.ok()).limit(5).forEach(x -> failures.add(x.start() + " " + ip + ": " + x.detail()));
      }
      long neighbour = watches.stream().mapToLong(w -> macMoves(w, start, stop)).sum();
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("nodes", nodes);
      r.put("stress", stress);
      r.put("seconds", Math.round(seconds));
      r.put("loadStart", loadStart);
      r.put("loadEnd", LabFailover.loadAverage());
      r.put("requests", requests);
      r.put("failedRequests", failed);
      r.put("failures", failures);
      r.put("longestGapMs", gap);
      r.put("viewChanges", c.views);
      r.put("addressMoves", c.moves);
      r.put("neighbourChanges", neighbour);
      r.put("suspicions", c.suspicions);
      r.put("withdrawnSuspicions", c.withdrawn);
      r.put("lateHeartbeats", c.late);
      r.put("gcPauses", gcPauses(gcLogs.values()));
      // The machine's own stalls over the same minutes: a late heartbeat within them is not the speaker's.
      r.put("machineStalls", StallProbe.result(stallProbe, Duration.ofSeconds(15)).map(StallProbe.Stalls::json).orElse(Map.of()));
      // Time the hypervisor ran something else while this machine's CPUs wanted to run (all CPUs summed).
      r.put("stealMs", steal);
      // Where packets were lost or late by the kernel's own counters (per namespace; "-": per CPU).
      r.put("kernelDrops", drops);
      r.put("speakerCpuPercent", cpu);
      if (!extras.isEmpty()) {
        List<ClientLoop.Result> in = extras.getFirst().since(start).stream().filter(x -> x.start().isBefore(stop)).toList();
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("vip", keepalivedVip);
        k.put("masterChanges", keepalivedMasters(layout) - mastersBefore);
        k.put("requests", in.size());
        k.put("failedRequests", in.stream().filter(x -> !x.ok()).count());
        k.put("longestGapMs", longestGap(in));
        k.put("neighbourChanges", macMoves(extraWatches.getFirst(), start, stop));
        r.put("keepalived", k);
      }
      runs.add(r);
      System.out.printf(Locale.ROOT, "  %s done: %s%n", stress, r);
    } finally {
      loops.forEach(ClientLoop::close);
      watches.forEach(NeighbourWatch::close);
      extras.forEach(ClientLoop::close);
      extraWatches.forEach(NeighbourWatch::close);
      off.run();
      LabState now = LabState.load(stateDir);
      for (LabLayout.Node n : layout.nodes()) {
        speaker(now, n).ifPresent(p -> Commands.run(Duration.ofSeconds(20), "jcmd", Long.toString(p.pid()), "VM.log", "disable"));
      }
    }
  }

  /** The speakers' membership views, address announcements and withdrawals, and suspicions logged in [from, to). */
  private record Counts(long views, long moves, long suspicions, long withdrawn, long late) {}

  private Counts counts(LabLayout layout, Instant from, Instant to) {
    LabState state = LabState.load(stateDir);
    long views = 0;
    long moves = 0;
    long suspicions = 0;
    long withdrawn = 0;
    long late = 0;
    for (LabLayout.Node n : layout.nodes()) {
      for (String line : lines(state.log("speaker " + n.name()))) {
        Matcher m = TS.matcher(line);
        if (!m.find()) {
          continue;
        }
        Instant at = Instant.parse(m.group(1));
        if (at.isBefore(from) || !at.isBefore(to)) {
          continue;
        }
        if (line.contains("\"logger_name\":\"io.ironlb.membership.JGroupsMembership\"") && line.contains("\"event\":\"membershipView\"")) {
          views++;
        } else if (line.contains("\"event\":\"serviceAnnounced\"") || line.contains("\"event\":\"serviceWithdrawn\"")) {
          moves++;
        } else if (line.contains("\"event\":\"membershipSuspected\"")) {
          suspicions++;
        } else if (line.contains("\"event\":\"membershipUnsuspected\"")) {
          withdrawn++;
        } else if (line.contains("\"event\":\"heartbeatLate\"")) {
          Matcher t = LATE_TIMES.matcher(line);
          late += t.find() ? Long.parseLong(t.group(1)) : 1;
        }
      }
    }
    return new Counts(views, moves, suspicions, withdrawn, late);
  }

  /** How many times a keepalived of this lab has entered MASTER state so far (each after the first a takeover). */
  private long keepalivedMasters(LabLayout layout) {
    LabState state = LabState.load(stateDir);
    long n = 0;
    for (LabLayout.Node node : layout.nodes()) {
      n += lines(state.log("keepalived " + node.name())).stream().filter(l -> l.contains("Entering MASTER STATE")).count();
    }
    return n;
  }

  private static long longestGap(List<ClientLoop.Result> results) {
    List<Instant> ok = results.stream().filter(ClientLoop.Result::ok).map(ClientLoop.Result::end).sorted().toList();
    long worst = 0;
    for (int i = 1; i < ok.size(); i++) {
      worst = Math.max(worst, Duration.between(ok.get(i - 1), ok.get(i)).toMillis());
    }
    return worst;
  }

  /**
   * Delays (a {@link LanJitter}, unless the delay is zero) and drops {@code lossPercent} of the
   * frames every LAN host sends into the switch; returns the relay to close after the phase.
   */
  private LanJitter lossy(LabLayout layout) {
    String sw = layout.switchNamespace();
    List<String> ports = new ArrayList<>();
    LanJitter relay = null;
    if (delay.isZero()) {
      ports.add(layout.client().lanPort());
      layout.nodes().forEach(n -> ports.add(n.lanPort()));
    } else {
      relay = LanJitter.insert(layout, delay, jitter);
      raisePriority(relay.pid());
      // A frame the relay takes is not seen by its port's ingress hook; drop where it enters the bridge.
      ports.addAll(relay.bridgePorts());
    }
    StringBuilder nft = new StringBuilder("table netdev ironlb_soak_loss {\n");
    for (String p : ports) {
      nft.append("  chain l_").append(p.replace('-', '_')).append(" { type filter hook ingress device \"").append(p)
          .append("\" priority 0; numgen random mod 100 < ").append(lossPercent).append(" drop; }\n");
    }
    nft.append("}\n");
    nft(sw, nft.toString());
    return relay;
  }

  /** Ends {@link #lossy}: the loss, then the relay ({@code null}: none, or already ended; this runs twice). */
  private static void lossless(LabLayout layout, LanJitter relay) {
    try {
      Commands.run(Duration.ofSeconds(10), "ip", "netns", "exec", layout.switchNamespace(), "nft", "delete", "table", "netdev",
          "ironlb_soak_loss");
    } finally {
      if (relay != null) {
        relay.close();
      }
    }
  }

  private static void nft(String ns, String script) {
    try {
      Path f = Files.createTempFile("ironlb-soak", ".nft");
      try {
        Files.writeString(f, script);
        CommandResult r = Commands.run(Duration.ofSeconds(10), "ip", "netns", "exec", ns, "nft", "-f", f.toString());
        if (!r.ok()) {
          throw new IllegalStateException("nft in " + ns + " failed: " + r.stderr().strip() + "\n" + script);
        }
      } finally {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write an nft script: " + e.getMessage(), e);
    }
  }

  /** The allocation-pressure agent in every speaker. */
  private void pressure(LabLayout layout) {
    if (allocMb == 0) {
      return; // --alloc-mb 0: busy CPUs only
    }
    LabState state = LabState.load(stateDir);
    Path agent = AllocationPressure.writeAgentJar(stateDir);
    for (LabLayout.Node n : layout.nodes()) {
      LabProcess p = speaker(state, n).orElseThrow(() -> new IllegalStateException("no speaker runs on " + n.name()));
      try {
        AllocationPressure.attach(p.pid(), agent, allocMb, retainMb);
      } catch (Exception e) {
        throw new IllegalStateException("cannot load the allocation agent into the speaker of " + n.name() + ": " + e, e);
      }
    }
  }

  /** Turns on GC logging in {@code n}'s speaker (jcmd VM.log) into a file of the lab's state directory. */
  private Path gcLog(LabLayout.Node n, String stress) {
    LabState state = LabState.load(stateDir);
    Path f = state.logs().resolve("gc-" + n.name() + "-" + stress + ".log");
    speaker(state, n).ifPresent(p -> {
      CommandResult r = Commands.run(Duration.ofSeconds(30), "jcmd", Long.toString(p.pid()), "VM.log", "output=file=" + f, "what=gc,safepoint",
          "decorators=uptimemillis");
      if (!r.ok()) {
        errors.add("GC logging for the speaker of " + n.name() + " could not be turned on: " + r.stderr().strip());
      }
    });
    return f;
  }

  private static Map<String, Object> gcPauses(Iterable<Path> logs) {
    List<Double> pauses = new ArrayList<>();
    long full = 0;
    for (Path f : logs) {
      for (String line : lines(f)) {
        Matcher m = GC_PAUSE.matcher(line);
        if (m.find()) {
          pauses.add(Double.parseDouble(m.group(2)));
          full += m.group(1).equals("Full") ? 1 : 0;
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("count", pauses.size());
    out.put("full", full);
    out.put("maxMs", round(pauses.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
    out.put("over50Ms", pauses.stream().filter(p -> p > 50).count());
    return out;
  }

  /**
   * How often the client's neighbour entry for the watched address came to name another MAC between
   * {@code start} and {@code stop}: a move clients saw. The monitor also reports the entry's state
   * changes (REACHABLE, STALE) with the same MAC; those are no move.
   */
  static long macMoves(NeighbourWatch w, Instant start, Instant stop) {
    return macMoves(w.changesSince(Instant.EPOCH), start, stop);
  }

  /** As above, over every change the watch saw, oldest first. */
  static long macMoves(List<NeighbourWatch.Change> changes, Instant start, Instant stop) {
    String mac = null;
    long moves = 0;
    for (NeighbourWatch.Change c : changes) {
      if (!c.at().isBefore(stop)) {
        break;
      }
      if (mac != null && !c.mac().equals(mac) && !c.at().isBefore(start)) {
        moves++;
      }
      mac = c.mac();
    }
    return moves;
  }

  // ---------------------------------------------------------------- processes

  /** Every thread of {@code pid} at nice -10, as the speaker runs its own (new threads inherit it from their creator). */
  private void raisePriority(long pid) {
    List<String> argv = new ArrayList<>(List.of("renice", "-n", "-10", "-p"));
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      tasks.forEach(t -> argv.add(t.getFileName().toString()));
    } catch (IOException e) {
      errors.add("cannot list the threads of " + pid + " to raise their priority: " + e.getMessage());
      return;
    }
    CommandResult r = Commands.run(Duration.ofSeconds(10), argv);
    if (!r.ok()) {
      errors.add("renice of " + pid + "'s threads failed: " + r.stderr().strip());
    }
  }

  /** CPU time stolen by the hypervisor since boot, all CPUs ({@code /proc/stat}, field 8, in USER_HZ = 100 ticks a second). */
  static long stealMillis() {
    try {
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
      return cpu.length > 8 ? Long.parseLong(cpu[8]) * 10 : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static Optional<LabProcess> speaker(LabState state, LabLayout.Node n) {
    return LabState.load(state.dir()).process("speaker " + n.name()).filter(LabProcess::alive);
  }

  private Map<String, Long> speakerCpuTicks(LabLayout layout) {
    LabState state = LabState.load(stateDir);
    Map<String, Long> out = new TreeMap<>();
    for (LabLayout.Node n : layout.nodes()) {
      speaker(state, n).ifPresent(p -> {
        try {
          String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.put(n.name(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
        } catch (IOException | RuntimeException e) {
          // ended meanwhile: no figure
        }
      });
    }
    return out;
  }

  private static Map<String, Object> percent(Map<String, Long> before, Map<String, Long> after, double seconds) {
    long hz = 100; // USER_HZ on Linux
    Map<String, Object> out = new TreeMap<>();
    after.forEach((node, t) -> {
      if (before.containsKey(node)) {
        out.put(node, round((t - before.get(node)) * 100.0 / hz / seconds));
      }
    });
    return out;
  }

  /** A busy thread per CPU, the "every core saturated" part of the cpu phase. */
  private static final class Burners {
    private final List<Thread> threads = new ArrayList<>();

    synchronized void start() {
      for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
        threads.add(Thread.ofPlatform().daemon().name("soak-busy-" + i).start(() -> {
          long x = 0;
          while (!Thread.currentThread().isInterrupted()) {
            x += System.nanoTime() % 7;
          }
          if (x == 42) {
            System.out.print("");
          }
        }));
      }
    }

    synchronized void stop() {
      threads.forEach(Thread::interrupt);
      threads.clear();
    }
  }

  private String ironlb(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ironlb.toString());
    cmd.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      if (!heartbeatTimeout.isEmpty()) {
        pb.environment().put("IRONLB_HEARTBEAT_TIMEOUT", heartbeatTimeout); // the lab's speakers inherit it
      }
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + cmd, e);
    }
  }

  private static List<String> lines(Path f) {
    try {
      return Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
