package io.ironlb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Host;
import io.ironlb.netns.TestNetwork;
import io.ironlb.netns.VethEnd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KeepalivedConfigTest {

  private static final String VIP = "198.51.100.250";

  @Test
  void vrrp3HomeNodeRendersExactly() {
    assertThat(new KeepalivedConfig(3, "spark-2959", "lan0", 51, 150, VIP).render()).isEqualTo("""
        # Written by ironlb lab failover --keepalived 3 for spark-2959.
        global_defs {
          router_id spark-2959
          vrrp_version 3
        }

        vrrp_instance ironlb_lab {
          state BACKUP
          interface lan0
          virtual_router_id 51
          priority 150
          advert_int 0.1
          virtual_ipaddress {
            198.51.100.250/32 dev lan0
          }
        }
        """);
  }

  record Case(String name, KeepalivedConfig config, List<String> contains, List<String> lacks) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("VRRPv2 keeps the default advert_int 1 and the customary password",
            new KeepalivedConfig(2, "spark-ba63", "lan0", 51, 100, VIP),
            List.of("vrrp_version 2\n", "advert_int 1\n", "auth_type PASS\n", "auth_pass ironlb\n", "priority 100\n"),
            List.of("advert_int 0.1")),
        new Case("VRRPv3 advertises every 0.1 s without authentication (RFC 5798 has none)",
            new KeepalivedConfig(3, "spark-ba63", "lan0", 51, 100, VIP),
            List.of("vrrp_version 3\n", "advert_int 0.1\n"),
            List.of("authentication", "auth_")),
        new Case("every node starts as BACKUP and preempts by priority (no nopreempt)",
            new KeepalivedConfig(2, "spark-2959", "lan0", 51, 150, VIP),
            List.of("state BACKUP\n", "priority 150\n"),
            List.of("MASTER", "nopreempt", "preempt_delay")),
        new Case("the VIP is a /32 on the LAN interface, the router id is the node",
            new KeepalivedConfig(3, "spark-w3", "lan0", 7, 99, "203.0.113.9"),
            List.of("203.0.113.9/32 dev lan0\n", "interface lan0\n", "router_id spark-w3\n", "virtual_router_id 7\n"),
            List.of("/24")));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void rendersWhatTheComparisonPromises(Case c) {
    String text = c.config().render();
    c.contains().forEach(s -> assertThat(text).as(c.name()).contains(s));
    c.lacks().forEach(s -> assertThat(text).as(c.name()).doesNotContain(s));
  }

  @Test
  void refusesWhatKeepalivedWouldRefuseOrMisread() {
    assertThatThrownBy(() -> new KeepalivedConfig(4, "n", "lan0", 51, 100, VIP)).hasMessageContaining("2 or 3");
    assertThatThrownBy(() -> new KeepalivedConfig(3, "n", "lan0", 0, 100, VIP)).hasMessageContaining("1-255");
    assertThatThrownBy(() -> new KeepalivedConfig(3, "n", "lan0", 51, 255, VIP)).hasMessageContaining("1-254");
    assertThatThrownBy(() -> new KeepalivedConfig(3, "n", "lan0", 51, 100, "2001:db8::1")).hasMessageContaining("IPv4");
  }

  @Test
  void targetNamesAreTheResultsFilesNames() {
    assertThat(KeepalivedConfig.target(2)).isEqualTo("keepalived-vrrp2");
    assertThat(KeepalivedConfig.target(3)).isEqualTo("keepalived-vrrp3");
  }

  /** keepalived's own check ({@code -t}) needs the interface to exist and not be loopback: a veth in a namespace of its own. */
  @Test
  @Tag("netns")
  void keepalivedsOwnCheckAcceptsBothVersions() throws IOException {
    String why = Host.whyNoNamespaces();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    Optional<String> keepalived = KeepalivedTarget.findBinary();
    Assumptions.assumeTrue(keepalived.isPresent(), "skipped: no keepalived (Debian: apt-get install keepalived)");
    try (TestNetwork net = TestNetwork.create("kacheck")) {
      String ns = net.namespace("node");
      net.veth(VethEnd.of(ns, "lan0"), VethEnd.of(ns, "peer0"));
      for (int version : new int[] {2, 3}) {
        Path file = net.dir().resolve("v" + version + ".conf");
        Files.writeString(file, new KeepalivedConfig(version, "spark-2959", "lan0", 51, 150, VIP).render());
        CommandResult r = net.exec(ns, Duration.ofSeconds(10), keepalived.get(), "--config-test", "--use-file=" + file);
        assertThat(r.exitCode()).as("VRRPv%d: %s", version, r.describe()).isZero();
        assertThat(r.stdout() + r.stderr()).as("VRRPv%d", version).doesNotContainIgnoringCase("unknown").doesNotContain("WARNING");
      }
    }
  }
}
