package io.ironlb.crds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cel.runtime.CelEvaluationException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The IP and CIDR functions behave as Kubernetes' CEL library does (its documented examples and
 * Go's netip parser underneath), so a rule that passes here passes on a real API server.
 */
class KubernetesCelLibraryTest {
    private static final CelRules CEL = new CelRules();

    record Expect(String expression, Object result) {
        @Override
        public String toString() {
            return expression + " == " + result;
        }
    }

    static Stream<Expect> expressions() {
        return Stream.of(
                // isIP: Go's netip.ParseAddr, minus zones and IPv4-mapped IPv6.
                new Expect("isIP('127.0.0.1')", true),
                new Expect("isIP('::1')", true),
                new Expect("isIP('2001:DB8::1')", true),
                new Expect("isIP('0000:0000::1')", true),
                new Expect("isIP('1.2.3.4/24')", false),
                new Expect("isIP('127.0.0.256')", false),
                new Expect("isIP(':::1')", false),
                new Expect("isIP('127.0.0.01')", false),
                new Expect("isIP('1.2.3')", false),
                new Expect("isIP('1.2.3.4.5')", false),
                new Expect("isIP(' 1.2.3.4')", false),
                new Expect("isIP('')", false),
                new Expect("isIP('localhost')", false),
                new Expect("isIP('::ffff:1.2.3.4')", false),
                new Expect("isIP('::ffff:c0a8:1')", false),
                new Expect("isIP('::1.2.3.4')", true),
                new Expect("isIP('64:ff9b::1.2.3.4')", true),
                new Expect("isIP('1:2:3:4:5:6:1.2.3.4')", true),
                new Expect("isIP('1:2:3:4:5:6:7:1.2.3.4')", false),
                new Expect("isIP('::01.2.3.4')", false),
                new Expect("isIP('fe80::1%eth0')", false),
                new Expect("isIP('1.2.3.4%eth0')", false),
                new Expect("isIP('1:2:3:4:5:6:7:8')", true),
                new Expect("isIP('1:2:3:4:5:6:7::')", true),
                new Expect("isIP('1:2:3:4:5:6:7:8::')", false),
                new Expect("isIP('::1:2:3:4:5:6:7:8')", false),
                new Expect("isIP('1:2:3:4:5:6:7')", false),
                new Expect("isIP('1::2::3')", false),
                new Expect("isIP('12345::')", false),
                new Expect("isIP('::1:')", false),
                new Expect("isIP(':1')", false),
                new Expect("isIP('::')", true),
                // ip(): family, equality, canonical text (RFC 5952, as Go prints it).
                new Expect("ip('127.0.0.1').family()", 4L),
                new Expect("ip('::1').family()", 6L),
                new Expect("ip('127.0.0.1') == ip('127.0.0.1')", true),
                new Expect("ip('2001:db8::1') == ip('2001:DB8:0:0:0:0:0:1')", true),
                new Expect("ip('127.0.0.1') == ip('127.0.0.2')", false),
                new Expect("string(ip('2001:DB8:0:0:0:0:0:1'))", "2001:db8::1"),
                new Expect("string(ip('2001:db8:0:1:1:1:1:1'))", "2001:db8:0:1:1:1:1:1"),
                new Expect("string(ip('2001:0:0:1:0:0:0:1'))", "2001:0:0:1::1"),
                new Expect("string(ip('2001:db8:0:0:1:0:0:1'))", "2001:db8::1:0:0:1"),
                new Expect("string(ip('::'))", "::"),
                new Expect("string(ip('::1.2.3.4'))", "::102:304"),
                new Expect("string(ip('198.51.100.7'))", "198.51.100.7"),
                // isCIDR and cidr(): Go's netip.ParsePrefix, minus IPv4-mapped IPv6; host bits may be set.
                new Expect("isCIDR('192.168.0.0/16')", true),
                new Expect("isCIDR('192.168.0.1/16')", true),
                new Expect("isCIDR('::1/128')", true),
                new Expect("isCIDR('::/0')", true),
                new Expect("isCIDR('0.0.0.0/0')", true),
                new Expect("isCIDR('192.168.0.0/33')", false),
                new Expect("isCIDR('::/129')", false),
                new Expect("isCIDR('192.168.0.0/024')", false),
                new Expect("isCIDR('192.168.0.0/+8')", false),
                new Expect("isCIDR('192.168.0.0/-1')", false),
                new Expect("isCIDR('192.168.0.0/')", false),
                new Expect("isCIDR('192.168.0.0')", false),
                new Expect("isCIDR('192.168.0.0/8/8')", false),
                new Expect("isCIDR('192.168.00.0/16')", false),
                new Expect("isCIDR('fe80::%eth0/64')", false),
                new Expect("isCIDR('::ffff:192.168.0.0/120')", false),
                new Expect("cidr('192.168.0.0/16').containsIP(ip('192.168.0.1'))", true),
                new Expect("cidr('192.168.0.0/16').containsIP(ip('192.169.0.1'))", false),
                new Expect("cidr('192.168.0.0/16').containsIP('192.168.0.1')", true),
                new Expect("cidr('0.0.0.0/0').containsIP('::1')", false),
                new Expect("cidr('::/0').containsIP('1.2.3.4')", false),
                new Expect("cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24'))", true),
                new Expect("cidr('192.168.0.0/16').containsCIDR('192.168.0.0/16')", true),
                new Expect("cidr('192.168.10.0/24').containsCIDR('192.168.0.0/16')", false),
                new Expect("cidr('192.168.0.0/16').containsCIDR('2001:db8::/120')", false),
                new Expect("cidr('192.168.0.1/24').ip() == ip('192.168.0.1')", true),
                new Expect("string(cidr('192.168.0.1/24').masked())", "192.168.0.0/24"),
                new Expect("cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')", true),
                new Expect("cidr('::1/128').prefixLength()", 128L),
                new Expect("string(cidr('2001:DB8::/32'))", "2001:db8::/32"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("expressions")
    void functionReturnsWhatKubernetesReturns(Expect expect) throws CelEvaluationException {
        assertThat(CEL.evaluate(expect.expression())).isEqualTo(expect.result());
    }

    static Stream<String> conversionsThatFail() {
        return Stream.of("ip('::ffff:c0a8:1')", "ip('fe80::1%eth0')", "ip('127.0.0.01')", "ip('not an ip')",
                "cidr('192.168.0.0/33')", "cidr('::ffff:192.168.0.0/120')", "cidr('192.168.0.0/16').containsIP('nope')");
    }

    @ParameterizedTest(name = "{0} is an evaluation error")
    @MethodSource("conversionsThatFail")
    void conversionOfAnInvalidStringIsAnEvaluationError(String expression) {
        assertThatThrownBy(() -> CEL.evaluate(expression)).isInstanceOf(CelEvaluationException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errorsAbsorbedByLogic")
    void anErrorOnTheUntakenSideOfALogicalOperatorIsAbsorbedAsInKubernetes(String expression) throws CelEvaluationException {
        assertThat(CEL.evaluate(expression)).isEqualTo(true);
    }

    static Stream<String> errorsAbsorbedByLogic() {
        return Stream.of("isIP('x') || true", "true || ip('x').family() == 4", "ip('x').family() == 4 || true",
                "!(false && ip('x').family() == 4)");
    }
}
