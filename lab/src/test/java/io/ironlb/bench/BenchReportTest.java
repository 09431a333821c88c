package io.ironlb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.bench.BenchReport.Figure;
import io.ironlb.bench.BenchReport.Target;
import io.ironlb.bench.BenchResults.Failover;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The benchmark report from small fixture results (src/test/resources/bench-fixture): expected
 * figures are computed from the fixture's numbers with {@link Percentiles}, so the test checks the
 * report's arithmetic and layout, not copied strings.
 */
class BenchReportTest {

  static final Path FIXTURE = Path.of("lab/src/test/resources/bench-fixture");

  @TempDir
  Path tmp;

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  private String report(Path results) throws IOException {
    Path out = tmp.resolve("docs/BENCHMARKS.md");
    BenchReport.write(results, out, tmp.resolve("docs/bench"));
    return Files.readString(out);
  }

  private static long[] values(Figure fig, String target) {
    return BenchResults.read(FIXTURE).failover(target, fig.mode()).map(fig::values).orElseThrow();
  }

  private static String section(String md, Figure fig) {
    String heading = "### " + Character.toUpperCase(fig.fault().charAt(0)) + fig.fault().substring(1) + ": " + fig.what();
    int start = md.indexOf(heading);
    assertThat(start).as("section %s", heading).isNotNegative();
    int end = md.indexOf("\n### ", start + 1);
    return md.substring(start, end < 0 ? md.length() : end);
  }

  @Test
  void jvmFlagsNameNoPathOfTheMachineThatRanTheBenchmark() {
    assertThat(BenchReport.withoutMachinePaths("-Xmx128m -XX:AOTCache=/home/me/ironlb/product/target/ironlb-speaker.aot -Xss512k"))
        .isEqualTo("-Xmx128m -XX:AOTCache=product/target/ironlb-speaker.aot -Xss512k");
    assertThat(BenchReport.withoutMachinePaths("-XX:AOTCache=/opt/ironlb/speaker.aot")).isEqualTo("-XX:AOTCache=speaker.aot");
    assertThat(BenchReport.withoutMachinePaths("-Xms16m -Xmx128m")).isEqualTo("-Xms16m -Xmx128m");
  }

  @Test
  void eachFaultHasATableOfPercentilesOverSuccessfulTrialsWithFailedTrialsCounted() throws IOException {
    String md = report(FIXTURE);
    for (Figure fig : BenchReport.FIGURES) {
      String section = section(md, fig);
      for (Target t : BenchReport.TARGETS) {
        Optional<Failover> f = BenchResults.read(FIXTURE).failover(t.id(), fig.mode());
        if (f.isEmpty()) {
          assertThat(section).contains("| " + t.label() + " | **missing** |");
          continue;
        }
        long[] v = fig.values(f.get());
        long failed = f.get().trials().stream().filter(x -> x.error() != null).count();
        assertThat(section).contains("| " + t.label() + " | " + f.get().trials().size() + " | " + failed + " | "
            + BenchReport.ms(Percentiles.of(v, 50)) + " | " + BenchReport.ms(Percentiles.of(v, 90)) + " | "
            + BenchReport.ms(Percentiles.of(v, 100)) + " |");
      }
    }
    // the fixture's IronLB kill run has one failed trial: counted, and its missing figures left out
    assertThat(BenchResults.read(FIXTURE).failover("ironlb", "kill").orElseThrow().trials()).anyMatch(t -> t.error() != null);
  }

