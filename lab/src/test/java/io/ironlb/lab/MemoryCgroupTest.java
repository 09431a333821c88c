package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Commands;
import io.ironlb.netns.LabProcess;
import io.ironlb.netns.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MemoryCgroupTest {

  @ParameterizedTest
  @CsvSource({
      "100Mi, 104857600",
      "65536Ki, 67108864",
      "1Gi, 1073741824",
      "128M, 128000000",
      "1G, 1000000000",
      "50000k, 50000000",
      "134217728, 134217728",
  })
  void readsAPodsMemoryLimit(String quantity, long bytes) {
    assertThat(MemoryCgroup.parseLimit(quantity)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"100MB", "100 Mi", "1.5Gi", "-100Mi", "lots", ""})
  void refusesWhatIsNoQuantityNamingTheFlagAndAnExample(String quantity) {
    assertThatThrownBy(() -> MemoryCgroup.parseLimit(quantity))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--speaker-memory-limit '" + quantity + "'")
        .hasMessageContaining("100Mi");
  }

  @Test
  void refusesALimitNoJvmStartsIn() {
    assertThatThrownBy(() -> MemoryCgroup.parseLimit("16Mi")).hasMessageContaining("below 32Mi");
  }

  /** The wrapped command runs in the group, is charged there and is OOM-killed past the limit, as a container is. */
  @Test
  void aWrappedProcessIsChargedToItsGroupAndKilledPastTheLimit() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to make cgroups");
    Assumptions.assumeTrue(canMakeGroups(), "no cgroup memory controller here");
    String prefix = "imcg" + ProcessHandle.current().pid() + "-";
    try {
      MemoryCgroup g = MemoryCgroup.limited(MemoryCgroup.name(prefix, "node"), 32L << 20);
      assertThat(Files.isDirectory(g.dir())).isTrue();

      CommandResult where = Commands.run(Duration.ofSeconds(20), g.wrap(List.of("cat", "/proc/self/cgroup")));
      assertThat(where.exitCode()).isZero();
      assertThat(where.stdout()).contains("/ironlb-lab/" + prefix + "node");

      // As the lab starts a speaker: in its node's namespace, whose `ip netns exec` mounts a sysfs without the cgroups.
      String ns = prefix + "ns";
      Netns.create(ns);
      try {
        Path log = Files.createTempFile("memory-cgroup", ".log");
        LabProcess p = LabProcess.start("probe", ns, List.of("cat", "/proc/self/cgroup"), log, Map.of(), g.launcher());
        await().atMost(Duration.ofSeconds(20)).until(() -> !p.alive());
        assertThat(Files.readString(log)).contains("/ironlb-lab/" + prefix + "node");
        Files.delete(log);
      } finally {
        Netns.delete(ns);
      }

      // 16 MB in a shell variable fits; 64 MB does not.
      CommandResult fits = Commands.run(Duration.ofSeconds(60), g.wrap(List.of("sh", "-c",
          "x=$(head -c 16000000 /dev/zero | tr '\\0' a); echo ${#x}")));
      assertThat(fits.stdout().strip()).isEqualTo("16000000");
      assertThat(g.oomKills()).isZero();
      assertThat(g.peakBytes()).isGreaterThan(16_000_000L);

      CommandResult over = Commands.run(Duration.ofSeconds(60), g.wrap(List.of("sh", "-c",
          "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo ${#x}")));
      assertThat(over.exitCode()).as("killed: %s", over).isNotZero();
      assertThat(g.oomKills()).isPositive();
      assertThat(g.peakBytes()).isLessThanOrEqualTo(32L << 20);
    } finally {
      assertThat(MemoryCgroup.removeAll(prefix)).isEqualTo(1);
    }
  }

  private static boolean canMakeGroups() {
    try {
      MemoryCgroup.requireAvailable();
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
