package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabLayoutTest {

  private final LabLayout lab = LabLayout.of("ilab-", 2, null, null);

  @Test
  void theSeedsClusterWithDocumentationAddresses() {
    assertThat(lab.nodes()).extracting(LabLayout.Node::name).containsExactly("spark-2959", "spark-ba63");
    LabLayout.Node cp = lab.nodes().get(0);
    LabLayout.Node worker = lab.nodes().get(1);
    assertThat(cp.controlPlane()).isTrue();
    assertThat(worker.controlPlane()).isFalse();
    assertThat(List.of(cp.lan4(), cp.lan6(), cp.internal4(), cp.internal6()))
        .containsExactly("198.51.100.11", "2001:db8:86::11", "203.0.113.11", "2001:db8:203::11");
    assertThat(worker.lan4()).isEqualTo("198.51.100.12");
    assertThat(worker.lanMac()).isEqualTo("02:1b:01:00:00:12");
    assertThat(worker.internalMac()).isEqualTo("02:1b:02:00:00:12");
    assertThat(lab.client().lan4()).isEqualTo("198.51.100.2");
    assertThat(lab.client().namespace()).isEqualTo("ilab-mac");
  }

  @Test
  void thePoolHas21AddressesFromDot200AndAnIpv6Range() {
    assertThat(lab.poolRange4()).isEqualTo("198.51.100.200-198.51.100.220");
    assertThat(lab.poolRange6()).isEqualTo("2001:db8:86::200-2001:db8:86::220");
  }

  @Test
  void lanOptionReplacesOneFamily() {
    LabLayout other = LabLayout.of("ilab-", 2, "198.51.100.0/23", null);
    assertThat(other.nodes().getFirst().lan4()).isEqualTo("198.51.100.11");
    assertThat(LabLayout.of("ilab-", 2, null, "2001:db8:99::/64").nodes().getFirst().lan6()).isEqualTo("2001:db8:99::11");
    assertThat(other.poolRange6()).isEqualTo("2001:db8:86::200-2001:db8:86::220");
  }

  @Test
  void moreNodesAreWorkersWithShortInterfaceNames() {
    LabLayout five = LabLayout.of("ilab-", 5, null, null);
    assertThat(five.nodes()).extracting(LabLayout.Node::name)
        .containsExactly("spark-2959", "spark-ba63", "spark-w3", "spark-w4", "spark-w5");
    five.nodes().forEach(n -> assertThat(n.lanPort().length()).isLessThanOrEqualTo(15));
    assertThat(five.namespaces()).hasSize(7).doesNotHaveDuplicates();
  }

  @Test
  void badOptionsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> LabLayout.of("ilab-", 0, null, null)).hasMessageContaining("--nodes must be 1-");
    assertThatThrownBy(() -> LabLayout.of("ilab-", 2, "198.51.100.0/25", null)).hasMessageContaining("too small");
    assertThatThrownBy(() -> LabLayout.of("ilab-", 2, "2001:db8::/64", null)).hasMessageContaining("one IPv4 and one IPv6");
    assertThatThrownBy(() -> LabLayout.of("ilab-", 2, "203.0.113.0/24", null)).hasMessageContaining("overlaps the internal network");
  }

  @Test
  void aRogueDeviceOwnsOneLanAddressWithAForeignMac() {
    LabLayout.Host rogue = lab.rogue(1, "198.51.100.50");
    assertThat(rogue.lan4()).isEqualTo("198.51.100.50");
    assertThat(rogue.mac()).isNotIn(lab.nodes().stream().map(LabLayout.Node::lanMac).toList());
    assertThatThrownBy(() -> lab.rogue(2, "192.0.2.1")).hasMessageContaining("not on the lab's LAN");
  }
}