  @Test
  void ironlbFiguresAreRatiosOfKeepalivedsComputedFromTheFigures() throws IOException {
    String md = report(FIXTURE);
    int compared = 0;
    for (Figure fig : BenchReport.FIGURES) {
      String section = section(md, fig);
      long[] ours = values(fig, "ironlb");
      for (Target t : BenchReport.TARGETS.subList(1, 3)) {
        Optional<Failover> f = BenchResults.read(FIXTURE).failover(t.id(), fig.mode());
        if (f.isEmpty()) {
          continue;
        }
        long[] theirs = fig.values(f.get());
        String ratios = BenchReport.ratio(Percentiles.of(ours, 50), Percentiles.of(theirs, 50)) + " · "
            + BenchReport.ratio(Percentiles.of(ours, 90), Percentiles.of(theirs, 90)) + " · "
            + BenchReport.ratio(Percentiles.of(ours, 100), Percentiles.of(theirs, 100));
        assertThat(section).contains(BenchReport.ms(Percentiles.of(theirs, 100)) + " | " + ratios + " |");
        assertThat(section).contains(BenchReport.compare(Percentiles.of(ours, 50), Percentiles.of(theirs, 50), t));
        compared++;
      }
    }
    assertThat(compared).as("kill and cut against both, cut-lan against VRRPv3, term (two figures) against VRRPv2 only").isEqualTo(7);
  }

  @Test
  void aFaultOnWhichKeepalivedIsFasterIsSaidSo() throws IOException {
    String md = report(FIXTURE);
    Figure kill = BenchReport.FIGURES.getFirst();
    long ours = Percentiles.of(values(kill, "ironlb"), 50);
    long v3 = Percentiles.of(values(kill, "keepalived-vrrp3"), 50);
    long v2 = Percentiles.of(values(kill, "keepalived-vrrp2"), 50);
    assertThat(ours).as("the fixture: VRRPv3 faster than IronLB on kill, VRRPv2 slower").isGreaterThan(v3).isLessThan(v2);
    assertThat(section(md, kill)).contains("**keepalived VRRPv3 is faster on this fault.**")
        .doesNotContain("keepalived VRRPv2 is faster").contains("of VRRPv2's (IronLB is faster)");
  }

  @Test
  void targetsTableJudgesIronlbAgainstDesignTargets() throws IOException {
    String md = report(FIXTURE);
    long kill = Percentiles.of(values(BenchReport.FIGURES.get(0), "ironlb"), 50);
    long cut = Percentiles.of(values(BenchReport.FIGURES.get(1), "ironlb"), 50);
    assertThat(md).contains("| IronLB p50, neighbour entry moved | " + BenchReport.ms(kill) + " | p50 < 300 ms | "
        + (kill < 300 ? "met" : "**not met**") + " | p50 ≤ 100 ms | " + (kill <= 100 ? "met" : "**not met**") + " |");
    assertThat(md).contains("| IronLB p50, client outage | " + BenchReport.ms(cut) + " | p50 < 1.5 s | " + (cut < 1500 ? "met" : "**not met**"));
    assertThat(md).contains("> **Quick run**");
    assertThat(md).contains("| membership | not run |").contains("Not run: MEMBERSHIP=1 runs it.");
    // footprint: a speaker with the bench's Services against MetalLB's 100 MiB, ready as p50 after a restart; NMT samples left out
    var fp = BenchResults.read(FIXTURE).footprint().orElseThrow();
    long[] withServices = fp.headline().stream().filter(s -> s.process().equals("speaker") && s.kind().equals("services"))
        .mapToLong(BenchResults.FootprintSample::rssIdleKiB).toArray();
    long[] ready = fp.headline().stream().filter(s -> s.process().equals("speaker") && s.kind().equals("restart"))
        .mapToLong(BenchResults.FootprintSample::readyMs).toArray();
    assertThat(md).contains("| speaker ready ≤ 1 s after a restart (p50) | " + BenchReport.ms(Percentiles.of(ready, 50)) + " | "
        + (Percentiles.of(ready, 50) <= 1000 ? "met" : "**not met**") + " |");
    assertThat(md).contains(String.format(java.util.Locale.ROOT, "| speaker resident ≤ 100 MiB with 1,000 Services (every sample) | max %.0f MiB | %s |",
        Percentiles.of(withServices, 100) / 1024.0, Percentiles.of(withServices, 100) <= 100 * 1024 ? "met" : "**not met**"));
    assertThat(md).contains("| speaker idle CPU ≤ 0.5% of a core (every sample) | max 1.42% | **not met** |");
  }

