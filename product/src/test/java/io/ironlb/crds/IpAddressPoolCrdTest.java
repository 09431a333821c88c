package io.ironlb.crds;

import static io.ironlb.crds.CrdCase.accepted;
import static io.ironlb.crds.CrdCase.pool;
import static io.ironlb.crds.CrdCase.refused;
import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.crds.CrdValidator.Result;
import io.ironlb.crds.CrdValidator.UnknownFields;
import java.util.Collections;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class IpAddressPoolCrdTest {
    private static final CrdValidator VALIDATOR = CrdValidator.fromKustomization(CrdCase.CRD_DIRECTORY);
    private static final String ADDRESS = "spec.addresses[0]: Invalid value: \"string\": ";

    static Stream<CrdCase> cases() {
        return Stream.of(
                // Entry syntax: a CIDR or a range of two addresses, as Kubernetes' isCIDR/isIP read them.
                accepted("an IPv4 CIDR is accepted", pool("addresses: ['198.51.100.0/24']")),
                accepted("an IPv6 CIDR is accepted", pool("addresses: ['2001:db8::/64']")),
                accepted("an IPv6 CIDR in upper case with a leading-zero group is accepted", pool("addresses: ['2001:0DB8::/32']")),
                accepted("a CIDR with host bits set is accepted, as MetalLB accepts it", pool("addresses: ['198.51.100.7/24']")),
                accepted("a single-address CIDR is accepted", pool("addresses: ['198.51.100.7/32', '2001:db8::7/128']")),
                accepted("an IPv4 range is accepted", pool("addresses: ['198.51.100.10-198.51.100.20']")),
                accepted("an IPv6 range is accepted", pool("addresses: ['2001:db8::10-2001:db8::20']")),
                accepted("spaces around the dash of a range are accepted, as MetalLB trims them",
                        pool("addresses: ['198.51.100.10 - 198.51.100.20']")),
                accepted("a mixed IPv4 and IPv6 pool is accepted",
                        pool("addresses: ['198.51.100.0/24', '2001:db8::/64', '203.0.113.1-203.0.113.9']")),
                accepted("an IPv6 address with an embedded IPv4 part is accepted", pool("addresses: ['64:ff9b::198.51.100.1/128']")),
                refused("a CIDR with a /33 prefix is refused", pool("addresses: ['198.51.100.0/33']"),
                        ADDRESS + "spec.addresses entry \"198.51.100.0/33\" is neither a CIDR"),
                refused("a range whose end is not an address is refused", pool("addresses: ['198.51.100.10-foo']"),
                        ADDRESS + "spec.addresses entry \"198.51.100.10-foo\" is neither a CIDR"),
                refused("a bare address without a prefix length is refused", pool("addresses: ['198.51.100.7']"),
                        ADDRESS + "spec.addresses entry \"198.51.100.7\" is neither"),
                refused("an empty entry is refused", pool("addresses: ['']"), ADDRESS + "spec.addresses entry \"\" is neither"),
                refused("a range of three addresses is refused", pool("addresses: ['198.51.100.1-198.51.100.2-198.51.100.3']"),
                        ADDRESS + "spec.addresses entry \"198.51.100.1-198.51.100.2-198.51.100.3\" is neither"),
                refused("leading zeros in an IPv4 CIDR are refused", pool("addresses: ['198.051.100.0/24']"),
                        ADDRESS + "spec.addresses entry \"198.051.100.0/24\" is neither"),
                refused("leading zeros in a range are refused", pool("addresses: ['198.51.100.010-198.51.100.20']"),
                        ADDRESS + "spec.addresses entry \"198.51.100.010-198.51.100.20\" is neither"),
                refused("a leading zero in the prefix length is refused", pool("addresses: ['198.51.100.0/024']"),
                        ADDRESS + "spec.addresses entry \"198.51.100.0/024\" is neither"),
                refused("an IPv4-mapped IPv6 CIDR is refused", pool("addresses: ['::ffff:198.51.100.0/120']"),
                        ADDRESS + "spec.addresses entry \"::ffff:198.51.100.0/120\" is neither"),
                refused("an IPv4-mapped IPv6 range is refused", pool("addresses: ['::ffff:198.51.100.1-::ffff:198.51.100.9']"),
                        ADDRESS + "spec.addresses entry \"::ffff:198.51.100.1-::ffff:198.51.100.9\" is neither"),
                refused("an IPv6 range with zones is refused", pool("addresses: ['fe80::1%eth0-fe80::9%eth0']"),
                        ADDRESS + "spec.addresses entry \"fe80::1%eth0-fe80::9%eth0\" is neither"),
                refused("the second bad entry is named by its index", pool("addresses: ['198.51.100.0/24', '203.0.113.0/40']"),
                        "spec.addresses[1]: Invalid value: \"string\": spec.addresses entry \"203.0.113.0/40\""),
                // Both ends of a range in one family.
                refused("a range from IPv4 to IPv6 is refused", pool("addresses: ['198.51.100.10-2001:db8::1']"),
                        ADDRESS + "spec.addresses range \"198.51.100.10-2001:db8::1\" mixes IPv4 and IPv6"),
                refused("a range from IPv6 to IPv4 is refused", pool("addresses: ['2001:db8::1-198.51.100.10']"),
                        ADDRESS + "spec.addresses range \"2001:db8::1-198.51.100.10\" mixes IPv4 and IPv6"),
                // Start not after end.
                accepted("a range of one address is accepted", pool("addresses: ['198.51.100.7-198.51.100.7']")),
                accepted("an IPv4 range whose ends differ in the first bit is accepted", pool("addresses: ['0.0.0.0-128.0.0.0']")),
                accepted("an IPv4 range whose ends differ in the last bit is accepted", pool("addresses: ['198.51.100.6-198.51.100.7']")),
                accepted("an IPv6 range whose ends differ in the first bit is accepted", pool("addresses: ['::1-8000::']")),
                accepted("an IPv6 range whose ends differ in the last bit is accepted", pool("addresses: ['2001:db8::6-2001:db8::7']")),
                accepted("an IPv4 range across an octet boundary is accepted", pool("addresses: ['198.51.100.255-198.51.101.0']")),
                refused("an IPv4 range that starts after it ends is refused", pool("addresses: ['198.51.100.20-198.51.100.10']"),
                        ADDRESS + "spec.addresses range \"198.51.100.20-198.51.100.10\" starts after it ends: write the lower address first"),
                refused("the seed's range written backwards is refused", pool("addresses: ['192.168.86.220-192.168.86.200']"),
                        ADDRESS + "spec.addresses range \"192.168.86.220-192.168.86.200\" starts after it ends"),
                refused("an IPv4 range whose ends differ in the last bit the wrong way is refused",
                        pool("addresses: ['198.51.100.7-198.51.100.6']"), "starts after it ends"),
                refused("an IPv4 range whose ends differ in the first bit the wrong way is refused",
                        pool("addresses: ['128.0.0.0-0.0.0.0']"), "starts after it ends"),
                refused("an IPv6 range that starts after it ends is refused", pool("addresses: ['2001:db8::20-2001:db8::10']"),
                        ADDRESS + "spec.addresses range \"2001:db8::20-2001:db8::10\" starts after it ends"),
                refused("an IPv6 range whose ends differ in the first bit the wrong way is refused",
                        pool("addresses: ['8000::-::1']"), "starts after it ends"),
                // The list itself.
                refused("an empty address list is refused", pool("addresses: []"), "spec.addresses: Invalid value: []: "),
                refused("a pool without addresses is refused", pool("autoAssign: true"), "spec.addresses: Required value"),
                refused("a pool without a spec is refused",
                        CrdCase.object("IPAddressPool", "test-pool", ""), "spec: Required value"),
                accepted("a pool of 128 addresses is accepted",
                        pool("addresses: [" + String.join(", ", Collections.nCopies(128, "'198.51.100.0/24'")) + "]")),
                refused("a pool of 129 addresses is refused, to bound the API server's CEL cost",
                        pool("addresses: [" + String.join(", ", Collections.nCopies(129, "'198.51.100.0/24'")) + "]"),
                        "spec.addresses: Invalid value: ["),
                refused("an entry longer than 100 characters is refused", pool("addresses: ['" + "1".repeat(101) + "']"),
                        "spec.addresses[0]: Invalid value: \"111"),
                // Flags and serviceAllocation.
                refused("autoAssign written as a string is refused", pool("addresses: ['198.51.100.0/24']\nautoAssign: 'true'"),
                        "spec.autoAssign: Invalid value: \"true\": "),
                accepted("priority 0 is accepted", pool("addresses: ['198.51.100.0/24']\nserviceAllocation: {priority: 0}")),
                accepted("the largest int32 priority is accepted",
                        pool("addresses: ['198.51.100.0/24']\nserviceAllocation: {priority: 2147483647}")),
                refused("a negative priority is refused", pool("addresses: ['198.51.100.0/24']\nserviceAllocation: {priority: -1}"),
                        "spec.serviceAllocation.priority: Invalid value: -1: "),
                refused("a priority beyond int32 is refused",
                        pool("addresses: ['198.51.100.0/24']\nserviceAllocation: {priority: 2147483648}"),
                        "spec.serviceAllocation.priority: Invalid value: 2147483648: "),
                accepted("namespaces with valid names are accepted",
                        pool("addresses: ['198.51.100.0/24']\nserviceAllocation: {namespaces: [default, team-a]}")),
                refused("a namespace name that cannot exist is refused",
                        pool("addresses: ['198.51.100.0/24']\nserviceAllocation: {namespaces: [Team_A]}"),
                        "spec.serviceAllocation.namespaces[0]: Invalid value: \"Team_A\": "),
                // Label selectors: the same schema everywhere (CrdManifestsTest checks the copies agree).
                accepted("a selector with In and values is accepted", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {serviceSelectors: [{matchExpressions: [{key: app, operator: In, values: [web]}]}]}")),
                accepted("a selector with Exists and no values is accepted", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {namespaceSelectors: [{matchExpressions: [{key: team, operator: Exists}]}]}")),
                refused("a selector with In and no values is refused", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {serviceSelectors: [{matchExpressions: [{key: app, operator: In}]}]}"),
                        "spec.serviceAllocation.serviceSelectors[0].matchExpressions[0]: Invalid value: \"object\": "
                                + "matchExpressions: operator In needs at least one value in values"),
                refused("a selector with Exists and values is refused", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {namespaceSelectors: [{matchExpressions: [{key: team, operator: Exists, values: [a]}]}]}"),
                        "spec.serviceAllocation.namespaceSelectors[0].matchExpressions[0]: Invalid value: \"object\": "
                                + "matchExpressions: operator Exists takes no values: remove values"),
                refused("a selector with an unknown operator is refused", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {serviceSelectors: [{matchExpressions: [{key: app, operator: Equals, values: [web]}]}]}"),
                        "spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].operator: Invalid value: \"Equals\": "),
                refused("a selector label value with a space is refused", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {serviceSelectors: [{matchLabels: {app: 'my web'}}]}"),
                        "spec.serviceAllocation.serviceSelectors[0].matchLabels.app: Invalid value: \"my web\": "),
                // Duplicates MetalLB refuses (config.go validateDuplicate, validateLabelSelectorDuplicate).
                refused("a value listed twice in one namespaceSelectors expression is refused", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {namespaceSelectors: [{matchExpressions: [{key: team, operator: In, values: [bar, bar]}]}]}"),
                        "spec.serviceAllocation.namespaceSelectors[0].matchExpressions[0].values[1]: Duplicate value: \"bar\""),
                refused("a value listed twice in one serviceSelectors expression is refused", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {serviceSelectors: [{matchExpressions: [{key: app, operator: NotIn, values: [a, b, a]}]}]}"),
                        "spec.serviceAllocation.serviceSelectors[0].matchExpressions[0].values[2]: Duplicate value: \"a\""),
                refused("the same namespace selector twice is refused", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {namespaceSelectors: [{matchLabels: {team: a, env: prod}}, {matchLabels: {env: prod, team: a}}]}"),
                        "spec.serviceAllocation.namespaceSelectors: Invalid value: \"array\": spec.serviceAllocation.namespaceSelectors: "
                                + "duplicate definition of namespaceSelectors"),
                refused("the same service selector twice is refused", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {serviceSelectors: [{matchExpressions: [{key: app, operator: In, values: [web]}]},"
                        + " {matchExpressions: [{key: app, operator: In, values: [web]}]}]}"),
                        "spec.serviceAllocation.serviceSelectors: Invalid value: \"array\": spec.serviceAllocation.serviceSelectors: "
                                + "duplicate definition of serviceSelectors"),
                accepted("two different selectors in one list are accepted", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {namespaceSelectors: [{matchLabels: {team: a}}, {matchLabels: {team: b}}],"
                        + " serviceSelectors: [{matchLabels: {app: web}}, {matchLabels: {app: api}}]}")),
                refused("a namespace listed twice is refused", pool("addresses: ['198.51.100.0/24']\n"
                        + "serviceAllocation: {namespaces: [default, team-a, default]}"),
                        "spec.serviceAllocation.namespaces[2]: Duplicate value: \"default\""),
                // Ranges are trimmed, CIDRs are not (MetalLB's ParseCIDR: notes 2.3).
                refused("a CIDR with spaces around it is refused, as MetalLB refuses it", pool("addresses: [' 198.51.100.0/24']"),
                        ADDRESS + "spec.addresses entry \" 198.51.100.0/24\" is neither a CIDR"),
                refused("a CIDR with a space before the prefix length is refused", pool("addresses: ['198.51.100.0 /24']"),
                        ADDRESS + "spec.addresses entry \"198.51.100.0 /24\" is neither a CIDR"),
                accepted("a range with spaces around it is accepted, as MetalLB trims each end",
                        pool("addresses: [' 198.51.100.10-198.51.100.20 ']")),
                // Status, as the controller writes it.
                accepted("a status with counts and a condition is accepted", pool("addresses: ['198.51.100.0/24']")
                        + "status:\n  assignedIPv4: 3\n  availableIPv4: 253\n  assignedIPv6: 0\n  availableIPv6: 0\n"
                        + "  conditions:\n  - {type: Ready, status: 'False', reason: OverlapsPool,"
                        + " message: 'overlaps pool other-pool', lastTransitionTime: '2025-01-01T00:00:00Z'}\n"),
                refused("two conditions of one type are refused", pool("addresses: ['198.51.100.0/24']")
                        + "status:\n  conditions:\n"
                        + "  - {type: Ready, status: 'True', reason: Ok, message: '', lastTransitionTime: '2025-01-01T00:00:00Z'}\n"
                        + "  - {type: Ready, status: 'False', reason: Overlap, message: '', lastTransitionTime: '2025-01-01T00:00:00Z'}\n",
                        "status.conditions[1]: Duplicate value: {\"type\":\"Ready\"}"),
                refused("a condition with a status other than True, False, Unknown is refused", pool("addresses: ['198.51.100.0/24']")
                        + "status:\n  conditions:\n"
                        + "  - {type: Ready, status: 'Yes', reason: Ok, message: '', lastTransitionTime: '2025-01-01T00:00:00Z'}\n",
                        "status.conditions[0].status: Invalid value: \"Yes\": "),
                refused("a condition with a bad timestamp is refused", pool("addresses: ['198.51.100.0/24']")
                        + "status:\n  conditions:\n"
                        + "  - {type: Ready, status: 'True', reason: Ok, message: '', lastTransitionTime: 'yesterday'}\n",
                        "status.conditions[0].lastTransitionTime: Invalid value: \"yesterday\": "),
                refused("a negative count is refused", pool("addresses: ['198.51.100.0/24']") + "status:\n  assignedIPv4: -1\n",
                        "status.assignedIPv4: Invalid value: -1: "),
                // Object metadata.
                refused("a pool name with capitals is refused",
                        CrdCase.object("IPAddressPool", "LAN-Pool", "spec:\n  addresses: ['198.51.100.0/24']"),
                        "metadata.name: Invalid value: \"LAN-Pool\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void poolIsAcceptedOrRefusedWithAMessageNamingTheField(CrdCase c) {
        c.check(VALIDATOR);
    }

    @Test
    void defaultsAreAppliedAsTheApiServerWould() {
        Result result = VALIDATOR.validate(CrdValidator.parseYaml(pool("addresses: ['198.51.100.0/24']")).getFirst(),
                UnknownFields.STRICT);

        assertThat(result.errors()).isEmpty();
        assertThat(result.object().path("spec").path("autoAssign").asBoolean(false)).isTrue();
        assertThat(result.object().path("spec").path("avoidBuggyIPs").isBoolean()).isTrue();
        assertThat(result.object().path("spec").path("avoidBuggyIPs").asBoolean(true)).isFalse();
    }

    @Test
    void anExplicitAutoAssignFalseIsKept() {
        Result result = VALIDATOR.validate(
                CrdValidator.parseYaml(pool("addresses: ['198.51.100.0/24']\nautoAssign: false")).getFirst(), UnknownFields.STRICT);

        assertThat(result.object().path("spec").path("autoAssign").asBoolean(true)).isFalse();
    }

    @Test
    void unknownFieldsArePrunedWithAWarningForClientsThatDoNotAskForStrictValidation() {
        Result result = VALIDATOR.validate(CrdValidator.parseYaml(
                pool("addresses: ['198.51.100.0/24']\nautoassign: false\nserviceAllocation: {prio: 1}")).getFirst(),
                UnknownFields.WARN);

        assertThat(result.accepted()).isTrue();
        assertThat(result.warnings()).containsExactlyInAnyOrder(
                "unknown field \"spec.autoassign\"", "unknown field \"spec.serviceAllocation.prio\"");
        assertThat(result.object().path("spec").has("autoassign")).isFalse();
        assertThat(result.object().path("spec").path("autoAssign").asBoolean(false)).as("the default, not the typo").isTrue();
    }

    @Test
    void unknownFieldsAreRefusedAsKubectlApplyDoesByDefault() {
        Result result = VALIDATOR.validate(CrdValidator.parseYaml(
                pool("addresses: ['198.51.100.0/24']\nautoassign: false")).getFirst(), UnknownFields.STRICT);

        assertThat(result.errors()).containsExactly("unknown field \"spec.autoassign\"");
    }

    @Test
    void rulesAreNotRunWhenAValueHasTheWrongType() {
        Result result = VALIDATOR.validate(CrdValidator.parseYaml(pool("addresses: '198.51.100.0/33'")).getFirst(),
                UnknownFields.STRICT);

        assertThat(result.errors()).hasSize(2);
        assertThat(result.errors().get(0)).startsWith("spec.addresses: Invalid value: \"198.51.100.0/33\": ");
        assertThat(result.errors().get(1)).startsWith("some validation rules were not checked");
    }
}
