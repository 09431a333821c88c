package io.ironlb.bench;

import io.ironlb.bench.BenchResults.AllocatorRun;
import io.ironlb.bench.BenchResults.Creation;
import io.ironlb.bench.BenchResults.Failover;
import io.ironlb.bench.BenchResults.FootprintSample;
import io.ironlb.bench.BenchResults.Scale;
import io.ironlb.bench.BenchResults.ScaleFailover;
import io.ironlb.bench.BenchResults.ScaleProcess;
import io.ironlb.bench.BenchResults.Trial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Renders a results directory of {@code bench/run} as {@code docs/BENCHMARKS.md} with PNG plots.
 * Every percentile is {@link Percentiles}' nearest rank over successful trials, as the benchmarks
 * print them; failed trials are counted beside. A step without results is shown as missing, with
 * the reason {@code bench/run} recorded.
 *
 * <p>Usage: {@code BenchReport --results DIR [--out docs/BENCHMARKS.md] [--plots docs/bench]}; run
 * with {@code -Djava.awt.headless=true}.
 */
public final class BenchReport {

  /** A failover target: the name in the result files and how the report calls it. */
  record Target(String id, String label, String shortLabel) {}

  static final List<Target> TARGETS = List.of(
      new Target("ironlb", "IronLB", "IronLB"),
      new Target("keepalived-vrrp2", "keepalived VRRPv2, advert_int 1", "VRRPv2"),
      new Target("keepalived-vrrp3", "keepalived VRRPv3, advert_int 0.1", "VRRPv3"));

  /** One failover figure: which fault ({@code mode}), which measurement, and the file name of its plot. */
  record Figure(String mode, String fault, String what, Function<Trial, Long> value, String plot) {
    /** The figure of every successful trial that measured it. */
    long[] values(Failover f) {
      return f.trials().stream().filter(t -> t.error() == null && value.apply(t) != null).mapToLong(t -> value.apply(t)).toArray();
    }
  }

  static final List<Figure> FIGURES = List.of(
      new Figure("kill", "kill -9 of the announcing process", "neighbour entry moved", Trial::neighbourMs, "failover-kill-neighbour.png"),
      new Figure("cut", "all links of the announcing node cut", "client outage", Trial::outageMs, "failover-cut-outage.png"),
      new Figure("cut-lan", "the LAN link of the announcing node cut (its internal link stays up)", "client outage", Trial::outageMs,
          "failover-cut-lan-outage.png"),
      new Figure("flap-lan", "the LAN link cut again 1-3 s after a heal (a flapping link)", "client outage of the second cut",
          Trial::outageMs, "failover-flap-lan-outage.png"),
      new Figure("term", "SIGTERM of the announcing process (a rolling update)", "neighbour entry moved", Trial::neighbourMs,
          "failover-term-neighbour.png"),
      new Figure("term", "SIGTERM of the announcing process (a rolling update)", "client outage", Trial::outageMs,
          "failover-term-outage.png"));

  /** The failover trials asked for in a run of record (DESIGN.md, issue 7); fewer is a quick run. */
  static final int RECORD_TRIALS = 20;

  private final BenchResults r;
  private final Path plots;
  private final String plotLink;
  private final Path resultsDir;
  private final StringBuilder md = new StringBuilder();
  private final List<String> written = new ArrayList<>();

  BenchReport(BenchResults results, Path resultsDir, Path out, Path plots) {
    this.r = results;
    this.resultsDir = resultsDir;
    this.plots = plots;
    Path base = out.toAbsolutePath().getParent();
    this.plotLink = base.relativize(plots.toAbsolutePath()).toString().replace('\\', '/');
  }

  public static void main(String[] args) throws IOException {
    System.setProperty("java.awt.headless", "true"); // bench/run passes it too; plots never need a display
    List<String> rest = new ArrayList<>(List.of(args));
    Path results = BenchJson.takeOption(rest, "--results");
    Path out = Optional.ofNullable(BenchJson.takeOption(rest, "--out")).orElse(Path.of("docs/BENCHMARKS.md"));
    Path plots = Optional.ofNullable(BenchJson.takeOption(rest, "--plots")).orElse(Path.of("docs/bench"));
    if (results == null || !rest.isEmpty()) {
      System.err.println("usage: BenchReport --results DIR [--out docs/BENCHMARKS.md] [--plots docs/bench]");
      System.exit(2);
    }
    List<Path> files = write(results, out, plots);
    System.out.println("wrote " + out + " and " + (files.size() - 1) + " plots in " + plots);
  }

  /** Writes the report and its plots; returns every file written, the report first. */
  static List<Path> write(Path results, Path out, Path plots) throws IOException {
    BenchReport report = new BenchReport(BenchResults.read(results), results, out, plots);
    Files.createDirectories(plots);
    try (Stream<Path> old = Files.list(plots)) {
      for (Path p : old.filter(p -> p.getFileName().toString().matches("(failover|timeline)-.*\\.png")).toList()) {
        Files.delete(p); // a plot of an earlier run that this one may not redraw must not linger under the new report
      }
    }
    String text = report.render();
    if (out.toAbsolutePath().getParent() != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
    }
    Files.writeString(out, text);
    List<Path> all = new ArrayList<>();
    all.add(out);
    report.written.forEach(n -> all.add(plots.resolve(n)));
    return all;
  }

  String render() throws IOException {
    header();
    summary();
    failover();
    soak();
    scaling();
    scale();
    arp();
    allocator();
    footprint();
    membership();
    return md.toString();
  }

  // ---- header: what this is, where it ran, which steps ran

  private void header() {
    int trials = r.machine().map(BenchResults.Machine::trials).orElse(0);
    int most = r.failover().stream().mapToInt(f -> f.trials().size()).max().orElse(0);
    boolean quick = trials > 0 && trials < RECORD_TRIALS || most > 0 && most < RECORD_TRIALS;
    line(quick ? "# IronLB benchmarks: a quick run, not the figures of record" : "# IronLB benchmarks");
    line();
    line("Made by `sudo bench/run` (see its header for the steps, options and run time) from the result files in its `RESULTS_DIR` "
        + "(a temporary folder), rendered by `io.ironlb.bench.BenchReport`. Contents: the machine and each step's status; the figures "
        + "against the targets of DESIGN.md §6; failover per fault for IronLB and keepalived (VRRPv2 with `advert_int 1`, VRRPv3 "
        + "with `advert_int 0.1`) with IronLB's figures as ratios of keepalived's, and a new Service's time to its first answer; "
        + "a burst of Services (CPU and memory per process, a new Service among them, a mass failover); ARP reply latency against "
        + "the kernel's and under a flood; the allocator at 10,000 (and 100,000) services; the "
        + "controller's and speaker's resident memory and start-up time; membership, when it was run. Percentiles are nearest-rank "
        + "(`io.ironlb.lab.Percentiles`, as every benchmark prints them) over the successful trials; failed trials are counted "
        + "beside them, not hidden. Lower is better everywhere; a ratio below 1× means IronLB took less time.");
    line();
    if (quick) {
      line("> **Quick run** (" + (trials > 0 ? trials : most) + " failover trials per fault, not " + RECORD_TRIALS + "): it shows that the "
          + "pipeline works end to end; its figures are not the ones of record. The run of record uses " + RECORD_TRIALS
          + " trials on a quiet machine.");
      line();
    }
    r.machine().ifPresentOrElse(m -> {
      line("**Machine:** " + m.cpus() + " CPUs, " + m.kernel() + ", JDK " + m.jdk() + "; load average " + m.loadStart() + " at the start, "
          + (m.loadEnd() == null ? "?" : m.loadEnd()) + " at the end; started " + m.started() + ".");
      double load1 = firstNumber(m.loadStart());
      if (m.cpus() > 0 && load1 > m.cpus() / 2.0) {
        line();
        line("> The machine was busy when the run started (load average " + m.loadStart() + " on " + m.cpus()
            + " CPUs): other work competed for the CPUs, so times are likely inflated.");
      }
    }, () -> line("**Machine:** not recorded (no `machine.json`)."));
    line();
    line("| step | status | time | note |");
    line("| --- | --- | --- | --- |");
    for (String step : List.of("allocator", "arp", "membership", "failover", "soak", "scaling", "scale", "footprint")) {
      Optional<BenchResults.Step> s = r.step(step);
      String status = s.map(x -> switch (x.status()) {
        case "ok" -> hasResult(step) ? "ok" : "**missing** (no result file)";
        case "skipped" -> "not run";
        default -> hasResult(step) ? "**failed** (partial results below)" : "**missing** (failed)";
      }).orElse(hasResult(step) ? "ok" : "**missing** (not recorded)");
      line("| " + step + " | " + status + " | " + s.map(x -> duration(x.seconds())).orElse("") + " | "
          + s.map(BenchResults.Step::note).orElse("") + " |");
    }
    for (String p : r.problems()) {
      line();
      line("Unreadable result: " + p);
    }
    line();
  }

