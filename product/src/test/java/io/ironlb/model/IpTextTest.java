package io.ironlb.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class IpTextTest {

  record Case(String name, String input, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("IPv4 stays dotted", "198.51.100.200", "198.51.100.200"),
        new Case("longest zero run is compressed", "2001:db8:0:0:0:0:0:c8", "2001:db8::c8"),
        new Case("leading zeros in a group are dropped", "2001:0db8:0086:0000:0000:0000:0000:0200", "2001:db8:86::200"),
        new Case("a single zero group is not compressed", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        new Case("the first of two equal runs is compressed", "2001:0:0:1:0:0:1:1", "2001::1:0:0:1:1"),
        new Case("the longer of two runs is compressed", "2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        new Case("all zeros", "0:0:0:0:0:0:0:0", "::"),
        new Case("loopback", "0:0:0:0:0:0:0:1", "::1"),
        new Case("trailing run", "fc00:0:0:0:0:0:0:0", "fc00::"),
        new Case("MetalLB's example", "fc00::1", "fc00::1"));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void formatsLikeKubernetesAndMetalLb(Case c) throws Exception {
    assertThat(IpText.format(InetAddress.getByName(c.input()))).isEqualTo(c.expected());
  }

  @ParameterizedTest
  @MethodSource("cases")
  void parseThenFormatIsStable(Case c) {
    assertThat(IpText.parse(c.expected()).map(IpText::format)).contains(c.expected());
  }

  @org.junit.jupiter.api.Test
  void hostNamesAreNeverResolved() {
    assertThat(IpText.parse("localhost")).isEmpty();
    assertThat(IpText.parse("example.com")).isEmpty();
    assertThat(IpText.parse("1.2.3")).isEmpty();
  }
}
