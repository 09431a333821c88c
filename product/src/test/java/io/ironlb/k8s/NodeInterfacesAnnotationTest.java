package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.ipam.IpFamily;
import io.ironlb.k8s.NodeInterfacesAnnotation.PublishedInterface;
import io.ironlb.l2.DefaultRoutes;
import io.ironlb.l2.ExcludedInterfaces;
import io.ironlb.l2.InterfaceAddress;
import io.ironlb.l2.InterfaceSelection.Exclusion;
import io.ironlb.l2.InterfaceTable;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.IpText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class NodeInterfacesAnnotationTest {

  private static InterfaceAddress cidr(String ip, int prefix) {
    return new InterfaceAddress(IpText.parse(ip).orElseThrow(), prefix);
  }

  private static NetInterface link(String name, int index, String kind, int master, boolean up, InterfaceAddress... addresses) {
    return new NetInterface(name, index, new MacAddress(0x0200_0000_0000L + index), up, up, name.equals("lo"), false, kind, master,
        List.of(addresses));
  }

  @Test
  void whatASpeakerPublishesReadsBackTheSame() {
    List<PublishedInterface> published = List.of(
        new PublishedInterface("br0", "bridge", "", "", List.of(cidr("198.51.100.11", 24), cidr("2001:db8:86::11", 64)),
            Set.of(IpFamily.IPV6, IpFamily.IPV4)),
        new PublishedInterface("eth1", "", "br0", "member", List.of()),
        new PublishedInterface("wg0", "wireguard", "", "nomac", List.of(cidr("203.0.113.65", 29)), Set.of(IpFamily.IPV6)),
        new PublishedInterface("wlan0", "wireless", "", "down", List.of(cidr("203.0.113.7", 24))));

    String value = NodeInterfacesAnnotation.format(published);

    assertThat(value).isEqualTo("br0 kind=bridge default=ipv4 default=ipv6 198.51.100.11/24 2001:db8:86::11/64, eth1 master=br0 "
        + "skip=member, wg0 kind=wireguard skip=nomac default=ipv6 203.0.113.65/29, wlan0 kind=wireless skip=down 203.0.113.7/24");
    assertThat(NodeInterfacesAnnotation.read(Map.of(NodeInterfacesAnnotation.KEY, value))).contains(published);
  }

  @Test
  void theSpeakerDescribesMembersMastersAndEligibilityAndLeavesOutWhatNeverMatters() {
    InterfaceTable table = InterfaceTable.of(List.of(
        link("lo", 1, "", 0, true, cidr("127.0.0.1", 8)),
        link("lan0", 2, "", 0, true, cidr("198.51.100.11", 24), cidr("fe80::1", 64), cidr("2001:db8:86::11", 64)),
        link("bond0", 3, "bond", 0, true, cidr("203.0.113.11", 24)),
        link("eth1", 4, "", 3, true),
        link("wlan0", 5, NetInterface.KIND_WIRELESS, 0, false, cidr("192.0.2.7", 24)),
        link("cali12ab34cd", 6, "veth", 0, true, cidr("fe80::2", 64)),
        link("mgmt0", 7, "", 0, true, cidr("192.0.2.99", 28))));

    List<PublishedInterface> described = NodeInterfacesAnnotation.describe(table, ExcludedInterfaces.of(List.of("^mgmt")),
        new DefaultRoutes(List.of("lan0"), List.of("lan0", "cali12ab34cd")));

    assertThat(described).containsExactly(
        new PublishedInterface("lan0", "", "", "", List.of(cidr("198.51.100.11", 24), cidr("2001:db8:86::11", 64)),
            Set.of(IpFamily.IPV4, IpFamily.IPV6)),
        new PublishedInterface("bond0", "bond", "", "", List.of(cidr("203.0.113.11", 24))),
        new PublishedInterface("eth1", "", "bond0", "member", List.of()),
        new PublishedInterface("wlan0", "wireless", "", "down", List.of(cidr("192.0.2.7", 24))),
        new PublishedInterface("mgmt0", "", "", "excludel2", List.of(cidr("192.0.2.99", 28))));
    assertThat(described.get(2).exclusion()).contains(Exclusion.BRIDGE_OR_BOND_MEMBER);
    assertThat(described.get(0).mayAnnounce()).isTrue();
    assertThat(described.get(3).wireless()).isTrue();
  }

  @Test
  void fortyInterfacesWithLongestNamesStayUnderThreeKibibytes() {
    List<PublishedInterface> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      // 15 characters, the kernel's longest interface name
      many.add(new PublishedInterface("enP7s7f0np0.%03d".formatted(i), "vlan", "bond" + (i % 4), "member",
          List.of(cidr("198.51.100." + i, 24))));
    }

    assertThat(NodeInterfacesAnnotation.format(many).length()).isLessThan(3 * 1024);
  }

  static Stream<String> garbage() {
    return Stream.of("", " ", ",", ", ,", "=", "kind=bond", "/24", "lan0 kind", "lan0 198.51.100.11", "lan0 198.51.100.11/99",
        "lan0 example.com/24", "lan0 198.51.100.011/24", "lan0 ::1/x", "lan0 skip=", "\u0000", "lan0 1.2.3.4/-1", "a=b=c d/e/f",
        "lan0 198.51.100.11/2147483648", "lan0 " + "9".repeat(400) + "/24", "default=ipv4", "lan0 default=ipv4=ipv6 default");
  }

  @ParameterizedTest
  @MethodSource("garbage")
  void aHandEditedValueNeverThrowsAndKeepsWhatItCanRead(String value) {
    Optional<List<PublishedInterface>> read = NodeInterfacesAnnotation.read(Map.of(NodeInterfacesAnnotation.KEY, value));

    assertThat(read).isPresent();
    assertThat(read.orElseThrow()).allSatisfy(i -> {
      assertThat(i.name()).isNotBlank().doesNotContain("=", "/", ",", " ");
      assertThat(i.subnets()).allSatisfy(a -> assertThat(a.toString()).contains("/"));
    });
  }

  @Test
  void unreadableTokensAreDroppedAndTheRestOfTheEntryKept() {
    var read = NodeInterfacesAnnotation.read(Map.of(NodeInterfacesAnnotation.KEY,
        "lan0 colour=blue 198.51.100.11/24 nonsense 198.51.100.300/24, , =x, wlan0 kind=wireless skip=warp-drive"));

    assertThat(read.orElseThrow()).containsExactly(
        new PublishedInterface("lan0", "", "", "", List.of(cidr("198.51.100.11", 24))),
        new PublishedInterface("wlan0", "wireless", "", "warp-drive", List.of()));
    assertThat(read.orElseThrow().get(1).mayAnnounce()).isFalse();
    assertThat(read.orElseThrow().get(1).exclusion()).isEmpty();
  }

  @Test
  void anOlderSpeakersValueReadsWithDefaultRoutesUnknownAndAnUnknownFamilyIsSkipped() {
    var read = NodeInterfacesAnnotation.read(Map.of(NodeInterfacesAnnotation.KEY,
        "enP7s7 192.168.86.11/24, enp1s0f0np0 default=ipx default= 10.10.10.11/24"));

    assertThat(read.orElseThrow()).containsExactly(
        new PublishedInterface("enP7s7", "", "", "", List.of(cidr("192.168.86.11", 24))),
        new PublishedInterface("enp1s0f0np0", "", "", "", List.of(cidr("10.10.10.11", 24))));
    assertThat(read.orElseThrow()).noneMatch(i -> i.carriesDefaultRoute(IpFamily.IPV4) || i.carriesDefaultRoute(IpFamily.IPV6));
  }

  @Test
  void aNodeWithoutTheAnnotationSaysNothingRatherThanNoInterfaces() {
    assertThat(NodeInterfacesAnnotation.read(Map.of())).isEmpty();
    assertThat(NodeInterfacesAnnotation.read(null)).isEmpty();
    assertThat(NodeInterfacesAnnotation.read(Map.of(NodeInterfacesAnnotation.KEY, ""))).contains(List.of());
  }
}