  @Test
  void footprintShowsTheMemoryBreakdownAndIdleCpuBeforeAndAfterNextToMetalLbsLimit() throws IOException {
    String all = report(FIXTURE);
    String md = all.substring(all.indexOf("## Footprint"), all.indexOf("## Membership"));

    // The breakdown: NMT's parts per process and state, the earlier run's column first.
    assertThat(md).contains("| part | speaker idle, before | speaker idle | speaker with 1,000 Services |");
    assertThat(md).contains("| heap (resident pages) | 58.6 | 20.0 | 32.2 |");
    assertThat(md).contains("| metaspace (class metadata) | 32.5 | 32.5 | 33.0 |");
    assertThat(md).contains("| **resident (VmRSS)** | **141.5** | **105.5** | **118.2** |");
    // Memory rows against the limit; NMT runs are not in them (the NMT speaker's 108,000 KiB is no sample's resident here).
    assertThat(md).contains("| speaker | with 1,000 Services | 4 | — | — | 116 MiB | 117 MiB |").contains("**17 MiB over** |");
    assertThat(md).contains("| before: speaker | restart |");
    assertThat(md).contains("| speaker | at lab up | 4 |"); // the NMT lab's speaker would make it 5
    // Idle CPU per thread group, membership's share for the failover work.
    assertThat(md).contains("| before: speaker spark-2959 | 2.08% | 1.35% (86.2/s) | 0.18% (11.0/s) | 0.15% (9.9/s) |");
    assertThat(md).contains("| speaker spark-2959 | 1.42% | 1.20% (80.0/s) | 0.00% (0.1/s) |");
    // The machine's floor under it: what 100 wake-ups a second cost with nothing done.
    assertThat(md).contains("costs 72.5 µs of CPU per wake-up, 0.73% of a core at 100 a second").contains("178.8 µs, 1.79%");
    // Start-up steps of a restarted speaker, and how long 1,000 Services took to be announced.
    assertThat(md).contains("| jvm | cli | metricsServer |").contains("| 150 ms | 420 ms | 520 ms |");
    assertThat(md).contains("- lab 1: 1,000 of 1,000 Services announced 95,000 ms after the first was created.");
    assertThat(md).contains("Before: controller `-XX:+UseSerialGC -Xms32m -Xmx128m`");
  }

  @Test
  void theSoakCountsWhatMovedPerPhaseAndIsJudgedAgainstNothingMoving() throws IOException {
    String md = report(FIXTURE);
    BenchResults.Soak soak = BenchResults.read(FIXTURE).soak().orElseThrow();
    List<BenchResults.SoakRun> cpu = soak.runs().stream().filter(r -> r.stress().equals("cpu")).toList();
    boolean cpuMet = cpu.stream().allMatch(r -> r.viewChanges() == 0 && r.addressMoves() == 0 && r.failedRequests() == 0);
    assertThat(md).contains("| soak: every CPU busy, allocation pressure in the speakers | view changes, address moves, failed requests"
        + " (per lab size) | " + cpu.stream().map(r -> r.nodes() + " nodes: " + r.viewChanges() + ", " + r.addressMoves() + ", "
        + r.failedRequests()).collect(java.util.stream.Collectors.joining("; ")) + " | | | 0, 0, 0 | " + (cpuMet ? "met" : "**not met**")
        + " |");
    assertThat(md).contains("| soak: 30% loss on the LAN | view changes, address moves | 2 nodes: 0, 0 | | | 0, 0 (no false failover) | met |");
    // a phase where something moved shows it in bold; keepalived's takeovers beside it
    assertThat(md).contains("## Soak: nothing moves under stress").contains("| 4 | cpu | 2.5 2.0 2.0 → 2.6 2.0 2.0 | 120,000 | 3 | 260 ms | **2** | **1** | 2 |")
        .contains("| 2 | lossy | **2** | 55,000 | 27,000 | 900 ms | 4 |");
    // idle cost: per-speaker range and cluster-wide frames
    assertThat(md).contains("| 4 | 60 s | 0.60 0.40 0.30 | 1.5-1.7 % | 299-301 | 1,200 |");
  }