  private boolean hasResult(String step) {
    return switch (step) {
      case "allocator" -> r.allocator().isPresent();
      case "arp" -> r.arp().isPresent();
      case "membership" -> r.membership().isPresent();
      case "footprint" -> r.footprint().isPresent();
      case "failover" -> !r.failover().isEmpty();
      case "soak" -> r.soak().isPresent();
      case "scaling" -> r.scaling().isPresent();
      case "scale" -> r.scale().isPresent();
      default -> false;
    };
  }

  private String missing(String step) {
    Optional<BenchResults.Step> s = r.step(step);
    if (s.isPresent() && s.get().status().equals("skipped")) {
      return "Not run" + (s.get().note().isBlank() ? "." : ": " + s.get().note() + ".");
    }
    return "**Missing**: " + s.filter(x -> !x.note().isBlank()).map(x -> "the step failed (" + x.note() + ")")
        .orElse("no result file") + ".";
  }

  // ---- against the targets

  private void summary() {
    line("## Against the targets (DESIGN.md §6)");
    line();
    line("| what | judged on | measured | first milestone | met | heading for | met |");
    line("| --- | --- | --- | --- | --- | --- | --- |");
    Optional<long[]> kill = ironlbValues(FIGURES.get(0));
    Optional<long[]> cut = ironlbValues(FIGURES.get(1));
    Optional<long[]> cutLan = ironlbValues(FIGURES.get(2));
    Optional<long[]> flap = ironlbValues(FIGURES.get(3));
    row("failover, announcing speaker killed (-9): clients moved", "IronLB p50, neighbour entry moved", kill.map(v -> p50(v)),
        BenchReport::ms, "p50 < 300 ms", x -> x < 300, "p50 ≤ 100 ms", x -> x <= 100);
    row("failover, announcing node cut off (all links): client outage", "IronLB p50, client outage", cut.map(v -> p50(v)), BenchReport::ms,
        "p50 < 1.5 s", x -> x < 1500, "p50 ≤ 300 ms", x -> x <= 300);
    row("the same, worst trial", "IronLB max, client outage", cut.map(v -> Percentiles.of(v, 100)), BenchReport::ms, "", x -> true,
        "max ≤ 500 ms", x -> x <= 500);
    row("failover, LAN link of the announcing node cut: client outage", "IronLB p50, client outage", cutLan.map(v -> p50(v)),
        BenchReport::ms, "p50 < 1.5 s", x -> x < 1500, "p50 ≤ 300 ms", x -> x <= 300);
    row("the same, worst trial", "IronLB max, client outage", cutLan.map(v -> Percentiles.of(v, 100)), BenchReport::ms, "", x -> true,
        "max ≤ 500 ms", x -> x <= 500);
    Optional<Long> flapRatio = flap.flatMap(f -> cutLan.map(c -> Math.round(100.0 * p50(f) / Math.max(1, p50(c)))));
    row("flapping LAN link: a second cut 1-3 s after a heal", "IronLB p50 of the second cut's outage, % of a single LAN cut's",
        flapRatio, x -> x + " %", "", x -> true, "≤ 150 %", x -> x <= 150);
    Optional<long[]> healView = r.failover("ironlb", "flap-lan").map(f -> f.trials().stream()
        .filter(t -> t.error() == null && t.flap() != null && t.flap().viewMs() != null).mapToLong(t -> t.flap().viewMs()).toArray())
        .filter(v -> v.length > 0);
    row("healed partition: one view again", "IronLB p50, heal to every speaker's whole view", healView.map(v -> p50(v)), BenchReport::ms,
        "", x -> true, "≤ 1 s", x -> x <= 1000);
    Optional<long[]> created = r.failover("ironlb", "create").filter(f -> !f.creation().isEmpty())
        .map(f -> f.creation().stream().mapToLong(Creation::okMs).toArray());
    row("new Service to first successful request", "p50", created.map(v -> p50(v)), BenchReport::ms, "p50 < 1 s", x -> x < 1000,
        "≤ 500 ms", x -> x <= 500);
    scaleTargets();
    Optional<long[]> arpOk = r.arp().map(a -> answered(a.ironlbNs()));
    Optional<long[]> flood = r.arp().filter(a -> a.flood() != null).map(a -> answered(a.flood().legitNs()));
    String arpMeasured = arpOk.map(v -> micros(Percentiles.of(v, 99))).orElse("missing")
        + flood.map(v -> "; under flood " + micros(Percentiles.of(v, 99))).orElse("");
    line("| ARP reply latency | p99 (under a flood: the legit client's p99) | " + arpMeasured + " | p99 < 1 ms | "
        + met(arpOk.map(v -> Percentiles.of(v, 99) < 1_000_000)) + " | same under a flood | "
        + met(flood.map(v -> Percentiles.of(v, 99) < 1_000_000)) + " |");
    Optional<BenchResults.SparseArp> sparse = r.arp().map(BenchResults.Arp::sparse);
    if (sparse.isPresent()) {
      long[] k = answered(sparse.get().kernelNs());
      long[] o = answered(sparse.get().ironlbNs());
      boolean both = k.length > 0 && o.length > 0;
      line("| ARP reply, sparse requests, deployed JVM flags | p50 and p99, IronLB's speaker ÷ its node's kernel | "
          + (both ? ratio(p50(o), p50(k)) + " at p50, " + ratio(Percentiles.of(o, 99), Percentiles.of(k, 99)) + " at p99" : "missing")
          + " | measured | " + met(Optional.of(both)) + " | within 1.5× at p50 and p99 | "
          + met(both ? Optional.of(p50(o) <= 1.5 * p50(k) && Percentiles.of(o, 99) <= 1.5 * Percentiles.of(k, 99)) : Optional.empty()) + " |");
    }
    r.soak().ifPresent(so -> {
      List<BenchResults.SoakRun> cpu = so.runs().stream().filter(x -> x.stress().equals("cpu")).toList();
      List<BenchResults.SoakRun> lossy = so.runs().stream().filter(x -> x.stress().equals("lossy")).toList();
      line("| soak: every CPU busy, allocation pressure in the speakers | view changes, address moves, failed requests (per lab size) | "
          + (cpu.isEmpty() ? "missing" : cpu.stream().map(x -> x.nodes() + " nodes: " + x.viewChanges() + ", " + x.addressMoves() + ", "
          + x.failedRequests()).collect(Collectors.joining("; "))) + " | | | 0, 0, 0 | "
          + met(cpu.isEmpty() ? Optional.empty() : Optional.of(cpu.stream().allMatch(x -> x.viewChanges() == 0 && x.addressMoves() == 0
          && x.failedRequests() == 0))) + " |");
      line("| soak: " + so.lossPercent() + "% loss" + (so.delayMs() == 0 ? "" : ", " + so.delayMs() + " ± " + so.jitterMs() + " ms delay")
          + " on the LAN | view changes, address moves | "
          + (lossy.isEmpty() ? "missing" : lossy.stream().map(x -> x.nodes() + " nodes: " + x.viewChanges() + ", " + x.addressMoves())
          .collect(Collectors.joining("; "))) + " | | | 0, 0 (no false failover) | "
          + met(lossy.isEmpty() ? Optional.empty() : Optional.of(lossy.stream().allMatch(x -> x.viewChanges() == 0 && x.addressMoves() == 0)))
          + " |");
    });
    Optional<AllocatorRun> a10k = allocatorRun(10_000);
    Optional<AllocatorRun> a100k = allocatorRun(100_000);
    line("| allocator | allocate p50; address changes on rebuild | "
        + a10k.map(a -> "10,000: " + millis(p50(a.allocateMicros())) + ", " + a.addressChanges() + " changed").orElse("10,000: missing")
        + a100k.map(a -> "; 100,000: " + millis(p50(a.allocateMicros())) + ", " + a.addressChanges() + " changed").orElse("")
        + " | 10,000 in < 1 s, no IP change | " + met(a10k.map(a -> p50(a.allocateMicros()) < 1_000_000 && a.addressChanges() == 0))
        + " | same at 100,000 | "
        + (a100k.isPresent() ? met(a100k.map(a -> p50(a.allocateMicros()) < 1_000_000 && a.addressChanges() == 0)) : "not run (FULL=1)")
        + " |");
    Optional<long[]> rss = r.footprint().map(f -> speakers(f.headline(), null).stream().mapToLong(FootprintSample::rssIdleKiB).toArray())
        .filter(v -> v.length > 0);
    Optional<long[]> ready = r.footprint().map(f -> speakers(f.headline(), "restart").stream().mapToLong(FootprintSample::readyMs)
        .filter(v -> v >= 0).toArray()).filter(v -> v.length > 0);
    Optional<Double> idle = r.footprint().flatMap(f -> f.cpu().stream().filter(c -> c.process().equals("speaker"))
        .map(BenchResults.CpuSample::percent).max(Double::compare));
    line("| speaker footprint | resident: idle VmRSS, max over samples; ready: p50 after a restart; idle CPU: max | "
        + rss.map(v -> "resident " + mib(Percentiles.of(v, 100))).orElse("resident missing") + ", "
        + ready.map(v -> "ready " + ms(p50(v))).orElse("ready missing")
        + idle.map(v -> String.format(Locale.ROOT, ", idle CPU %.2f%%", v)).orElse("") + " | measured and reported | "
        + met(r.footprint().map(f -> !f.samples().isEmpty())) + " | resident ≤ 100 MiB, ready ≤ 1 s, idle ≤ 0.5% | "
        + met(rss.flatMap(v -> ready.flatMap(w -> idle.map(c -> Percentiles.of(v, 100) <= 100 * 1024 && p50(w) <= 1000 && c <= 0.5)))) + " |");
    line("| bad packets | | not part of bench/run: `./run-tests` fuzzes every decoder | never throw | | ≥ 10^7 frames per decoder | |");
    line();
  }

