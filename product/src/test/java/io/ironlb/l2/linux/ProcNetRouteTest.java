package io.ironlb.l2.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Which interfaces carry the default route, from the kernel's route tables as text. */
class ProcNetRouteTest {

  record Case(String name, String table, List<String> defaults) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final String V4_HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

  /** The seed's node: the LAN with the default route, the 200G link with its subnet only. */
  private static final String V4_SEED = V4_HEADER
      + "enP7s7\t00000000\t0156A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
      + "enP7s7\t0056A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
      + "enp1s0f0np0\t000A0A0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

  static Stream<Case> ipv4() {
    return Stream.of(
        new Case("the seed's node: default route on the LAN", V4_SEED, List.of("enP7s7")),
        new Case("no default route", V4_HEADER + "enp1s0f0np0\t000A0A0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n", List.of()),
        new Case("two default routes, different metrics: both listed, in order", V4_HEADER
            + "eth0\t00000000\t0164A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
            + "wlan0\t00000000\t0164A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
            + "eth0\t00000000\t0264A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n", List.of("eth0", "wlan0")),
        new Case("a default on a link, no gateway (point-to-point)", V4_HEADER
            + "ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n", List.of("ppp0")),
        new Case("an unreachable default (reject flag, no interface)", V4_HEADER
            + "*\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0\n", List.of()),
        new Case("a default route that is not up", V4_HEADER + "eth0\t00000000\t0164A8C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n", List.of()),
        new Case("0.0.0.0 with a mask is no default route", V4_HEADER + "eth0\t00000000\t0164A8C0\t0003\t0\t0\t0\t000000FF\t0\t0\t0\n",
            List.of()),
        new Case("malformed lines are skipped, the good one kept", V4_HEADER
            + "\n"
            + "eth0\n"
            + "eth0\t00000000\t0164A8C0\tzz03\t0\t0\t0\t00000000\t0\t0\t0\n"
            + "eth0\t0000000\t0164A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
            + "eth0\t00000000\t0164A8C0\t1234567890123\t0\t0\t0\t00000000\n"
            + "eth0\t00000000\t0164A8C0\t0003\t0\t0\t0\t-0000000\t0\t0\t0\n"
            + "\u0000\u0001 garbage\n"
            + "lan0\t00000000\t0156A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0", List.of("lan0")),
        new Case("empty", "", List.of()),
        new Case("header only", V4_HEADER, List.of()));
  }

  private static final String V6_NULL_ENTRY = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      + "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
  private static final String V6_LAN_SUBNET = "20010db8008600000000000000000000 40 00000000000000000000000000000000 00 "
      + "00000000000000000000000000000000 00000100 00000001 00000000 00000001   enP7s7\n";

  static Stream<Case> ipv6() {
    return Stream.of(
        new Case("the seed's node: default route on the LAN, the kernel's null entry on lo", V6_LAN_SUBNET
            + "00000000000000000000000000000000 00 00000000000000000000000000000000 00 20010db8008600000000000000000001 "
            + "00000400 00000001 00000000 00000003   enP7s7\n" + V6_NULL_ENTRY, List.of("enP7s7")),
        new Case("no default route, only the null entry", V6_LAN_SUBNET + V6_NULL_ENTRY, List.of()),
        new Case("two routers on two links (router advertisements)",
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 "
                + "00000400 00000001 00000000 00450003     eth0\n"
                + "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000002 "
                + "00000400 00000001 00000000 00450003     eth1\n", List.of("eth0", "eth1")),
        new Case("a source-specific default serves only that source",
            "00000000000000000000000000000000 00 20010db8000200000000000000000000 40 fe800000000000000000000000000001 "
                + "00000400 00000001 00000000 00000003     eth1\n", List.of()),
        new Case("::/0 in a prefix other than 0 is no default route",
            "00000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 "
                + "00000400 00000001 00000000 00000001     eth1\n", List.of()),
        new Case("a blackhole default (reject flag)",
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 "
                + "00000400 00000001 00000000 00000201     eth1\n", List.of()),
        new Case("malformed lines are skipped, the good one kept", "nonsense\n"
            + "0000000000000000000000000000000 00 00000000000000000000000000000000 00 x 00000400 00000001 00000000 00000003 eth0\n"
            + "00000000000000000000000000000000 00 00000000000000000000000000000000 00 x 00000400 00000001 00000000 0000000g eth0\n"
            + "00000000000000000000000000000000 zz 00000000000000000000000000000000 00 x 00000400 00000001 00000000 00000003 eth0\n"
            + "00000000000000000000000000000000 00 00000000000000000000000000000000 00 x 00000400 00000001 00000000 00000003\n"
            + "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 "
            + "00000400 00000001 00000000 00000003 lan0", List.of("lan0")),
        new Case("empty", "", List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ipv4")
  void ipv4DefaultRoutes(Case c) {
    assertThat(ProcNetRoute.ipv4Defaults(c.table())).isEqualTo(c.defaults());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ipv6")
  void ipv6DefaultRoutes(Case c) {
    assertThat(ProcNetRoute.ipv6Defaults(c.table())).isEqualTo(c.defaults());
  }
}
