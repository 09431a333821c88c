package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CidrTest {

  record Case(String name, String cidr, long host, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> hosts() {
    return Stream.of(
        new Case("ipv4 host", "198.51.100.0/24", 11, "198.51.100.11"),
        new Case("ipv4 network bits are masked", "198.51.100.77/24", 200, "198.51.100.200"),
        new Case("ipv6 compresses the zero run", "2001:db8:86::/64", 0x200, "2001:db8:86::200"),
        new Case("ipv6 upper case input", "2001:DB8:0086:0000::/64", 0x12, "2001:db8:86::12"),
        new Case("ipv6 longest zero run wins", "2001:db8:0:0:1::/80", 1, "2001:db8::1:0:0:1"));
  }

  @ParameterizedTest
  @MethodSource("hosts")
  void hostNumbersBecomeCanonicalAddresses(Case c) {
    assertThat(Cidr.parse(c.cidr()).host(c.host())).isEqualTo(c.expected());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"::,::", "::1,::1", "2001:db8::,2001:db8::",
      "2001:0db8:0:1:0:0:0:1,2001:db8:0:1::1", "198.51.100.2,198.51.100.2"})
  void canonicalTextFollowsRfc5952(String in, String out) {
    assertThat(Cidr.canonical(in)).isEqualTo(out);
  }

  @org.junit.jupiter.api.Test
  void errorsNameTheProblem() {
    assertThatThrownBy(() -> Cidr.parse("198.51.100.0")).hasMessageContaining("ADDRESS/PREFIX");
    assertThatThrownBy(() -> Cidr.parse("198.51.100.0/33")).hasMessageContaining("0-32");
    assertThatThrownBy(() -> Cidr.parse("lan/24")).hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> Cidr.parse("198.51.100.0/24").host(255)).hasMessageContaining("no host number 255");
  }

  @org.junit.jupiter.api.Test
  void containsChecksFamilyAndPrefix() {
    Cidr lan = Cidr.parse("198.51.100.0/24");
    assertThat(lan.contains("198.51.100.50")).isTrue();
    assertThat(lan.contains("203.0.113.50")).isFalse();
    assertThat(lan.contains("2001:db8::1")).isFalse();
    assertThat(Cidr.isIp("198.51.100.50")).isTrue();
    assertThat(Cidr.isIp("spark-2959")).isFalse();
  }
}