  @Test
  void scaleTargetsAreJudgedOnTheBusierSpeakerAndEveryAddressMovedAtTheSizeThatRan() throws IOException {
    String md = report(FIXTURE);
    BenchResults.Scale sc = BenchResults.read(FIXTURE).scale().orElseThrow();
    String at = String.format(Locale.ROOT, ", at %,d Services", sc.services());
    assertThat(sc.services()).as("the fixture ran below the targets' 10,000").isEqualTo(1000);
    // the speakers differ: one within 1 ms per Service and 150 MiB, the other not; the worse one decides
    double cpu = sc.speakers().stream().mapToDouble(BenchResults.ScaleProcess::perServiceMs).max().orElseThrow();
    long rss = sc.speakers().stream().mapToLong(BenchResults.ScaleProcess::rssKiB).max().orElseThrow();
    assertThat(sc.speakers()).anyMatch(p -> p.perServiceMs() <= 1).anyMatch(p -> p.rssKiB() < rss);
    assertThat(md).contains("| scale: speaker CPU per Service event | the busier speaker: CPU in the burst ÷ Services" + at + " | "
        + String.format(Locale.ROOT, "%.2f ms", cpu) + " |  |  | ≤ 1 ms | " + (cpu <= 1 ? "met" : "**not met**") + " |");
    assertThat(md).contains("| scale: speaker resident memory, every Service present | the larger speaker's VmRSS after the burst" + at
        + " | " + String.format(Locale.ROOT, "%.0f MiB", rss / 1024.0) + " |  |  | ≤ 150 MiB | " + (rss <= 150 * 1024 ? "met" : "**not met**")
        + " |");
    long lastAnnounced = sc.burst().announcedMs() - sc.burst().addressedMs();
    assertThat(md).contains("| scale: every Service announced once they have addresses | last announced − last addressed" + at + " | "
        + BenchReport.ms(lastAnnounced) + " |  |  | ≤ 30 s | " + (lastAnnounced <= 30_000 ? "met" : "**not met**") + " |");
    long firstAnswer = Percentiles.of(sc.newService().stream().mapToLong(BenchResults.Creation::okMs).toArray(), 50);
    assertThat(md).contains("| scale: new Service to first successful request, the others present | p50" + at + " | "
        + BenchReport.ms(firstAnswer) + " |  |  | ≤ 500 ms | " + (firstAnswer <= 500 ? "met" : "**not met**") + " |");
    // one IPv4 entry never moved: the moved ones are within 1 s, yet not every address moved
    BenchResults.ScaleFailover f = sc.failover().orElseThrow();
    assertThat(f.movedMs()).hasSize(f.ipv4() - 1);
    assertThat(Percentiles.of(f.movedMs(), 100)).isLessThanOrEqualTo(1000);
    assertThat(md).contains("| scale: mass failover, every IPv4 address of the killed speaker's node moved | max over its " + f.ipv4()
        + " addresses, client's neighbour entry" + at + " | " + BenchReport.ms(Percentiles.of(f.movedMs(), 100)) + " (1 never moved) |  |  "
        + "| ≤ 1 s | **not met** |");
    assertThat(md).contains("| scale | ok | 10 min 12 s |");
  }