  private void row(String what, String judged, Optional<Long> value, java.util.function.LongFunction<String> format, String first,
      java.util.function.LongPredicate firstMet, String heading, java.util.function.LongPredicate headingMet) {
    line("| " + what + " | " + judged + " | " + value.map(format::apply).orElse("missing") + " | " + first + " | "
        + (first.isEmpty() ? "" : met(value.map(firstMet::test))) + " | " + heading + " | " + met(value.map(headingMet::test)) + " |");
  }

  /** Issue 12's targets, stated for 10,000 Services and judged at the size the scale step ran. */
  private void scaleTargets() {
    Optional<Scale> sc = r.scale();
    String at = sc.map(s -> String.format(Locale.ROOT, ", at %,d Services", s.services())).orElse("");
    Optional<ScaleProcess> worstCpu = sc.flatMap(s -> s.speakers().stream()
        .max(Comparator.comparingDouble(ScaleProcess::perServiceMs)));
    targetRow("scale: speaker CPU per Service event", "the busier speaker: CPU in the burst ÷ Services" + at,
        worstCpu.map(p -> String.format(Locale.ROOT, "%.2f ms", p.perServiceMs())), "≤ 1 ms", worstCpu.map(p -> p.perServiceMs() <= 1));
    Optional<Scale> announced = sc.filter(s -> s.burst().addressedMs() != null && s.burst().announcedMs() != null);
    targetRow("scale: every Service announced once they have addresses", "last announced − last addressed" + at,
        announced.map(s -> ms(s.burst().announcedMs() - s.burst().addressedMs())
            + (s.everyAnnounced() ? "" : String.format(Locale.ROOT, " (only %,d announced)", s.burst().announced()))),
        "≤ 30 s", announced.map(s -> s.everyAnnounced() && s.burst().announcedMs() - s.burst().addressedMs() <= 30_000));
    Optional<long[]> created = sc.filter(s -> !s.newService().isEmpty())
        .map(s -> s.newService().stream().mapToLong(Creation::okMs).toArray());
    targetRow("scale: new Service to first successful request, the others present", "p50" + at, created.map(v -> ms(p50(v))),
        "≤ 500 ms", created.map(v -> p50(v) <= 500));
    Optional<ScaleFailover> failover = sc.flatMap(Scale::failover);
    targetRow("scale: mass failover, every IPv4 address of the killed speaker's node moved", "max over "
        + failover.map(f -> "its " + f.ipv4() + " addresses").orElse("its addresses") + ", client's neighbour entry" + at,
        failover.map(f -> f.movedMs().length == 0 ? "none moved" : ms(Percentiles.of(f.movedMs(), 100))
            + (f.movedMs().length < f.ipv4() ? " (" + (f.ipv4() - f.movedMs().length) + " never moved)" : "")),
        "≤ 1 s", failover.map(f -> f.movedMs().length > 0 && f.movedMs().length >= f.ipv4() && Percentiles.of(f.movedMs(), 100) <= 1000));
    Optional<Long> rss = sc.flatMap(s -> s.speakers().stream().map(ScaleProcess::rssKiB).max(Long::compare));
    targetRow("scale: speaker resident memory, every Service present", "the larger speaker's VmRSS after the burst" + at,
        rss.map(BenchReport::mib), "≤ 150 MiB", rss.map(k -> k <= 150 * 1024));
  }

  /** A row with a target to head for only (no first milestone). */
  private void targetRow(String what, String judged, Optional<String> measured, String heading, Optional<Boolean> ok) {
    line("| " + what + " | " + judged + " | " + measured.orElse("missing") + " |  |  | " + heading + " | " + met(ok) + " |");
  }

  private static String met(Optional<Boolean> ok) {
    return ok.map(b -> b ? "met" : "**not met**").orElse("—");
  }

  private Optional<long[]> ironlbValues(Figure f) {
    return r.failover("ironlb", f.mode()).map(f::values).filter(v -> v.length > 0);
  }

  // ---- failover

  private void failover() throws IOException {
    line("## Failover");
    line();
    if (r.failover().isEmpty()) {
      line(missing("failover"));
      line();
      return;
    }
    line("`ironlb lab failover` on a lab of its own (`bench/failover/run`): a client in the lab's client namespace opens a new "
        + "HTTP connection to the VIP every 10 ms while the announcing node fails, and the same faults are made to keepalived "
        + "on the same lab. *Neighbour entry moved*: from the fault until the client's ARP entry for the VIP names the new node "
        + "(after a `kill -9` the old node still forwards, so this is the figure). *Client outage*: the longest wait between two "
        + "answers across the fault (after a cut this is the figure).");
    line();
    for (Figure fig : FIGURES) {
      line("### " + capital(fig.fault()) + ": " + fig.what());
      line();
      line("| target | trials | failed | p50 | p90 | max | IronLB ÷ target (p50 · p90 · max) |");
      line("| --- | --- | --- | --- | --- | --- | --- |");
      Optional<long[]> ours = r.failover("ironlb", fig.mode()).map(fig::values).filter(v -> v.length > 0);
      Map<String, long[]> spread = new LinkedHashMap<>();
      List<String> comparisons = new ArrayList<>();
      for (Target t : TARGETS) {
        Optional<Failover> f = r.failover(t.id(), fig.mode());
        if (f.isEmpty()) {
          line("| " + t.label() + " | **missing** | | | | | |");
          continue;
        }
        long[] v = fig.values(f.get());
        long failed = f.get().trials().stream().filter(x -> x.error() != null).count();
        spread.put(t.shortLabel(), v);
        String ratios = "—";
        if (!t.id().equals("ironlb") && ours.isPresent() && v.length > 0) {
          long[] o = ours.get();
          ratios = ratio(p50(o), p50(v)) + " · " + ratio(Percentiles.of(o, 90), Percentiles.of(v, 90)) + " · "
              + ratio(Percentiles.of(o, 100), Percentiles.of(v, 100));
          comparisons.add(compare(p50(o), p50(v), t));
        }
        line("| " + t.label() + " | " + f.get().trials().size() + " | " + failed + " | " + (v.length == 0 ? "no successful trial | | |"
            : ms(p50(v)) + " | " + ms(Percentiles.of(v, 90)) + " | " + ms(Percentiles.of(v, 100))) + " | " + ratios + " |");
      }
      line();
      if (ours.isEmpty()) {
        line("No IronLB figure, so no ratio.");
        line();
      } else if (!comparisons.isEmpty()) {
        line(String.join(" ", comparisons));
        line();
      }
      if (spread.values().stream().anyMatch(v -> v.length > 0)) {
        BenchPlots.spread(plots.resolve(fig.plot()), capital(fig.fault()) + ": " + fig.what(), fig.what() + ", ms", spread);
        written.add(fig.plot());
        line("![" + fig.mode() + ": " + fig.what() + " per target](" + plotLink + "/" + fig.plot() + ")");
        line();
      }
      if (fig.mode().equals("cut")) {
        timelines();
      }
      if (fig.mode().equals("flap-lan")) {
        flapDetails();
      }
    }
    creation();
  }

