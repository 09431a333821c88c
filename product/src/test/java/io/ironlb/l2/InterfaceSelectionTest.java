package io.ironlb.l2;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.l2.packet.MacAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The seed's node: a LAN and an internal link, plus everything a Kubernetes node grows. */
class InterfaceSelectionTest {

  static int next = 1;

  static NetInterface nic(String name, String cidr, boolean up, boolean noArp, String kind, int master) {
    List<InterfaceAddress> addrs = new ArrayList<>();
    if (cidr != null) {
      String[] p = cidr.split("/");
      try {
        addrs.add(new InterfaceAddress(InetAddress.getByName(p[0]), Integer.parseInt(p[1])));
      } catch (Exception e) {
        throw new IllegalArgumentException(e);
      }
    }
    int index = next++;
    return new NetInterface(name, index, new MacAddress(0x0200_0000_0000L + index), up, up, name.equals("lo"), noArp, kind, master, addrs);
  }

  static final NetInterface LO = nic("lo", "127.0.0.1/8", true, false, "", 0);
  static final NetInterface BR0 = nic("br0", "198.51.100.11/24", true, false, "bridge", 0);
  static final NetInterface ENP = nic("enp1s0", null, true, false, "", BR0.index());
  static final NetInterface INTERNAL = nic("ib0", "203.0.113.11/24", true, false, "", 0);
  static final NetInterface V6LAN = nic("eth1", "2001:db8:1::11/64", true, false, "", 0);
  static final NetInterface DOWN = nic("eth2", "198.51.100.99/24", false, false, "", 0);
  static final NetInterface VETH = nic("veth1234", "198.51.100.77/24", true, false, "veth", 0);
  static final NetInterface CALI = nic("cali0a1b", "198.51.100.78/24", true, false, "veth", 0);
  static final NetInterface DOCKER = nic("docker0", "198.51.100.79/24", true, false, "bridge", 0);
  static final NetInterface IPVS = nic("kube-ipvs0", "198.51.100.80/24", true, true, "dummy", 0);
  static final NetInterface TUNNEL = nic("wg0", "198.51.100.81/24", true, true, "wireguard", 0);
  static final NetInterface DOWN_V6 = nic("eth3", "2001:db8:2::11/64", false, false, "", 0);
  static final InterfaceTable NODE = InterfaceTable.of(List.of(LO, BR0, ENP, INTERNAL, V6LAN, DOWN, VETH, CALI, DOCKER, IPVS, TUNNEL, DOWN_V6));

  /** MetalLB's shipped excludel2 list, and one pattern of an operator's own. */
  static final ExcludedInterfaces METALLB_DEFAULTS = ExcludedInterfaces.of(List.of("^docker.*", "^cbr.*", "^dummy.*", "^virbr.*",
      "^lxcbr.*", "^veth.*", "^lo$", "^cali.*", "^tunl.*", "^flannel.*", "^kube-ipvs.*", "^cni.*", "^nodelocaldns.*", "^lxc.*"));

