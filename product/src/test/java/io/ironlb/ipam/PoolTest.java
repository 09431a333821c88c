package io.ironlb.ipam;

import static io.ironlb.ipam.Dsl.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.model.LabelSelector;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PoolTest {

  record Bad(String name, PoolSpec spec, List<String> expectedFragments) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Bad> badPools() {
    return Stream.of(
        new Bad("a range that starts after it ends says so and offers the fix",
            pool("lan-pool", "192.168.86.220-192.168.86.200"),
            List.of("IPAddressPool lan-pool: range 192.168.86.220-192.168.86.200 starts after it ends",
                "192.168.86.200-192.168.86.220")),
        new Bad("a pool without addresses is refused", pool("lan-pool"),
            List.of("IPAddressPool lan-pool: spec.addresses is empty")),
        new Bad("an address that is not an IP names the value", pool("lan-pool", "192.168.1.300/24"),
            List.of("IPAddressPool lan-pool: spec.addresses entry \"192.168.1.300/24\"", "\"192.168.1.300\" is not an IP address")),
        new Bad("a prefix length out of range names the bounds", pool("lan-pool", "192.168.1.0/33"),
            List.of("prefix length \"33\" must be 0 to 32")),
        new Bad("an IPv6 prefix length out of range names the bounds", pool("v6", "2001:db8::/129"),
            List.of("prefix length \"129\" must be 0 to 128")),
        new Bad("a bad range start is named", pool("lan-pool", "192.168.1.x-192.168.1.9"),
            List.of("start \"192.168.1.x\" is not an IP address")),
        new Bad("a bad range end is named", pool("lan-pool", "192.168.1.1-nope"),
            List.of("end \"nope\" is not an IP address")),
        new Bad("a range mixing families is refused", pool("lan-pool", "192.168.1.1-2001:db8::1"),
            List.of("range 192.168.1.1-2001:db8::1 mixes an IPv4 and an IPv6 address")),
        new Bad("a single address without a prefix suggests /32", pool("lan-pool", "192.168.1.50"),
            List.of("is a single address", "write 192.168.1.50/32")),
        new Bad("host names are never resolved", pool("lan-pool", "localhost/32"),
            List.of("\"localhost\" is not an IP address")),
        new Bad("leading zeros are refused as Kubernetes does", pool("lan-pool", "192.168.001.0/24"),
            List.of("\"192.168.001.0\" is not an IP address")),
        new Bad("overlapping entries inside one pool are refused and both named",
            pool("lan-pool", "192.168.1.0/24", "192.168.1.100-192.168.1.110"),
            List.of("192.168.1.100-192.168.1.110 overlaps 192.168.1.0/24 of the same pool")),
        new Bad("an empty entry is refused", pool("lan-pool", "192.168.1.0/24", " "),
            List.of("spec.addresses entry \"\" is empty")),
        new Bad("a negative priority is refused",
            new PoolSpec("p", List.of("192.168.1.0/24"), true, false, -1, List.of(), List.of(), List.of()),
            List.of("spec.serviceAllocation.priority -1 is negative")),
        // MetalLB's duplicate checks (config.go), each with MetalLB's wording and the field it is in.
        new Bad("a namespace listed twice is refused (MetalLB: duplicate definition in namespaces field)",
            new PoolSpec("p", List.of("192.168.1.0/24"), true, false, null, List.of("a", "a"), List.of(), List.of()),
            List.of("IPAddressPool p: spec.serviceAllocation.namespaces: duplicate definition of namespace \"a\"")),
        new Bad("a service selector listed twice is refused (MetalLB: duplicate definition of serviceSelectors)",
            new PoolSpec("p", List.of("192.168.1.0/24"), true, false, null, List.of(), List.of(),
                List.of(LabelSelector.ofLabels(Map.of("a", "b", "c", "d")), LabelSelector.ofLabels(Map.of("c", "d", "a", "b")))),
            List.of("IPAddressPool p: spec.serviceAllocation.serviceSelectors[1]: duplicate definition of serviceSelectors "
                + "{matchLabels: {a=b, c=d}} (the same as spec.serviceAllocation.serviceSelectors[0])")),
        new Bad("a value twice in one namespaceSelectors expression is refused (MetalLB: In [bar, bar])",
            new PoolSpec("p", List.of("192.168.1.0/24"), true, false, null, List.of(), List.of(selector("team", IN, "bar", "bar")),
                List.of()),
            List.of("IPAddressPool p: spec.serviceAllocation.namespaceSelectors[0].matchExpressions[0]: duplicate definition of "
                + "match expression value in label selector \"bar\"")),
        new Bad("a value twice in one serviceSelectors expression is refused",
            new PoolSpec("p", List.of("192.168.1.0/24"), true, false, null, List.of(), List.of(),
                List.of(selector("app", NOT_IN, "a", "b", "a"))),
            List.of("spec.serviceAllocation.serviceSelectors[0].matchExpressions[0]: duplicate definition of match expression value"
                + " in label selector \"a\"")),
        new Bad("the same expression twice in one selector is refused, values in any order",
            new PoolSpec("p", List.of("192.168.1.0/24"), true, false, null, List.of(), List.of(),
                List.of(new LabelSelector(Map.of(), List.of(requirement("app", IN, "a", "b"), requirement("app", IN, "b", "a"))))),
            List.of("spec.serviceAllocation.serviceSelectors[0].matchExpressions[1]: duplicate definition of match expressions "
                + "{app In [b, a]} (the same as matchExpressions[0])")),
        new Bad("two selectors whose expressions differ only in value order are the same selector",
            new PoolSpec("p", List.of("192.168.1.0/24"), true, false, null, List.of(),
                List.of(selector("team", IN, "x", "y"), selector("team", IN, "y", "x")), List.of()),
            List.of("spec.serviceAllocation.namespaceSelectors[1]: duplicate definition of namespaceSelectors")),
        new Bad("a CIDR with a space before it is refused, as MetalLB parses a CIDR as written", pool("p", " 192.168.1.0/24"),
            List.of("IPAddressPool p: spec.addresses entry \" 192.168.1.0/24\" is not a valid CIDR: it contains spaces;"
                + " write it as \"192.168.1.0/24\"")),
        new Bad("a CIDR with a space after it is refused", pool("p", "192.168.1.0/24 "),
            List.of("spec.addresses entry \"192.168.1.0/24 \" is not a valid CIDR: it contains spaces")),
        new Bad("a CIDR with a space inside is refused", pool("p", "192.168.1.0 /24"),
            List.of("spec.addresses entry \"192.168.1.0 /24\" is not a valid CIDR: it contains spaces")),
        new Bad("a pool without a name is refused", pool("", "192.168.1.0/24"),
            List.of("metadata.name is empty")),
        new Bad("every problem is reported at once", pool("p", "nope", "10.0.0.9-10.0.0.1"),
            List.of("\"nope\" is not a CIDR", "range 10.0.0.9-10.0.0.1 starts after it ends")));
  }

  private static final LabelSelector.Operator IN = LabelSelector.Operator.IN;
  private static final LabelSelector.Operator NOT_IN = LabelSelector.Operator.NOT_IN;

  private static LabelSelector.Requirement requirement(String key, LabelSelector.Operator op, String... values) {
    return new LabelSelector.Requirement(key, op, List.of(values));
  }

  private static LabelSelector selector(String key, LabelSelector.Operator op, String... values) {
    return new LabelSelector(Map.of(), List.of(requirement(key, op, values)));
  }

  static Stream<PoolSpec> acceptedLikeMetalLb() {
    return Stream.of(
        // A range with spaces around it and its dash: MetalLB trims each end.
        pool("spaced-range", " 192.168.1.10 - 192.168.1.20 "),
        new PoolSpec("different-selectors", List.of("192.168.1.0/24"), true, false, null, List.of("a", "b"),
            List.of(selector("team", IN, "x"), selector("team", IN, "y")),
            List.of(LabelSelector.ofLabels(Map.of("a", "b")), LabelSelector.ofLabels(Map.of("a", "c")))),
        new PoolSpec("a-selector-and-a-longer-one", List.of("192.168.1.0/24"), true, false, null, List.of(), List.of(),
            List.of(LabelSelector.ofLabels(Map.of("a", "1")), LabelSelector.ofLabels(Map.of("a", "1", "b", "2")))));
  }

  @ParameterizedTest
  @MethodSource("acceptedLikeMetalLb")
  void poolsMetalLbAcceptsAreAccepted(PoolSpec spec) {
    assertThat(Pool.parse(spec)).isInstanceOf(PoolValidation.Valid.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badPools")
  void invalidPoolsAreRefusedWithAMessageNamingFieldAndValue(Bad c) {
    PoolValidation v = Pool.parse(c.spec());
    assertThat(v).isInstanceOf(PoolValidation.Invalid.class);
    String all = String.join("\n", ((PoolValidation.Invalid) v).errors());
    for (String fragment : c.expectedFragments()) {
      assertThat(all).contains(fragment);
    }
  }

  record Size(String name, PoolSpec spec, BigInteger ipv4, BigInteger ipv6) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Size size(String name, PoolSpec spec, long v4, long v6) {
    return new Size(name, spec, BigInteger.valueOf(v4), BigInteger.valueOf(v6));
  }

  static Stream<Size> sizes() {
    return Stream.of(
        size("a /24 holds 256 (MetalLB's TestPoolCount)", pool("p", "1.2.3.0/24"), 256, 0),
        size("a /24 and a /25 hold 384", pool("p", "1.2.3.0/24", "2.3.4.128/25"), 384, 0),
        size("a /24 and a /25 avoiding buggy IPs hold 381", avoidBuggy(pool("p", "1.2.3.0/24", "2.3.4.128/25")), 381, 0),
        size("a /31 avoiding buggy IPs and a /127 hold 1 and 2", avoidBuggy(pool("p", "1.2.3.0/31", "1000::/127")), 1, 2),
        size("a range across a /24 boundary avoiding buggy IPs", avoidBuggy(pool("p", "10.0.0.250-10.0.1.5")), 10, 0),
        size("a range of one address", pool("p", "10.0.0.7-10.0.0.7"), 1, 0),
        size("host bits of a CIDR are dropped as Go does", pool("p", "192.168.1.77/30"), 4, 0),
        size("an IPv4 /8 avoiding buggy IPs", avoidBuggy(pool("p", "10.0.0.0/8")), (1L << 24) - 2 * (1L << 16), 0),
        new Size("an IPv6 /64 is counted exactly", pool("p", "2001:db8::/64"), BigInteger.ZERO, BigInteger.ONE.shiftLeft(64)),
        new Size("all of IPv6 is counted exactly", pool("p", "::/0"), BigInteger.ZERO, BigInteger.ONE.shiftLeft(128)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sizes")
  void poolSizeCountsWithoutEnumerating(Size c) {
    Pool p = parsed(c.spec());
    assertThat(p.size(IpFamily.IPV4)).isEqualTo(c.ipv4());
    assertThat(p.size(IpFamily.IPV6)).isEqualTo(c.ipv6());
  }

  record Membership(String name, PoolSpec spec, String ip, boolean contains, boolean assignable) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Membership> memberships() {
    PoolSpec buggy = avoidBuggy(pool("p", "198.51.100.0/24", "2001:db8::/120"));
    return Stream.of(
        new Membership("an address inside a CIDR", buggy, "198.51.100.7", true, true),
        new Membership("the .0 of a pool avoiding buggy IPs is contained but not assignable", buggy, "198.51.100.0", true, false),
        new Membership("the .255 likewise", buggy, "198.51.100.255", true, false),
        new Membership("an address just past the end", buggy, "198.51.101.0", false, false),
        new Membership("an IPv6 address", buggy, "2001:db8::ff", true, true),
        new Membership("an IPv6 address past the end", buggy, "2001:db8::100", false, false),
        new Membership("the top of IPv6 in a ::/0 pool", pool("all", "::/0"), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, true),
        new Membership("an IPv4 address in an IPv6-only pool", pool("all", "::/0"), "10.0.0.1", false, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("memberships")
  void poolsKnowWhichAddressesTheyHoldAndHandOut(Membership c) {
    Pool p = parsed(c.spec());
    assertThat(p.contains(ip(c.ip()))).isEqualTo(c.contains());
    assertThat(p.assignable(ip(c.ip()))).isEqualTo(c.assignable());
  }

  record Overlap(String name, PoolSpec a, PoolSpec b, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Overlap> overlaps() {
    return Stream.of(
        new Overlap("a CIDR over a range names both and the other pool", pool("young", "198.51.100.0/24"),
            pool("other", "198.51.100.200-198.51.100.220"), "198.51.100.0/24 overlaps 198.51.100.200-198.51.100.220 of pool other"),
        new Overlap("touching ranges do not overlap", pool("a", "198.51.100.0-198.51.100.9"),
            pool("b", "198.51.100.10-198.51.100.19"), null),
        new Overlap("IPv4 and IPv6 never overlap", pool("a", "0.0.0.0/0"), pool("b", "::/0"), null),
        new Overlap("IPv6 ranges overlap", pool("a", "2001:db8::/64"), pool("b", "2001:db8::ffff-2001:db8::1:0"),
            "2001:db8::/64 overlaps 2001:db8::ffff-2001:db8::1:0 of pool b"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overlaps")
  void overlapsBetweenPoolsAreDescribed(Overlap c) {
    assertThat(parsed(c.a()).overlapWith(parsed(c.b())).orElse(null)).isEqualTo(c.expected());
  }

  record Allow(String name, PoolSpec spec, String namespace, Map<String, String> nsLabels, Map<String, String> svcLabels,
      boolean allowed) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Allow> allows() {
    PoolSpec both = namespaceSelector(namespaces(pool("p", "10.0.0.0/24"), "listed"), Map.of("env", "prod"));
    return Stream.of(
        new Allow("a pool without serviceAllocation accepts everyone", pool("p", "10.0.0.0/24"), "x", Map.of(), Map.of(), true),
        new Allow("a listed namespace is accepted", both, "listed", Map.of(), Map.of(), true),
        new Allow("a namespace matching the selector is accepted", both, "other", Map.of("env", "prod"), Map.of(), true),
        new Allow("any other namespace is refused", both, "other", Map.of("env", "dev"), Map.of(), false),
        new Allow("a service matching the service selector is accepted",
            serviceSelector(pool("p", "10.0.0.0/24"), Map.of("a", "b")), "x", Map.of(), Map.of("a", "b"), true),
        new Allow("a service not matching it is refused",
            serviceSelector(pool("p", "10.0.0.0/24"), Map.of("a", "b")), "x", Map.of(), Map.of("a", "c"), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("allows")
  void serviceAllocationRestrictsNamespacesAndServices(Allow c) {
    assertThat(parsed(c.spec()).allows(c.namespace(), c.nsLabels(), c.svcLabels())).isEqualTo(c.allowed());
  }
}