  /** IronLB's p50 against one keepalived target's, said plainly whichever way it goes. */
  static String compare(long ours, long theirs, Target t) {
    if (theirs == 0) {
      return "";
    }
    String r = ratio(ours, theirs);
    if (ours < theirs) {
      return "IronLB's p50 is " + r + " of " + t.shortLabel() + "'s (IronLB is faster).";
    }
    if (ours > theirs) {
      return "IronLB's p50 is " + r + " of " + t.shortLabel() + "'s: **keepalived " + t.shortLabel() + " is faster on this fault.**";
    }
    return "IronLB's p50 equals " + t.shortLabel() + "'s.";
  }

  private void timelines() throws IOException {
    for (Target t : TARGETS) {
      Optional<Failover> f = r.failover(t.id(), "cut");
      if (f.isEmpty()) {
        continue;
      }
      if (f.get().timeline() == null || f.get().timeline().requests().isEmpty()) {
        line(t.label() + ": no timeline recorded.");
        line();
        continue;
      }
      String name = "timeline-cut-" + t.id() + ".png";
      BenchPlots.timeline(plots.resolve(name), t.label() + ": links cut, trial " + f.get().timeline().trial(), f.get().timeline());
      written.add(name);
      line("![" + t.label() + ": requests around a cut, coloured by answering node](" + plotLink + "/" + name + ")");
      line();
    }
  }

  /** A flap trial's other figures: the first cut, heal to one view, heal to the client back on the home node. */
  private void flapDetails() {
    line("Each flap trial cuts the announcing node's LAN link, waits for the takeover, heals it, and cuts it again 1, 1.5, 2, 2.5 or 3 s"
        + " after the heal (in turn; later, up to 3 s, if the client is not back on that node yet); the table above is the second cut's. *Heal to one view*: until every speaker's membership view"
        + " held every node again (from their logs; only IronLB has one). *Heal to client back*: until the client's neighbour entry"
        + " named the home node again.");
    line();
    line("| target | first cut's outage p50 | heal to one view p50 | p90 | max | heal to client back p50 | p90 | max |");
    line("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (Target t : TARGETS) {
      Optional<Failover> f = r.failover(t.id(), "flap-lan");
      if (f.isEmpty()) {
        continue;
      }
      List<BenchResults.Flap> flaps = f.get().trials().stream().filter(x -> x.error() == null && x.flap() != null).map(Trial::flap).toList();
      if (flaps.isEmpty()) {
        line("| " + t.label() + " | no successful trial | | | | | | |");
        continue;
      }
      long[] first = flaps.stream().mapToLong(BenchResults.Flap::firstOutageMs).toArray();
      long[] view = flaps.stream().filter(x -> x.viewMs() != null).mapToLong(BenchResults.Flap::viewMs).toArray();
      long[] back = flaps.stream().mapToLong(BenchResults.Flap::backMs).toArray();
      line("| " + t.label() + " | " + ms(p50(first)) + " | " + (view.length == 0 ? "— | — | —" : ms(p50(view)) + " | "
          + ms(Percentiles.of(view, 90)) + " | " + ms(Percentiles.of(view, 100))) + " | " + ms(p50(back)) + " | "
          + ms(Percentiles.of(back, 90)) + " | " + ms(Percentiles.of(back, 100)) + " |");
    }
    line();
  }

  private void creation() {
    line("### New Service: creation to EXTERNAL-IP and to first successful request");
    line();
    List<Failover> withCreation = r.failover().stream().filter(f -> f.mode().equals("create") && !f.creation().isEmpty()).toList();
    if (withCreation.isEmpty()) {
      line(r.failover("ironlb", "create").isPresent() ? "The create run recorded no creation." : "**Missing**: no create result.");
      line();
      return;
    }
    line("| target | services | EXTERNAL-IP p50 | p90 | max | first answer p50 | p90 | max |");
    line("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (Failover f : withCreation) {
      long[] ip = f.creation().stream().mapToLong(Creation::ipMs).toArray();
      long[] ok = f.creation().stream().mapToLong(Creation::okMs).toArray();
      line("| " + label(f.target()) + " | " + f.creation().size() + " | " + ms(p50(ip)) + " | " + ms(Percentiles.of(ip, 90)) + " | "
          + ms(Percentiles.of(ip, 100)) + " | " + ms(p50(ok)) + " | " + ms(Percentiles.of(ok, 90)) + " | " + ms(Percentiles.of(ok, 100)) + " |");
    }
    line();
  }

  // ---- soak and scaling

  private void soak() {
    line("## Soak: nothing moves under stress");
    line();
    if (r.soak().isEmpty()) {
      line(missing("soak"));
      line();
      return;
    }
    BenchResults.Soak so = r.soak().get();
    line("`bench/soak/run`: a lab of its own is left alone but stressed, " + fmt(so.minutes()) + " min per phase, while a client asks every"
        + " Service address every 10 ms (1 s timeout each). *cpu*: a busy thread per CPU, and an allocation-pressure agent in every"
        + " speaker (" + so.allocation().get("mbPerSecond") + " MB/s, the last " + so.allocation().get("retainMb") + " MB kept), GC pauses"
        + " logged. *lossy*: " + so.lossPercent() + "% of every frame each LAN host sends is dropped at the switch"
        + (so.delayMs() == 0 ? "" : " and every one waits " + so.delayMs() + " ± " + so.jitterMs() + " ms") + "; " + so.lossNote() + "."
        + " Speakers' heartbeat timeout: " + so.heartbeatTimeout() + ". Counted from the phase's start to its end: membership view"
        + " changes and address moves (every speaker's log), the client's neighbour entry changing MAC, failed requests, the longest"
        + " wait between two answers, suspicions raised and how many were withdrawn (a live member heard again), heartbeats that went"
        + " out more than half the timeout late, GC pauses.");
    line();
    line("| nodes | stress | load average (start → end) | requests | failed | longest gap | view changes | address moves | neighbour moves "
        + "| suspicions (withdrawn) | late heartbeats | GC pauses (full, max, > 50 ms) | speaker CPU |");
    line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (BenchResults.SoakRun x : so.runs()) {
      Map<String, Object> gc = x.gcPauses();
      line("| " + x.nodes() + " | " + x.stress() + " | " + loadAverage(x.loadStart()) + " → " + loadAverage(x.loadEnd()) + " | "
          + String.format(Locale.ROOT, "%,d", x.requests()) + " | " + String.format(Locale.ROOT, "%,d", x.failedRequests()) + " | "
          + ms(x.longestGapMs()) + " | " + bold(x.viewChanges()) + " | " + bold(x.addressMoves()) + " | " + x.neighbourChanges() + " | "
          + x.suspicions() + " (" + x.withdrawnSuspicions() + ") | " + x.lateHeartbeats() + " | " + gc.get("count") + " (" + gc.get("full")
          + ", " + gc.get("maxMs") + " ms, " + gc.get("over50Ms") + ") | " + percents(x.speakerCpuPercent()) + " |");
    }
    line();
    if (so.runs().stream().anyMatch(x -> !x.keepalived().isEmpty())) {
      line("The yardstick: keepalived VRRPv3 (`advert_int 0.1`) ran beside IronLB through every phase, on the same nodes, on a VIP of"
          + " its own that the same client asked every 10 ms. Its takeovers (a keepalived entering MASTER state) are its false"
          + " failovers.");
      line();
      line("| nodes | stress | keepalived takeovers | requests | failed | longest gap | neighbour moves |");
      line("| --- | --- | --- | --- | --- | --- | --- |");
      for (BenchResults.SoakRun x : so.runs()) {
        Map<String, Object> k = x.keepalived();
        if (!k.isEmpty()) {
          line("| " + x.nodes() + " | " + x.stress() + " | " + bold(((Number) k.get("masterChanges")).longValue()) + " | "
              + String.format(Locale.ROOT, "%,d", ((Number) k.get("requests")).longValue()) + " | "
              + String.format(Locale.ROOT, "%,d", ((Number) k.get("failedRequests")).longValue()) + " | "
              + ms(((Number) k.get("longestGapMs")).longValue()) + " | " + k.get("neighbourChanges") + " |");
        }
      }
      line();
    }
    if (so.runs().stream().anyMatch(x -> !x.machineStalls().isEmpty())) {
      line("The machine's own stalls (bench `StallProbe`): a process of its own whose one real-time thread, as the heartbeat thread is,"
          + " wakes every 10 ms and allocates nothing. When it wakes late, nothing busier held it back: the machine did not run it."
          + " A heartbeat cannot go out on time through such a stall, so view changes count against IronLB beyond these.");
      line();
      line("| nodes | stress | wake-ups | later than 50 ms | later than 150 ms (the heartbeat timeout) | latest |");
      line("| --- | --- | --- | --- | --- | --- |");
      for (BenchResults.SoakRun x : so.runs()) {
        Map<String, Object> m = x.machineStalls();
        if (!m.isEmpty()) {
          line("| " + x.nodes() + " | " + x.stress() + " | " + String.format(Locale.ROOT, "%,d", ((Number) m.get("wakeUps")).longValue())
              + " | " + m.get("over50Ms") + " | " + bold(((Number) m.get("over150Ms")).longValue()) + " | " + m.get("maxMs") + " ms |");
        }
      }
      line();
    }
    line("Under loss, failed requests are the loss's own: a dropped SYN is sent again after 1 s, past the client's timeout.");
    line();
    idleTable(so.idle());
    for (String e : so.errors()) {
      line("- not measured: " + e);
    }
    if (!so.errors().isEmpty()) {
      line();
    }
  }