  record Case(String name, String vip, List<String> explicit, ExcludedInterfaces configured, List<String> expected,
      InterfaceSelection.Basis basis) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("a LAN VIP is announced on the LAN bridge only", "198.51.100.200", List.of(), ExcludedInterfaces.none(), List.of("br0"), InterfaceSelection.Basis.SUBNET),
        new Case("an internal-subnet VIP is announced on the internal link only", "203.0.113.200", List.of(), ExcludedInterfaces.none(), List.of("ib0"),
            InterfaceSelection.Basis.SUBNET),
        new Case("an IPv6 VIP goes where its /64 is", "2001:db8:1::200", List.of(), ExcludedInterfaces.none(), List.of("eth1"), InterfaceSelection.Basis.SUBNET),
        new Case("a VIP in no node subnet falls back to every eligible interface", "192.0.2.10", List.of(), ExcludedInterfaces.none(), List.of("br0", "ib0", "eth1"),
            InterfaceSelection.Basis.NO_SUBNET_MATCH),
        new Case("a VIP whose subnet's link is down is announced nowhere, not on the other links", "2001:db8:2::200", List.of(), ExcludedInterfaces.none(), List.of(),
            InterfaceSelection.Basis.SUBNET),
        new Case("an explicit list overrides the subnet rule", "198.51.100.200", List.of("ib0"), ExcludedInterfaces.none(), List.of("ib0"), InterfaceSelection.Basis.EXPLICIT),
        new Case("an explicit list never brings in a bridge member, veth, lo, NOARP or down link", "198.51.100.200",
            List.of("enp1s0", "veth1234", "lo", "kube-ipvs0", "eth2", "docker0", "cali0a1b", "wg0"), ExcludedInterfaces.none(), List.of(),
            InterfaceSelection.Basis.EXPLICIT),
        new Case("MetalLB's default list leaves the seed's LAN and internal link alone", "198.51.100.200", List.of(), METALLB_DEFAULTS,
            List.of("br0"), InterfaceSelection.Basis.SUBNET),
        new Case("a pattern excluding the LAN bridge leaves its VIP nowhere, not on the internal link", "198.51.100.200", List.of(),
            ExcludedInterfaces.of(List.of("^br")), List.of(), InterfaceSelection.Basis.SUBNET),
        new Case("a pattern matches anywhere in the name, as Go's regexp does", "192.0.2.10", List.of(), ExcludedInterfaces.of(List.of("b0")),
            List.of("br0", "eth1"), InterfaceSelection.Basis.NO_SUBNET_MATCH),
        new Case("an excluded interface named by the advertisement is still not used", "198.51.100.200", List.of("ib0", "br0"),
            ExcludedInterfaces.of(List.of("^ib")), List.of("br0"), InterfaceSelection.Basis.EXPLICIT),
        new Case("anchored patterns exclude only what they anchor", "192.0.2.10", List.of(),
            ExcludedInterfaces.of(List.of("^eth1$", "^b$")), List.of("br0", "ib0"), InterfaceSelection.Basis.NO_SUBNET_MATCH));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void selectsTheInterfacesThatShouldAnnounce(Case c) throws Exception {
    InterfaceSelection.Selection s = InterfaceSelection.select(InetAddress.getByName(c.vip()), NODE, c.explicit(), c.configured());
    assertThat(s.names()).containsExactlyElementsOf(c.expected());
    assertThat(s.basis()).isEqualTo(c.basis());
  }

  @org.junit.jupiter.api.Test
  void everyExcludedInterfaceCarriesItsReason() throws Exception {
    var s = InterfaceSelection.select(InetAddress.getByName("198.51.100.200"), NODE, List.of(), ExcludedInterfaces.none());
    assertThat(s.excluded()).containsEntry("lo", InterfaceSelection.Exclusion.LOOPBACK)
        .containsEntry("enp1s0", InterfaceSelection.Exclusion.BRIDGE_OR_BOND_MEMBER)
        .containsEntry("eth2", InterfaceSelection.Exclusion.DOWN)
        .containsEntry("veth1234", InterfaceSelection.Exclusion.CONTAINER_OR_PROXY_DEVICE)
        .containsEntry("kube-ipvs0", InterfaceSelection.Exclusion.CONTAINER_OR_PROXY_DEVICE)
        .containsEntry("wg0", InterfaceSelection.Exclusion.NOARP)
        .containsEntry("ib0", InterfaceSelection.Exclusion.SUBNET_DOES_NOT_CONTAIN_VIP);
  }

  @org.junit.jupiter.api.Test
  void anInterfaceTheConfigMapExcludesSaysSoAndBuiltInReasonsComeFirst() throws Exception {
    var s = InterfaceSelection.select(InetAddress.getByName("198.51.100.200"), NODE, List.of(),
        ExcludedInterfaces.of(List.of("^ib", "^eth", "^lo$", "^veth")));

    assertThat(s.excluded()).containsEntry("ib0", InterfaceSelection.Exclusion.EXCLUDED_BY_CONFIGMAP)
        .containsEntry("eth1", InterfaceSelection.Exclusion.EXCLUDED_BY_CONFIGMAP)
        .containsEntry("eth2", InterfaceSelection.Exclusion.EXCLUDED_BY_CONFIGMAP)
        .containsEntry("lo", InterfaceSelection.Exclusion.LOOPBACK)
        .containsEntry("veth1234", InterfaceSelection.Exclusion.CONTAINER_OR_PROXY_DEVICE);
  }
}
