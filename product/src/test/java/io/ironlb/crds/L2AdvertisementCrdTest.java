package io.ironlb.crds;

import static io.ironlb.crds.CrdCase.accepted;
import static io.ironlb.crds.CrdCase.advertisement;
import static io.ironlb.crds.CrdCase.refused;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class L2AdvertisementCrdTest {
    private static final CrdValidator VALIDATOR = CrdValidator.fromKustomization(CrdCase.CRD_DIRECTORY);

    static Stream<CrdCase> cases() {
        return Stream.of(
                accepted("an advertisement without a spec is accepted and announces every pool",
                        CrdCase.object("L2Advertisement", "all-pools", "")),
                accepted("an empty spec is accepted", advertisement("")),
                accepted("pools named with dots and dashes are accepted", advertisement("ipAddressPools: [lan-pool, lab.pool-2]")),
                refused("a pool name with capitals is refused", advertisement("ipAddressPools: [LAN-Pool]"),
                        "spec.ipAddressPools[0]: Invalid value: \"LAN-Pool\": "),
                accepted("a 15-character interface name is accepted", advertisement("interfaces: [enp0s31f6abcdef]")),
                refused("a 16-character interface name is refused, as Linux allows 15", advertisement("interfaces: [enp0s31f6abcdefg]"),
                        "spec.interfaces[0]: Invalid value: \"enp0s31f6abcdefg\": "),
                refused("an empty interface name is refused", advertisement("interfaces: ['']"), "spec.interfaces[0]: Invalid value: \"\": "),
                refused("an interface name with a slash is refused", advertisement("interfaces: [eth0/1]"),
                        "spec.interfaces[0]: Invalid value: \"eth0/1\": "),
                accepted("node selectors with labels and expressions are accepted", advertisement(
                        "nodeSelectors:\n- matchLabels: {kubernetes.io/hostname: spark-1}\n"
                                + "- matchExpressions: [{key: node-role.kubernetes.io/control-plane, operator: DoesNotExist}]")),
                refused("a node selector with NotIn and no values is refused",
                        advertisement("nodeSelectors: [{matchExpressions: [{key: zone, operator: NotIn, values: []}]}]"),
                        "spec.nodeSelectors[0].matchExpressions[0]: Invalid value: \"object\": "
                                + "matchExpressions: operator NotIn needs at least one value in values"),
                refused("a node selector with DoesNotExist and values is refused",
                        advertisement("nodeSelectors: [{matchExpressions: [{key: zone, operator: DoesNotExist, values: [a]}]}]"),
                        "spec.nodeSelectors[0].matchExpressions[0]: Invalid value: \"object\": "
                                + "matchExpressions: operator DoesNotExist takes no values: remove values"),
                refused("a selector label key with a space is refused",
                        advertisement("nodeSelectors: [{matchExpressions: [{key: 'host name', operator: Exists}]}]"),
                        "spec.nodeSelectors[0].matchExpressions[0].key: Invalid value: \"host name\": "),
                refused("a selector expression without an operator is refused",
                        advertisement("nodeSelectors: [{matchExpressions: [{key: zone}]}]"),
                        "spec.nodeSelectors[0].matchExpressions[0].operator: Required value"),
                accepted("pool selectors with values are accepted",
                        advertisement("ipAddressPoolSelectors: [{matchExpressions: [{key: exposure, operator: In, values: [lan]}]}]")),
                refused("a pool selector with In and no values is refused",
                        advertisement("ipAddressPoolSelectors: [{matchExpressions: [{key: exposure, operator: In}]}]"),
                        "spec.ipAddressPoolSelectors[0].matchExpressions[0]: Invalid value: \"object\": "
                                + "matchExpressions: operator In needs at least one value"),
                accepted("service selectors are accepted",
                        advertisement("serviceSelectors: [{matchExpressions: [{key: app, operator: NotIn, values: [internal]}]}]")),
                refused("a service selector with Exists and values is refused",
                        advertisement("serviceSelectors: [{matchExpressions: [{key: app, operator: Exists, values: [web]}]}]"),
                        "spec.serviceSelectors[0].matchExpressions[0]: Invalid value: \"object\": "
                                + "matchExpressions: operator Exists takes no values"),
                refused("interfaces written as one string are refused", advertisement("interfaces: eth0"),
                        "spec.interfaces: Invalid value: \"eth0\": "),
                accepted("MetalLB's preferredNodeSelectors example is accepted", advertisement(
                        "ipAddressPools: [production-pool]\nnodeSelectors: [{matchLabels: {role: lb}}]\n"
                                + "preferredNodeSelectors:\n- weight: 100\n  preference: {matchLabels: {node-role: edge}}")),
                accepted("weights 1 and 100 and an empty preference are accepted", advertisement(
                        "preferredNodeSelectors: [{weight: 1, preference: {}}, {weight: 100, preference: "
                                + "{matchExpressions: [{key: zone, operator: In, values: [a]}]}}]")),
                refused("a preference of weight 0 is refused", advertisement("preferredNodeSelectors: [{weight: 0, preference: {}}]"),
                        "spec.preferredNodeSelectors[0].weight: Invalid value: 0: "),
                refused("a preference of weight 101 is refused", advertisement("preferredNodeSelectors: [{weight: 101, preference: {}}]"),
                        "spec.preferredNodeSelectors[0].weight: Invalid value: 101: "),
                refused("a preference without a weight is refused", advertisement("preferredNodeSelectors: [{preference: {}}]"),
                        "spec.preferredNodeSelectors[0].weight: Required value"),
                refused("a weight without a preference is refused", advertisement("preferredNodeSelectors: [{weight: 10}]"),
                        "spec.preferredNodeSelectors[0].preference: Required value"),
                refused("a preference with In and no values is refused",
                        advertisement("preferredNodeSelectors: [{weight: 10, preference: {matchExpressions: [{key: zone, operator: In}]}}]"),
                        "spec.preferredNodeSelectors[0].preference.matchExpressions[0]: Invalid value: \"object\": "
                                + "matchExpressions: operator In needs at least one value"),
                // Duplicates MetalLB refuses (config.go validateDuplicate, validateLabelSelectorDuplicate).
                refused("a pool named twice is refused", advertisement("ipAddressPools: [lan-pool, other, lan-pool]"),
                        "spec.ipAddressPools[2]: Duplicate value: \"lan-pool\""),
                refused("the same pool selector twice is refused", advertisement(
                        "ipAddressPoolSelectors: [{matchLabels: {exposure: lan}}, {matchLabels: {exposure: lan}}]"),
                        "spec.ipAddressPoolSelectors: Invalid value: \"array\": spec.ipAddressPoolSelectors: "
                                + "duplicate definition of ipAddressPoolSelectors"),
                refused("the same node selector twice (equal matchLabels, in any order) is refused", advertisement(
                        "nodeSelectors: [{matchLabels: {kubernetes.io/hostname: spark-1, zone: a}},"
                                + " {matchLabels: {zone: a, kubernetes.io/hostname: spark-1}}]"),
                        "spec.nodeSelectors: Invalid value: \"array\": spec.nodeSelectors: duplicate definition of nodeSelectors"),
                refused("the same service selector twice is refused", advertisement(
                        "serviceSelectors: [{matchExpressions: [{key: app, operator: Exists}]}, {matchExpressions: [{key: app, operator: Exists}]}]"),
                        "spec.serviceSelectors: Invalid value: \"array\": spec.serviceSelectors: duplicate definition of serviceSelectors"),
                accepted("different selectors in each list are accepted", advertisement(
                        "ipAddressPoolSelectors: [{matchLabels: {exposure: lan}}, {matchLabels: {exposure: wan}}]\n"
                                + "nodeSelectors: [{matchLabels: {zone: a}}, {matchLabels: {zone: b}}]\n"
                                + "serviceSelectors: [{matchLabels: {app: web}}, {matchLabels: {app: api}}]")),
                refused("a value listed twice in a node selector expression is refused", advertisement(
                        "nodeSelectors: [{matchExpressions: [{key: zone, operator: In, values: [a, a]}]}]"),
                        "spec.nodeSelectors[0].matchExpressions[0].values[1]: Duplicate value: \"a\""),
                refused("a value listed twice in a pool selector expression is refused", advertisement(
                        "ipAddressPoolSelectors: [{matchExpressions: [{key: exposure, operator: In, values: [bar, bar]}]}]"),
                        "spec.ipAddressPoolSelectors[0].matchExpressions[0].values[1]: Duplicate value: \"bar\""),
                refused("a value listed twice in a service selector expression is refused", advertisement(
                        "serviceSelectors: [{matchExpressions: [{key: app, operator: NotIn, values: [x, x]}]}]"),
                        "spec.serviceSelectors[0].matchExpressions[0].values[1]: Duplicate value: \"x\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void advertisementIsAcceptedOrRefusedWithAMessageNamingTheField(CrdCase c) {
        c.check(VALIDATOR);
    }
}