  private void idleTable(List<BenchResults.SoakIdle> idle) {
    if (idle.isEmpty()) {
      return;
    }
    line("Idle cost of the membership timings: each speaker's CPU over the idle period, and the heartbeat frames each node sent per"
        + " second (UDP to the membership port, counted at its switch port).");
    line();
    line("| nodes | idle for | load average | speaker CPU, per speaker | heartbeat frames/s sent, per node | cluster-wide frames/s |");
    line("| --- | --- | --- | --- | --- | --- |");
    for (BenchResults.SoakIdle i : idle) {
      double total = i.heartbeatFramesPerSecond().values().stream().mapToDouble(Double::doubleValue).sum();
      line("| " + i.nodes() + " | " + i.seconds() + " s | " + loadAverage(i.loadAverage()) + " | " + range(i.speakerCpuPercent(), "%") + " | "
          + range(i.heartbeatFramesPerSecond(), "") + " | " + String.format(Locale.ROOT, "%,.0f", total) + " |");
    }
    line();
  }

  private void scaling() {
    line("## More nodes");
    line();
    if (r.scaling().isEmpty() && r.failover().stream().noneMatch(f -> f.nodes() > 2)) {
      line(missing("scaling"));
      line();
      return;
    }
    line("`bench/scaling/run`: labs of more nodes (the seed's two plus workers), their idle cost and a few failovers each. The scaling"
        + " law and the plan past 100 nodes are in [docs/scaling.md](scaling.md).");
    line();
    r.scaling().ifPresent(sc -> idleTable(sc.idle()));
    List<Integer> sizes = r.failover().stream().filter(f -> f.target().equals("ironlb") && f.nodes() > 2).map(Failover::nodes).distinct()
        .sorted().toList();
    if (!sizes.isEmpty()) {
      line("| nodes | kill -9: neighbour moved p50 | max | all links cut: client outage p50 | max | trials |");
      line("| --- | --- | --- | --- | --- | --- |");
      for (int n : sizes) {
        Optional<long[]> kill = r.failover("ironlb", "kill", n).map(FIGURES.get(0)::values).filter(v -> v.length > 0);
        Optional<long[]> cut = r.failover("ironlb", "cut", n).map(FIGURES.get(1)::values).filter(v -> v.length > 0);
        line("| " + n + " | " + kill.map(v -> ms(p50(v)) + " | " + ms(Percentiles.of(v, 100))).orElse("— | —") + " | "
            + cut.map(v -> ms(p50(v)) + " | " + ms(Percentiles.of(v, 100))).orElse("— | —") + " | "
            + kill.map(v -> v.length).orElse(0) + " + " + cut.map(v -> v.length).orElse(0) + " |");
      }
      line();
    }
  }

  // ---- scale

  private void scale() {
    line("## Scale: a burst of Services");
    line();
    if (r.scale().isEmpty()) {
      line(missing("scale"));
      line();
      return;
    }
    Scale sc = r.scale().get();
    Map<String, String> load = sc.load();
    line(String.format(Locale.ROOT, "`bench/scale/run` on a two-node lab of its own: %,d LoadBalancer Services, each with an EndpointSlice "
        + "naming a node (%,d of them IPv4, the rest IPv6), created in one burst by %d writers at once on %d CPUs. Issue 12's targets are "
        + "for 10,000 Services. %s Load average at the start %s, at the burst %s, once all were announced %s, before the new Services %s, "
        + "before the failover %s, at the end %s.", sc.services(), sc.ipv4(), sc.writers(), sc.cpus(),
        sc.labJvmFlags().isBlank() ? "The controller and speakers ran with the deployed JVM flags."
            : "The controller and speakers ran with the deployed JVM flags and `" + sc.labJvmFlags() + "` after them (`IRONLB_LAB_JVM_FLAGS`: "
                + "a speaker with the deployed 128 MiB heap holds about 7,000 Services, docs/configuration.md, \"Many Services\").",
        loadAt(load, "start"), loadAt(load, "burst"), loadAt(load, "announced"), loadAt(load, "newService"), loadAt(load, "failover"),
        loadAt(load, "end")));
    line();
    BenchResults.ScaleBurst b = sc.burst();
    line("From the burst's start:");
    line();
    line(String.format(Locale.ROOT, "- the API server took the %,d objects (a Service and an EndpointSlice each) in %s; %,d Services "
        + "failed;", 2 * sc.services(), ms(b.createMs()), b.createFailed()));
    line(String.format(Locale.ROOT, "- with an EXTERNAL-IP: %,d of %,d Services, the last after %s;", b.addressed(), sc.services(),
        b.addressedMs() == null ? "—" : ms(b.addressedMs())));
    line(String.format(Locale.ROOT, "- announced (a ServiceL2Status each): %,d of %,d, the last after %s%s;", b.announced(), sc.services(),
        b.announcedMs() == null ? "—" : ms(b.announcedMs()),
        b.addressedMs() == null || b.announcedMs() == null ? "" : ", " + ms(b.announcedMs() - b.addressedMs()) + " after the last address"));
    line("- per Service, from its address to its announcement: p50 " + ms(b.addressedToAnnouncedP50Ms()) + ", max "
        + ms(b.addressedToAnnouncedMaxMs()) + ".");
    line();
    processTable(sc);
    newServices(sc);
    sc.failover().ifPresentOrElse(this::massFailover, () -> {
      line("Mass failover: not measured.");
      line();
    });
    for (String e : sc.errors()) {
      line("- not measured: " + e);
    }
    if (!sc.errors().isEmpty()) {
      line();
    }
  }

  private void processTable(Scale sc) {
    double seconds = sc.processes().stream().mapToDouble(ScaleProcess::burstSeconds).max().orElse(0);
    line(String.format(Locale.ROOT, "Per process (`apiserver` is the lab's stand-in for the Kubernetes API server). *Burst*: CPU "
        + "(utime+stime from `/proc`) from just before the burst until every Service was announced (%.1f s); *per Service*: that ÷ "
        + "%,d. *Idle*: %% of a core before the burst, nothing to do; *steady*: after it, every Service present. *Resident*: VmRSS "
        + "after the steady period; *peak*: VmHWM. Thread names as `/proc` cuts them (15 characters).", seconds, sc.services()));
    line();
    line("| process | node | burst CPU | per Service | idle CPU | steady CPU | resident | peak | busiest threads in the burst (CPU ms) |");
    line("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (ScaleProcess p : sc.processes()) {
      line(String.format(Locale.ROOT, "| %s | %s | %.1f s | %.2f ms | %.1f %% | %.1f %% | %s | %s | %s |", p.process(),
          p.node() == null ? "" : p.node(), p.burstCpuMs() / 1000.0, p.perServiceMs(), p.idleCpuPercent(), p.steadyCpuPercent(),
          mib(p.rssKiB()), mib(p.peakKiB()), p.threads().entrySet().stream()
              .map(e -> String.format(Locale.ROOT, "`%s` %,d", e.getKey(), e.getValue())).collect(Collectors.joining(", "))));
    }
    line();
  }

  private void newServices(Scale sc) {
    if (sc.newService().isEmpty()) {
      line("New Service among the others: not measured.");
      line();
      return;
    }
    long[] ip = sc.newService().stream().mapToLong(Creation::ipMs).toArray();
    long[] ok = sc.newService().stream().mapToLong(Creation::okMs).toArray();
    line(String.format(Locale.ROOT, "A new Service with the %,d present, one at a time: from its creation to its EXTERNAL-IP and to the "
        + "first successful HTTP request from the client namespace.", sc.services()));
    line();
    long[] neighbour = sc.newServiceNeighbourMs();
    line("| trials | EXTERNAL-IP p50 | max | client's neighbour entry p50 | max | first answer p50 | max |");
    line("| --- | --- | --- | --- | --- | --- | --- |");
    line("| " + ip.length + " | " + ms(p50(ip)) + " | " + ms(Percentiles.of(ip, 100)) + " | "
        + (neighbour.length == 0 ? "— | —" : ms(p50(neighbour)) + " | " + ms(Percentiles.of(neighbour, 100))) + " | " + ms(p50(ok)) + " | "
        + ms(Percentiles.of(ok, 100)) + " |");
    line();
    if (neighbour.length > 0) {
      line("The neighbour entry is IronLB's part (probe, announcement); the first answer also waits for the lab's kube-proxy stand-in, "
          + "which reloads its rules for every Service when one changes.");
      line();
    }
  }