  @Test
  void theScaleSectionShowsTheBurstEachProcessTheNewServicesAndTheMassFailover() throws IOException {
    String all = report(FIXTURE);
    assertThat(all.indexOf("## More nodes")).isLessThan(all.indexOf("## Scale: a burst of Services"));
    String md = all.substring(all.indexOf("## Scale: a burst of Services"), all.indexOf("## ARP reply latency"));
    BenchResults.Scale sc = BenchResults.read(FIXTURE).scale().orElseThrow();
    BenchResults.ScaleBurst b = sc.burst();
    assertThat(md).contains("1,000 LoadBalancer Services", "(150 of them IPv4, the rest IPv6)", "by 16 writers",
        "Load average at the start 1.37 2.20 2.53, at the burst 2.02 2.30 2.55, once all were announced 3.53 3.00 2.80");
    assertThat(md).contains("- the API server took the 2,000 objects (a Service and an EndpointSlice each) in " + BenchReport.ms(b.createMs()))
        .contains("- with an EXTERNAL-IP: 1,000 of 1,000 Services, the last after " + BenchReport.ms(b.addressedMs()) + ";")
        .contains("- announced (a ServiceL2Status each): 1,000 of 1,000, the last after " + BenchReport.ms(b.announcedMs()) + ", "
            + BenchReport.ms(b.announcedMs() - b.addressedMs()) + " after the last address;")
        .contains("p50 " + BenchReport.ms(b.addressedToAnnouncedP50Ms()) + ", max " + BenchReport.ms(b.addressedToAnnouncedMaxMs()) + ".");
    // a row per process: CPU in the burst, per Service, idle and steady, memory, the busiest threads
    assertThat(md).contains("| apiserver |  | 105.6 s | 105.56 ms | 1.6 % | 18.1 % | 279 MiB | 279 MiB | `vert.x-eventloo` 64,330, ")
        .contains("| speaker | spark-ba63 | 1.2 s | 1.24 ms | 3.8 % | 5.6 % | 148 MiB | 156 MiB | `-1650626168-poo` 2,750, ");
    long[] ip = sc.newService().stream().mapToLong(BenchResults.Creation::ipMs).toArray();
    long[] ok = sc.newService().stream().mapToLong(BenchResults.Creation::okMs).toArray();
    // the neighbour entry from the four trials that saw it: 310, 330, 340, 350 ms
    assertThat(md).contains("| " + ok.length + " | " + BenchReport.ms(Percentiles.of(ip, 50)) + " | " + BenchReport.ms(Percentiles.of(ip, 100))
        + " | 330 ms | 350 ms | " + BenchReport.ms(Percentiles.of(ok, 50)) + " | " + BenchReport.ms(Percentiles.of(ok, 100)) + " |");
    assertThat(sc.newServiceNeighbourMs()).containsExactly(330, 350, 340, 310);
    BenchResults.ScaleFailover f = sc.failover().orElseThrow();
    assertThat(md).contains("`kill -9` of the speaker on spark-ba63, which announced 12 addresses (8 IPv4); spark-2959 took over")
        .contains("| IPv4 neighbour entry moved to the survivor | 7 of 8 | " + BenchReport.ms(Percentiles.of(f.movedMs(), 50)) + " | "
            + BenchReport.ms(Percentiles.of(f.movedMs(), 100)) + " |")
        .contains("| survivor's first gratuitous frame, IPv6 | 4 of 4 | " + BenchReport.ms(Percentiles.of(f.firstFrameIpv6Ms(), 50)) + " | "
            + BenchReport.ms(Percentiles.of(f.firstFrameIpv6Ms(), 100)) + " |")
        .contains("40 gratuitous frames about them in 0.8 s: 50 per second on average, 40 in the busiest second.")
        .contains("- not measured: mass failover: 1 of 8 IPv4 neighbour entries never moved within 120 s");
  }

