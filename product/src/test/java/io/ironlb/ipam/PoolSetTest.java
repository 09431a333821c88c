package io.ironlb.ipam;

import static io.ironlb.ipam.Dsl.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PoolSetTest {

  record Case(String name, List<PoolSpec> oldestFirst, List<InetAddress> nodeIps, List<String> usable,
      Map<String, List<String>> problemFragments) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("pools that do not overlap are all usable",
            List.of(pool("a", "198.51.100.0/25"), pool("b", "198.51.100.128/25")), List.of(), List.of("a", "b"), Map.of()),
        new Case("of two overlapping pools the younger is left out and the message names both",
            List.of(pool("older", "198.51.100.200-198.51.100.220"), pool("younger", "198.51.100.0/24")), List.of(),
            List.of("older"),
            Map.of("younger", List.of("198.51.100.0/24 overlaps 198.51.100.200-198.51.100.220 of pool older",
                "pool younger is out of service"))),
        new Case("creation order decides, not the name",
            List.of(pool("zz", "198.51.100.0/24"), pool("aa", "198.51.100.7/32")), List.of(), List.of("zz"),
            Map.of("aa", List.of("198.51.100.7/32 overlaps 198.51.100.0/24 of pool zz"))),
        new Case("a pool containing a node's IP is left out and the message names the IP",
            List.of(pool("lan", "192.168.86.0/24"), pool("ok", "198.51.100.0/24")), ips("192.168.86.10", "10.0.0.1"),
            List.of("ok"), Map.of("lan", List.of("192.168.86.0/24 contains node IP 192.168.86.10"))),
        new Case("a node's IPv6 address is found in an IPv6 pool",
            List.of(pool("v6", "2001:db8::/64")), ips("2001:db8::10"), List.of(),
            Map.of("v6", List.of("2001:db8::/64 contains node IP 2001:db8::10"))),
        new Case("a left-out pool does not take a third pool out with it",
            List.of(pool("a", "198.51.100.0/25"), pool("b", "198.51.100.100-198.51.100.200"), pool("c", "198.51.100.128/25")),
            List.of(), List.of("a", "c"), Map.of("b", List.of("overlaps 198.51.100.0/25 of pool a"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void poolsThatOverlapOrHoldNodeIpsAreLeftOutWithAReason(Case c) {
    PoolSet set = PoolSet.of(parsed(c.oldestFirst()), c.nodeIps());
    assertThat(set.usable().stream().map(Pool::name).toList()).isEqualTo(c.usable());
    assertThat(set.problems().keySet()).containsExactlyInAnyOrderElementsOf(c.problemFragments().keySet());
    c.problemFragments().forEach((pool, fragments) -> {
      for (String f : fragments) {
        assertThat(set.problems().get(pool)).contains(f);
      }
    });
  }
}