  private void massFailover(ScaleFailover f) {
    line(String.format(Locale.ROOT, "Mass failover: `kill -9` of the speaker on %s, which announced %,d addresses (%,d IPv4); %s took "
        + "over. The client held a neighbour entry for each IPv4 address; ms from the kill:", f.node(), f.addresses(), f.ipv4(),
        f.survivor()));
    line();
    line("| what | addresses | p50 | max |");
    line("| --- | --- | --- | --- |");
    spreadRow("IPv4 neighbour entry moved to the survivor", f.movedMs(), f.ipv4());
    spreadRow("survivor's first gratuitous frame, IPv4", f.firstFrameIpv4Ms(), f.ipv4());
    spreadRow("survivor's first gratuitous frame, IPv6", f.firstFrameIpv6Ms(), f.addresses() - f.ipv4());
    line();
    line(String.format(Locale.ROOT, "The survivor sent %,d gratuitous frames about them in %.1f s: %,.0f per second on average, %,d in "
        + "the busiest second.", f.frames(), f.framesSeconds(), f.framesPerSecond(), f.peakFramesPerSecond()));
    line();
  }

  private void spreadRow(String what, long[] ms, int of) {
    line(String.format(Locale.ROOT, "| %s | %,d of %,d | %s |", what, ms.length, of,
        ms.length == 0 ? "— | —" : ms(p50(ms)) + " | " + ms(Percentiles.of(ms, 100))));
  }

  private static String loadAt(Map<String, String> load, String phase) {
    return load.containsKey(phase) ? loadAverage(load.get(phase)) : "?";
  }

  private static String bold(long n) {
    return n == 0 ? "0" : "**" + n + "**";
  }

  private static String percents(Map<String, Double> byNode) {
    return range(byNode, "%");
  }

  /** "min-max unit" over the nodes' figures ("3.1-3.4 %"), or the one figure. */
  private static String range(Map<String, Double> byNode, String unit) {
    if (byNode.isEmpty()) {
      return "—";
    }
    double lo = byNode.values().stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double hi = byNode.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    String u = unit.isEmpty() ? "" : " " + unit;
    return lo == hi ? fmt(lo) + u : fmt(lo) + "-" + fmt(hi) + u;
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }

  // ---- ARP

  private void arp() {
    line("## ARP reply latency");
    line();
    if (r.arp().isEmpty()) {
      line(missing("arp"));
      line();
      return;
    }
    BenchResults.Arp a = r.arp().get();
    line("`bench/arp/run`: a client namespace asks over a bridge, one request at a time, " + a.requestsPerSeries()
        + " per series, IronLB's responder and the kernel (answering for an address it owns) interleaved in slices; load average "
        + loadAverage(a.loadAverage()) + ".");
    line();
    line("| series | answered | p50 | p90 | p99 | p99.9 | max |");
    line("| --- | --- | --- | --- | --- | --- | --- |");
    arpRow("kernel", a.kernelNs());
    arpRow("IronLB", a.ironlbNs());
    if (a.flood() != null) {
      arpRow("IronLB under flood (legit client)", a.flood().legitNs());
    }
    line();
    long[] k = answered(a.kernelNs());
    long[] o = answered(a.ironlbNs());
    if (k.length > 0 && o.length > 0) {
      line("IronLB answers in " + ratio(p50(o), p50(k)) + " the kernel's time at p50 and " + ratio(Percentiles.of(o, 99), Percentiles.of(k, 99))
          + " at p99.");
      line();
    }
    if (a.flood() != null) {
      BenchResults.Flood f = a.flood();
      line(String.format(Locale.ROOT, "Flood: one MAC offered %,d requests/s for %d s (paced at %s); the responder took in %,d/s, "
              + "rate-limited %,d, its receive thread used %.0f%% of one core (%.2f µs per request); the legit client was answered "
              + "%d of %d times.", f.offeredPerSecond(), f.seconds(), f.rateLimit() == 0 ? "unpaced" : String.format(Locale.ROOT, "%,d/s",
              f.rateLimit()), f.takenInPerSecond(), f.rateLimited(), f.receiveCpuPercentOfCore(), f.microsPerRequest(),
          answered(f.legitNs()).length, f.legitNs().length));
      line();
    }
    if (a.sparse() != null) {
      BenchResults.SparseArp sp = a.sparse();
      line("### Sparse requests, as clients ask");
      line();
      line("`bench/arp/run`, second part (`SparseArpBench`), on a lab of its own: the lab's client asks for " + sp.vip() + " (answered by "
          + sp.node() + "'s speaker, a real speaker process with the deployed JVM flags) and for " + sp.node() + "'s own LAN address "
          + "(answered by its kernel), in turn, one request every 10-20 ms, " + sp.requests() + " each; both answers leave the same "
          + "node over the same link. Load average " + loadAverage(sp.loadAverage()) + ".");
      line();
      line("| series | answered | p50 | p90 | p99 | p99.9 | max |");
      line("| --- | --- | --- | --- | --- | --- | --- |");
      arpRow("kernel (node address), sparse", sp.kernelNs());
      arpRow("IronLB speaker (VIP), sparse", sp.ironlbNs());
      line();
      long[] sk = answered(sp.kernelNs());
      long[] so = answered(sp.ironlbNs());
      if (sk.length > 0 && so.length > 0) {
        line("The speaker answers in " + ratio(p50(so), p50(sk)) + " the kernel's time at p50 and " + ratio(Percentiles.of(so, 99),
            Percentiles.of(sk, 99)) + " at p99 (target: within 1.5×).");
        line();
      }
    }
    if (!a.drops().isEmpty()) {
      line("Frames not answered over the whole run, by reason: " + a.drops().entrySet().stream().map(e -> "`" + e.getKey() + "` " + e.getValue())
          .collect(Collectors.joining(", ")) + ".");
      line();
    }
  }

  private void arpRow(String what, long[] ns) {
    long[] ok = answered(ns);
    if (ok.length == 0) {
      line("| " + what + " | 0/" + ns.length + " | | | | | |");
      return;
    }
    line("| " + what + " | " + ok.length + "/" + ns.length + " | " + micros(p50(ok)) + " | " + micros(Percentiles.of(ok, 90)) + " | "
        + micros(Percentiles.of(ok, 99)) + " | " + micros(Percentiles.of(ok, 99.9)) + " | " + micros(Percentiles.of(ok, 100)) + " |");
  }

  private static long[] answered(long[] ns) {
    return Arrays.stream(ns).filter(x -> x >= 0).toArray();
  }

  // ---- allocator

  private void allocator() {
    line("## Allocator");
    line();
    if (r.allocator().isEmpty()) {
      line(missing("allocator"));
      line();
      return;
    }
    line("`bench/allocator/run`: N services over 10 pools (IPv4, IPv6, dual-stack, sharing), then a rebuild of all N from their "
        + "status into a fresh allocator, as after a restart: with `restore()` (the controller's path) and with `assign()` alone. "
        + "Times over the repetitions after warm-up.");
    line();
    line("| services | allocate p50 | p90 | max | rebuild, restore() p50 | p90 | max | rebuild, assign() p50 | failed | address changes on rebuild |");
    line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (AllocatorRun a : r.allocator().get().runs()) {
      line(String.format(Locale.ROOT, "| %,d | %s | %s | %s | %s | %s | %s | %s | %,d | %s |", a.services(), millis(p50(a.allocateMicros())),
          millis(Percentiles.of(a.allocateMicros(), 90)), millis(Percentiles.of(a.allocateMicros(), 100)), millis(p50(a.rebuildRestoreMicros())),
          millis(Percentiles.of(a.rebuildRestoreMicros(), 90)), millis(Percentiles.of(a.rebuildRestoreMicros(), 100)),
          millis(p50(a.rebuildAssignMicros())), a.failed(), a.addressChanges() == 0 ? "0 (none)" : "**" + a.addressChanges() + "**"));
    }
    line();
  }

  private Optional<AllocatorRun> allocatorRun(int n) {
    return r.allocator().flatMap(a -> a.runs().stream().filter(x -> x.services() == n).findFirst());
  }

  // ---- footprint

