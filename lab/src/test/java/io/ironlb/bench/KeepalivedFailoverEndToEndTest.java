package io.ironlb.bench;

import io.ironlb.lab.LabNetwork;
import io.ironlb.lab.LabLayout;
import io.ironlb.lab.Lab;
import io.ironlb.lab.LabCluster;
import io.ironlb.lab.LabState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Commands;
import io.ironlb.netns.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ironlb lab failover --keepalived 3} end to end on a two-node lab ({@link LabCluster}): real
 * keepalived processes in the node namespaces, the same client loop and neighbour watch as IronLB's
 * trials, results as JSON, and nothing of keepalived left afterwards. Bounds are loose (a shared
 * 2-core machine); the figures themselves are {@code bench/failover}'s job.
 */
@Tag("netns")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeepalivedFailoverEndToEndTest {

  private static LabCluster lab;
  private static LabLayout layout;
  @TempDir static Path results;

  @BeforeAll
  static void up() {
    String why = Lab.preflight();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    Assumptions.assumeTrue(KeepalivedTarget.findBinary().isPresent(), "skipped: no keepalived (Debian: apt-get install keepalived)");
    Assumptions.assumeTrue(Host.missing("nft").isEmpty(), "skipped: no nft (Debian: apt-get install nftables)");
    LabCluster.sweepDeadTestLabs();
    lab = LabCluster.up(2);
    layout = LabState.load(lab.stateDir()).layout();
  }

  @AfterAll
  static void down() throws IOException {
    if (lab != null) {
      Path keep = Path.of("lab", "target", "keepalived-e2e-logs");
      Files.createDirectories(keep);
      try (var logs = Files.list(lab.stateDir().resolve("logs"))) {
        for (Path f : logs.toList()) {
          Files.copy(f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        lab.close();
      }
    }
  }

  @Test
  @Order(1)
  void killedKeepalivedIsReplacedByTheBackupAndTheResultsSayHowTheClientMoved() {
    Path file = results.resolve("failover-keepalived-vrrp3-kill.json");

    String out = LabFailover.run(lab, "kill", 2, 3, file);
    System.out.println(out);

    assertThat(out).contains("Target: keepalived-vrrp3").contains("kill -9 of keepalived spark-2959").contains("failed trials   0 of 2");
    FailoverResults r = read(file);
    assertThat(r.target()).isEqualTo("keepalived-vrrp3");
    assertThat(r.mode()).isEqualTo("kill");
    assertThat(r.nodes()).isEqualTo(2);
    assertThat(r.trials()).hasSize(2).allSatisfy(t -> {
      assertThat(t.error()).isNull();
      assertThat(t.from()).isEqualTo("spark-2959");
      assertThat(t.to()).isEqualTo("spark-ba63");
      // VRRPv3 at 0.1 s: the backup waits out 3 intervals and its skew; on a crash no priority-0 advert cuts that short.
      assertThat(t.neighbourMs()).isBetween(200L, 5_000L);
    });
    assertThat(r.creation()).isEmpty();
    FailoverResults.Timeline tl = r.timeline();
    assertThat(tl).isNotNull();
    assertThat(tl.trial()).isEqualTo(1);
    List<FailoverResults.Request> before = tl.requests().stream().filter(q -> q.startMs() < 0).toList();
    List<FailoverResults.Request> after = tl.requests().stream().filter(q -> q.startMs() > r.trials().getFirst().neighbourMs()).toList();
    assertThat(before).isNotEmpty().allSatisfy(q -> assertThat(q.node()).isEqualTo("spark-2959"));
    assertThat(after).isNotEmpty().anySatisfy(q -> assertThat(q.node()).isEqualTo("spark-ba63"));
    assertThat(after).anySatisfy(q -> assertThat(q.ok()).isTrue());
    assertThat(tl.neighbour()).extracting(FailoverResults.Neighbour::node).containsSubsequence("spark-2959", "spark-ba63");
    assertNoKeepalivedLeft();
  }

  @Test
  @Order(2)
  void aCutHomeNodeCostsTheClientAnOutageUntilTheBackupTakesOver() {
    Path file = results.resolve("failover-keepalived-vrrp3-cut.json");

    String out = LabFailover.run(lab, "cut", 1, 3, file);
    System.out.println(out);

    FailoverResults r = read(file);
    assertThat(r.mode()).isEqualTo("cut");
    assertThat(r.trials()).hasSize(1).allSatisfy(t -> {
      assertThat(t.error()).isNull();
      assertThat(t.outageMs()).isBetween(200L, 10_000L);
    });
    assertThat(r.timeline().requests()).anySatisfy(q -> assertThat(q.ok()).isFalse());
    assertNoKeepalivedLeft();
    // The cut node is back: its links are up again.
    LabLayout.Node home = layout.node("spark-2959").orElseThrow();
    assertThat(LabNetwork.portUp(layout, home.lanPort())).isTrue();
    assertThat(LabNetwork.portUp(layout, home.internalPort())).isTrue();
  }

  @Test
  @Order(3)
  void createModeIsRefusedForKeepalived() {
    assertThatThrownBy(() -> LabFailover.run(lab, "create", 1, 3, null)).hasMessageContaining("keepalived has no counterpart");
    assertThatThrownBy(() -> LabFailover.run(lab, "kill", 1, 4, null)).hasMessageContaining("--keepalived must be 2");
  }

  private static FailoverResults read(Path file) {
    try {
      return FailoverResults.fromJson(Files.readString(file));
    } catch (IOException e) {
      throw new AssertionError("no results in " + file, e);
    }
  }

  /** No keepalived runs with this lab's configuration, none is left in its state, and no node holds the VIP. */
  private static void assertNoKeepalivedLeft() {
    String dir = lab.stateDir().toString();
    List<ProcessHandle> left = ProcessHandle.allProcesses()
        .filter(h -> h.info().command().map(c -> c.endsWith("/keepalived")).orElse(false))
        .filter(h -> h.info().arguments().map(a -> String.join(" ", a).contains(dir)).orElse(false)).toList();
    assertThat(left).as("keepalived processes of this lab").isEmpty();
    assertThat(LabState.load(lab.stateDir()).processes().keySet()).noneMatch(n -> n.startsWith("keepalived"));
    String vip = layout.lan4().host(LabLayout.KEEPALIVED_VIP_HOST);
    for (LabLayout.Node n : layout.nodes()) {
      CommandResult r = Commands.run(Duration.ofSeconds(10), "ip", "-n", n.namespace(), "-o", "addr", "show");
      assertThat(r.stdout()).as("addresses of %s", n.name()).doesNotContain(vip + "/");
    }
  }
}
