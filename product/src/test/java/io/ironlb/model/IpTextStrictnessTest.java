package io.ironlb.model;

import io.ironlb.model.IpText;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class IpTextStrictnessTest {

  /** canonical null means the text is refused. */
  record Case(String name, String text, String canonical) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("a dotted quad", "198.51.100.7", "198.51.100.7"),
        new Case("surrounding spaces", " 10.0.0.1 ", "10.0.0.1"),
        new Case("leading zeros are refused", "10.0.0.01", null),
        new Case("three parts are refused", "10.0.1", null),
        new Case("an octet over 255 is refused", "10.0.0.256", null),
        new Case("a host name is refused without a lookup", "example.com", null),
        new Case("IPv6 is compressed", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        new Case("the longest zero run is compressed, the first on a tie", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        new Case("a single zero group is not compressed", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        new Case("all zeros", "::", "::"),
        new Case("an embedded IPv4 tail", "::ffff:198.51.100.7", "198.51.100.7"),
        new Case("an embedded tail with leading zeros is refused", "::ffff:198.051.100.7", null),
        new Case("a zone is refused", "fe80::1%eth0", null),
        new Case("brackets are refused", "[2001:db8::1]", null),
        new Case("an empty string is refused", "", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void addressesAreParsedStrictlyAndPrintedCanonically(Case c) {
    assertThat(IpText.parse(c.text()).map(IpText::format).orElse(null)).isEqualTo(c.canonical());
  }
}