  /** NMT's categories as the breakdown table names them, in order. */
  static final List<Map.Entry<String, String>> PARTS = List.of(
      Map.entry("heap", "heap (resident pages)"),
      Map.entry("heapUsed", "… of which live or not yet collected"),
      Map.entry("metaspace", "metaspace (class metadata)"),
      Map.entry("classSpace", "class space"),
      Map.entry("cds", "CDS archive (JDK classes, mapped)"),
      Map.entry("codeCache", "code cache (JIT)"),
      Map.entry("threads", "thread stacks"),
      Map.entry("gc", "GC"),
      Map.entry("symbols", "symbols"),
      Map.entry("otherNative", "other native (malloc)"),
      Map.entry("nmtOverhead", "NMT's own bookkeeping"),
      Map.entry("notTracked", "not tracked by NMT (JVM and libc code, malloc slack)"));

  private void footprint() {
    line("## Footprint");
    line();
    if (r.footprint().isEmpty()) {
      line(missing("footprint"));
      line();
      return;
    }
    BenchResults.Footprint f = r.footprint().get();
    line("`bench/footprint/run`: the controller and speakers as `ironlb lab up` runs them (the manifests' JVM flags), " + f.labs() + (f.labs() == 1 ? " lab" : " labs") + " of "
        + f.nodes() + " nodes, next to MetalLB's example limit (`memory: " + f.limitMiB() + "Mi`, `cpu: 100m`). *Ready*: from the "
        + "process's start (`/proc/PID/stat`) until its readiness probe (`/-/ready`, asked from the node's namespace) first answers 200 "
        + "(the controller: its `controllerReady` log line). *Resident*: `VmRSS` after " + f.settleSeconds() + " s without work (anonymous "
        + "and file-backed pages beside), *peak*: `VmHWM`. *At lab up* every process starts at once; *restart* is a speaker killed and "
        + "started again while the rest runs (" + f.restartsPerNode() + " per speaker per lab); *with Services* is after "
        + String.format(Locale.ROOT, "%,d", f.services()) + " LoadBalancer Services, each with a ready endpoint, were created and every "
        + "one was announced."
        + (f.baseline().isPresent() ? " *Before*: the same benchmark on the code and flags before this round of cuts." : ""));
    line();
    memoryTable(f);
    footprintTargets(f);
    breakdown(f);
    idleCpu(f);
    startupSteps(f);
    for (BenchResults.ServicesRun run : f.servicesRuns()) {
      line(String.format(Locale.ROOT, "- lab %d: %,d of %,d Services announced ", run.lab(), run.announced(), run.services()) + ms(run.announcedMs())
          + " after the first was created.");
    }
    if (!f.servicesRuns().isEmpty()) {
      line();
    }
    if (!f.jvmFlags().isEmpty()) {
      line("JVM flags (the lab starts the controller and speaker with `deploy/default`'s, kept equal by `LabJvmFlagsTest`): "
          + flags(f) + (f.baseline().filter(b -> !b.jvmFlags().isEmpty()).map(b -> ". Before: " + flags(b)).orElse("")) + ".");
      line();
    }
    for (String e : f.errors()) {
      line("- not measured: " + e);
    }
    if (!f.errors().isEmpty()) {
      line();
    }
  }

  private static String flags(BenchResults.Footprint f) {
    return f.jvmFlags().entrySet().stream().map(e -> e.getKey() + " `" + withoutMachinePaths(e.getValue()) + "`")
        .collect(Collectors.joining("; "));
  }

  /** A file flag's value (the AOT cache) as a path in the repository, not on the machine that ran the benchmark. */
  static String withoutMachinePaths(String flags) {
    return flags.replaceAll("=/\\S*/(product/target/\\S+)", "=$1").replaceAll("=/\\S*/([^/\\s]+\\.aot)", "=$1");
  }

  private static final List<String> KINDS = List.of("labUp", "restart", "services");

  private static String kindLabel(String kind, int services) {
    return switch (kind) {
      case "labUp" -> "at lab up";
      case "restart" -> "restart";
      default -> String.format(Locale.ROOT, "with %,d Services", services);
    };
  }

  private void memoryTable(BenchResults.Footprint f) {
    line("| process | state | samples | ready p50 | ready max | resident p50 | resident max | anonymous p50 | peak max | vs " + f.limitMiB()
        + " MiB |");
    line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    memoryRows(f, "");
    f.baseline().ifPresent(b -> memoryRows(b, "before: "));
    line();
  }

  private void memoryRows(BenchResults.Footprint f, String label) {
    for (String process : List.of("controller", "speaker")) {
      for (String kind : KINDS) {
        List<FootprintSample> s = f.headline().stream().filter(x -> x.process().equals(process) && x.kind().equals(kind)).toList();
        if (s.isEmpty()) {
          continue;
        }
        long[] ready = s.stream().mapToLong(FootprintSample::readyMs).filter(v -> v >= 0).toArray();
        long[] idle = s.stream().mapToLong(FootprintSample::rssIdleKiB).toArray();
        long[] anon = s.stream().mapToLong(FootprintSample::rssAnonKiB).toArray();
        long[] peak = s.stream().mapToLong(FootprintSample::rssPeakKiB).toArray();
        long worst = Percentiles.of(idle, 100);
        long limit = f.limitMiB() * 1024L;
        line("| " + label + process + " | " + kindLabel(kind, f.services()) + " | " + s.size() + " | "
            + (ready.length == 0 ? "—" : ms(p50(ready))) + " | " + (ready.length == 0 ? "—" : ms(Percentiles.of(ready, 100))) + " | "
            + mib(p50(idle)) + " | " + mib(worst) + " | " + (Arrays.stream(anon).allMatch(v -> v == 0) ? "—" : mib(p50(anon))) + " | "
            + mib(Percentiles.of(peak, 100)) + " | " + (worst <= limit ? "within" : "**" + mib(worst - limit) + " over**") + " |");
      }
    }
  }

  private void footprintTargets(BenchResults.Footprint f) {
    List<FootprintSample> h = f.headline();
    long limit = f.limitMiB() * 1024L;
    long[] speakerWith = h.stream().filter(s -> s.process().equals("speaker") && s.kind().equals("services"))
        .mapToLong(FootprintSample::rssIdleKiB).toArray();
    long[] controller = h.stream().filter(s -> s.process().equals("controller")).mapToLong(FootprintSample::rssIdleKiB).toArray();
    double[] cpu = f.cpu().stream().filter(c -> c.process().equals("speaker")).mapToDouble(BenchResults.CpuSample::percent).toArray();
    long[] ready = speakers(h, "restart").stream().mapToLong(FootprintSample::readyMs).filter(v -> v >= 0).toArray();
    line("| target (DESIGN.md §6, issue 16) | measured | met |");
    line("| --- | --- | --- |");
    line(String.format(Locale.ROOT, "| speaker resident ≤ %d MiB with %,d Services (every sample) | ", f.limitMiB(), f.services())
        + (speakerWith.length == 0 ? "missing | —" : "max " + mib(Percentiles.of(speakerWith, 100)) + " | "
        + met(Optional.of(Percentiles.of(speakerWith, 100) <= limit))) + " |");
    line("| controller resident ≤ " + f.limitMiB() + " MiB (every sample) | " + (controller.length == 0 ? "missing | —"
        : "max " + mib(Percentiles.of(controller, 100)) + " | " + met(Optional.of(Percentiles.of(controller, 100) <= limit))) + " |");
    line("| speaker idle CPU ≤ 0.5% of a core (every sample) | " + (cpu.length == 0 ? "missing | —"
        : String.format(Locale.ROOT, "max %.2f%%", Arrays.stream(cpu).max().orElse(0)) + " | "
        + met(Optional.of(Arrays.stream(cpu).max().orElse(0) <= 0.5))) + " |");
    line("| speaker ready ≤ 1 s after a restart (p50) | " + (ready.length == 0 ? "missing | —" : ms(p50(ready)) + " | "
        + met(Optional.of(p50(ready) <= 1000))) + " |");
    line();
  }