  @Test
  void aFailedStepAndAMissingFileAreReportedAsMissingNotDropped() throws IOException {
    Path results = tmp.resolve("results");
    Files.createDirectories(results);
    try (Stream<Path> files = Files.list(FIXTURE)) {
      for (Path f : files.toList()) {
        Files.copy(f, results.resolve(f.getFileName()));
      }
    }
    Files.delete(results.resolve("arp.json"));
    Files.delete(results.resolve("failover-keepalived-vrrp2-cut.json"));
    Files.delete(results.resolve("allocator.json"));
    Files.delete(results.resolve("scale.json"));
    Files.writeString(results.resolve("steps.tsv"), "allocator\tok\t12\t\narp\tfailed\t3\texit 2, see arp.log\n"
        + "membership\tskipped\t0\tMEMBERSHIP=1 runs it\nfailover\tok\t600\t\n");
    String md = report(results);
    assertThat(md).contains("| arp | **missing** (failed) | 3 s | exit 2, see arp.log |");
    assertThat(md).contains("## ARP reply latency\n\n**Missing**: the step failed (exit 2, see arp.log).");
    assertThat(md).contains("| allocator | **missing** (no result file) |").contains("## Allocator\n\n**Missing**: no result file.");
    assertThat(md).contains("| footprint | ok |"); // its file is there though bench/run did not record the step
    assertThat(section(md, BenchReport.FIGURES.get(1))).contains("| keepalived VRRPv2, advert_int 1 | **missing** |")
        .doesNotContain("timeline-cut-keepalived-vrrp2.png");
    assertThat(md).contains("| ARP reply latency | p99 (under a flood: the legit client's p99) | missing | p99 < 1 ms | — |");
    assertThat(md).contains("| scale | **missing** (not recorded) |").contains("## Scale: a burst of Services\n\n**Missing**: no result file.")
        .contains("| scale: speaker CPU per Service event | the busier speaker: CPU in the burst ÷ Services | missing |  |  | ≤ 1 ms | — |");
  }

  @Test
  void anEmptyResultsDirectoryGivesAReportOfMissingStepsAndNoPlots() throws IOException {
    Path results = tmp.resolve("empty");
    Files.createDirectories(results);
    String md = report(results);
    assertThat(md).contains("## Failover\n\n**Missing**: no result file.").contains("**Machine:** not recorded");
    try (Stream<Path> plots = Files.list(tmp.resolve("docs/bench"))) {
      assertThat(plots.toList()).isEmpty();
    }
  }

  @Test
  void plotsArePngsOfTheirSizeLinkedByRelativePaths() throws IOException {
    Path out = tmp.resolve("docs/BENCHMARKS.md");
    List<Path> written = BenchReport.write(FIXTURE, out, tmp.resolve("docs/bench"));
    String md = Files.readString(out);
    List<Path> pngs = written.subList(1, written.size());
    assertThat(pngs).extracting(p -> p.getFileName().toString()).contains("failover-kill-neighbour.png", "failover-cut-outage.png",
        "failover-term-neighbour.png", "failover-term-outage.png", "timeline-cut-ironlb.png", "timeline-cut-keepalived-vrrp2.png",
        "timeline-cut-keepalived-vrrp3.png");
    for (Path png : pngs) {
      BufferedImage image = ImageIO.read(png.toFile());
      assertThat(image).as("%s decodes", png).isNotNull();
      boolean timeline = png.getFileName().toString().startsWith("timeline-");
      assertThat(image.getWidth()).isEqualTo(timeline ? BenchPlots.TIMELINE_WIDTH : BenchPlots.SPREAD_WIDTH);
      assertThat(image.getHeight()).isEqualTo(timeline ? BenchPlots.TIMELINE_HEIGHT : BenchPlots.SPREAD_HEIGHT);
      assertThat(md).contains("](bench/" + png.getFileName() + ")");
    }
  }

  record RatioCase(String name, long ours, long theirs, String expected) {}

  static Stream<RatioCase> ratios() {
    return Stream.of(
        new RatioCase("far faster", 6, 100, "0.06×"),
        new RatioCase("under a hundredth", 1, 1000, "0.001×"),
        new RatioCase("faster", 55, 100, "0.55×"),
        new RatioCase("equal", 12, 12, "1.0×"),
        new RatioCase("slower", 18, 10, "1.8×"),
        new RatioCase("far slower", 120, 10, "12×"),
        new RatioCase("nothing to divide by", 5, 0, "n/a"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ratios")
  void ratiosArePrintedWithTheirSignificantDigits(RatioCase c) {
    assertThat(BenchReport.ratio(c.ours(), c.theirs())).isEqualTo(c.expected());
  }
}
