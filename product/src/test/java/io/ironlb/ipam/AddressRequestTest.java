package io.ironlb.ipam;

import static io.ironlb.ipam.Dsl.ips;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AddressRequestTest {

  record Case(String name, String annotation, String spec, AddressRequestResult expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static AddressRequestResult ok(String... ips) {
    return new AddressRequestResult.Ok(ips(ips));
  }

  static AddressRequestResult error(String message) {
    return new AddressRequestResult.Error(message);
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("nothing asked means any address", null, null, ok()),
        new Case("blank values count as absent", " ", "", ok()),
        new Case("one IPv4 address in the annotation", "198.51.100.7", null, ok("198.51.100.7")),
        new Case("spaces around addresses are tolerated", " 198.51.100.7 , 2001:db8::7 ", null, ok("198.51.100.7", "2001:db8::7")),
        new Case("IPv6 listed first comes back IPv4 first", "2001:db8::7,198.51.100.7", null, ok("198.51.100.7", "2001:db8::7")),
        new Case("spec.loadBalancerIP alone", null, "198.51.100.9", ok("198.51.100.9")),
        new Case("a value that is not an IP names the annotation and the value", "foo", null,
            error("metallb.io/loadBalancerIPs: \"foo\" is not an IP address; write one IPv4 and/or one IPv6 address, comma-separated")),
        new Case("a host name is not resolved", "localhost", null,
            error("metallb.io/loadBalancerIPs: \"localhost\" is not an IP address; write one IPv4 and/or one IPv6 address, comma-separated")),
        new Case("a trailing comma leaves an empty entry", "198.51.100.7,", null,
            error("metallb.io/loadBalancerIPs: \"\" is not an IP address; write one IPv4 and/or one IPv6 address, comma-separated")),
        new Case("three addresses are too many", "198.51.100.7,2001:db8::7,198.51.100.8", null,
            error("metallb.io/loadBalancerIPs: \"198.51.100.7,2001:db8::7,198.51.100.8\" lists 3 addresses; give at most two, one IPv4 and one IPv6")),
        new Case("two of one family are refused", "198.51.100.7,198.51.100.8", null,
            error("metallb.io/loadBalancerIPs: \"198.51.100.7,198.51.100.8\" lists two IPv4 addresses; give at most one per family (one IPv4 and one IPv6)")),
        new Case("both the annotation and spec.loadBalancerIP are refused", "198.51.100.7", "198.51.100.8",
            error("service sets both metallb.io/loadBalancerIPs (\"198.51.100.7\") and spec.loadBalancerIP (\"198.51.100.8\"); remove one of them (spec.loadBalancerIP is deprecated, keep the annotation)")),
        new Case("a bad spec.loadBalancerIP names the field", null, "198.51.100.300",
            error("spec.loadBalancerIP: \"198.51.100.300\" is not an IP address; write one IPv4 or IPv6 address, or remove the field")),
        new Case("an IPv6 zone is refused", "fe80::1%eth0", null,
            error("metallb.io/loadBalancerIPs: \"fe80::1%eth0\" is not an IP address; write one IPv4 and/or one IPv6 address, comma-separated")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void addressRequestsAreParsedStrictly(Case c) {
    assertThat(AddressRequest.parse(c.annotation(), c.spec())).isEqualTo(c.expected());
  }

  @org.junit.jupiter.api.Test
  void theDeprecatedAnnotationIsNamedWhenItWasUsed() {
    assertThat(AddressRequest.parse("foo", null, "metallb.universe.tf/loadBalancerIPs"))
        .isEqualTo(error("metallb.universe.tf/loadBalancerIPs: \"foo\" is not an IP address; write one IPv4 and/or one IPv6 address, comma-separated"));
  }
}