  /** Where the memory goes (NMT), p50 per part over the NMT samples of each process and state, before and now. */
  private void breakdown(BenchResults.Footprint f) {
    record Column(String title, List<FootprintSample> samples) {}
    List<Column> columns = new ArrayList<>();
    for (String process : List.of("speaker", "controller")) {
      for (String kind : List.of("labUp", "services")) {
        String title = process + " " + (kind.equals("labUp") ? "idle" : String.format(Locale.ROOT, "with %,d Services", f.services()));
        f.baseline().map(b -> nmtSamples(b, process, kind)).filter(l -> !l.isEmpty())
            .ifPresent(l -> columns.add(new Column(title + ", before", l)));
        List<FootprintSample> now = nmtSamples(f, process, kind);
        if (!now.isEmpty()) {
          columns.add(new Column(title, now));
        }
      }
    }
    if (columns.isEmpty()) {
      return;
    }
    line("Where the resident memory goes (MiB, p50 over the labs run with `-XX:NativeMemoryTracking=summary`, whose own bookkeeping "
        + "is a row of its own; the heap is the part of it that is resident):");
    line();
    line("| part | " + columns.stream().map(Column::title).collect(Collectors.joining(" | ")) + " |");
    line("|---" + " | ---".repeat(columns.size()) + " |");
    for (Map.Entry<String, String> part : PARTS) {
      if (columns.stream().noneMatch(c -> c.samples().stream().anyMatch(s -> s.breakdownKiB().containsKey(part.getKey())))) {
        continue;
      }
      line("| " + part.getValue() + " | " + columns.stream().map(c -> {
        long[] v = c.samples().stream().filter(s -> s.breakdownKiB().containsKey(part.getKey()))
            .mapToLong(s -> s.breakdownKiB().get(part.getKey())).toArray();
        return v.length == 0 ? "—" : String.format(Locale.ROOT, "%.1f", p50(v) / 1024.0);
      }).collect(Collectors.joining(" | ")) + " |");
    }
    line("| **resident (VmRSS)** | " + columns.stream().map(c -> String.format(Locale.ROOT, "**%.1f**",
        p50(c.samples().stream().mapToLong(FootprintSample::rssIdleKiB).toArray()) / 1024.0)).collect(Collectors.joining(" | ")) + " |");
    line();
  }

  private static List<FootprintSample> nmtSamples(BenchResults.Footprint f, String process, String kind) {
    return f.samples().stream().filter(s -> s.nmt() && s.process().equals(process) && s.kind().equals(kind) && !s.breakdownKiB().isEmpty())
        .toList();
  }

  static final List<Map.Entry<String, String>> CPU_GROUPS = List.of(
      Map.entry("membership", "membership"), Map.entry("dataPlane", "data plane"), Map.entry("speaker", "speaker worker"),
      Map.entry("kubernetesClient", "Kubernetes client"), Map.entry("metrics", "metrics"), Map.entry("jvm", "JVM (JIT, GC, VM threads)"),
      Map.entry("other", "other"));

  private void idleCpu(BenchResults.Footprint f) {
    if (f.cpu().isEmpty() && f.baseline().map(b -> b.cpu().isEmpty()).orElse(true)) {
      return;
    }
    line("Idle CPU over " + f.cpuSeconds() + " s (utime+stime of each thread from `/proc/PID/task`, grouped by thread name), % of a core "
        + "and wake-ups (context switches) per second:");
    line();
    line("| process | total | " + CPU_GROUPS.stream().map(Map.Entry::getValue).collect(Collectors.joining(" | ")) + " | load average |");
    line("|---|---" + " | ---".repeat(CPU_GROUPS.size() + 1) + " |");
    f.baseline().ifPresent(b -> b.cpu().forEach(c -> cpuRow(c, "before: ")));
    f.cpu().forEach(c -> cpuRow(c, ""));
    line();
    f.wakeFloor().ifPresent(w -> {
      line(String.format(Locale.ROOT, "The machine's floor (`WakeFloor`, before the labs): a thread that only waits 10 ms at a time, as the "
          + "heartbeat thread does between heartbeats, costs %.1f µs of CPU per wake-up, %.2f%% of a core at 100 a second; with a UDP "
          + "datagram sent and read back each time (one heartbeat out, one in), %.1f µs, %.2f%%. The speaker's idle CPU cannot go below "
          + "that at the default heartbeat interval (10 ms) on this machine.", w.timerWakeMicros(), w.percentAt100Hz(w.timerWakeMicros()),
          w.udpRoundMicros(), w.percentAt100Hz(w.udpRoundMicros())));
      line();
    });
  }

  private void cpuRow(BenchResults.CpuSample c, String label) {
    line("| " + label + c.process() + (c.node() == null ? "" : " " + c.node()) + String.format(Locale.ROOT, " | %.2f%%", c.percent())
        + CPU_GROUPS.stream().map(g -> {
          BenchResults.GroupCpu v = c.groups().get(g.getKey());
          return v == null ? " | —" : String.format(Locale.ROOT, " | %.2f%% (%.1f/s)", v.percent(), v.wakeupsPerSecond());
        }).collect(Collectors.joining()) + " | " + c.loadAverage() + " |");
  }

  private void startupSteps(BenchResults.Footprint f) {
    List<FootprintSample> restarts = speakers(f.headline(), "restart").stream().filter(s -> !s.startupMs().isEmpty()).toList();
    if (restarts.isEmpty()) {
      return;
    }
    List<String> steps = restarts.getFirst().startupMs().keySet().stream().toList();
    line("A restarted speaker's start-up, ms after the process started (p50 over " + restarts.size() + " restarts; the speaker logs these "
        + "in its `speakerReady` line; *ready* is the probe):");
    line();
    line("| " + String.join(" | ", steps) + " | ready |");
    line("|---" + " | ---".repeat(steps.size()) + " |");
    line("| " + steps.stream().map(step -> ms(p50(restarts.stream().filter(s -> s.startupMs().containsKey(step))
        .mapToLong(s -> s.startupMs().get(step)).toArray()))).collect(Collectors.joining(" | ")) + " | "
        + ms(p50(restarts.stream().mapToLong(FootprintSample::readyMs).toArray())) + " |");
    line();
  }

  private static List<FootprintSample> speakers(List<FootprintSample> samples, String kind) {
    return samples.stream().filter(s -> s.process().equals("speaker") && (kind == null || s.kind().equals(kind))).toList();
  }

  // ---- membership

  private void membership() {
    line("## Membership");
    line();
    if (r.membership().isEmpty()) {
      line(missing("membership"));
      line();
      return;
    }
    line("`bench/membership/run`: three member processes with the speaker's JVM settings.");
    line();
    for (BenchResults.MembershipTable t : r.membership().get().tables()) {
      line("**" + t.title() + "**");
      line();
      line("| ms | trials | p50 | p90 | max |");
      line("| --- | --- | --- | --- | --- |");
      for (BenchResults.MembershipRow row : t.rows()) {
        line("| " + row.what() + " | " + row.ms().length + " | " + (row.ms().length == 0 ? " | |" : p50(row.ms()) + " | "
            + Percentiles.of(row.ms(), 90) + " | " + Percentiles.of(row.ms(), 100)) + " |");
      }
      line();
    }
    for (Map<String, Object> l : r.membership().get().load()) {
      line("False suspicion under load: " + l.get("seconds") + " s with " + l.get("threads") + " busy threads on " + l.get("cpus")
          + " CPUs: " + l.get("viewChanges") + " view changes (want 0).");
      line();
    }
  }

  // ---- formatting

  /** {@code ours / theirs} as the report prints it: {@code 0.06×}, {@code 0.55×}, {@code 1.8×}, {@code 12×}. */
  static String ratio(long ours, long theirs) {
    if (theirs == 0) {
      return "n/a";
    }
    double x = (double) ours / theirs;
    if (x < 0.01) {
      return String.format(Locale.ROOT, "%.3f×", x);
    }
    if (x < 1) {
      return String.format(Locale.ROOT, "%.2f×", x);
    }
    if (x < 10) {
      return String.format(Locale.ROOT, "%.1f×", x);
    }
    return String.format(Locale.ROOT, "%.0f×", x);
  }

  static long p50(long[] v) {
    return Percentiles.of(v, 50);
  }

  static String ms(long ms) {
    return String.format(Locale.ROOT, "%,d ms", ms);
  }

  private static String millis(long micros) {
    return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
  }

  private static String micros(long ns) {
    return String.format(Locale.ROOT, "%.1f µs", ns / 1000.0);
  }

  private static String mib(long kib) {
    return String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
  }

  private static String duration(long seconds) {
    return seconds >= 60 ? String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60) : seconds + " s";
  }

  private static String label(String target) {
    return TARGETS.stream().filter(t -> t.id().equals(target)).map(Target::label).findFirst().orElse(target);
  }

  private static String capital(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** The 1, 5 and 15 minute figures of a {@code /proc/loadavg} line (the rest counts processes). */
  static String loadAverage(String loadavg) {
    return loadavg == null ? "?" : Arrays.stream(loadavg.strip().split("\\s+")).limit(3).collect(Collectors.joining(" "));
  }

  private static double firstNumber(String s) {
    try {
      return s == null ? 0 : Double.parseDouble(s.strip().split("\\s+")[0]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void line(String s) {
    md.append(s).append('\n');
  }

  private void line() {
    md.append('\n');
  }
}
