package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What MetalLB's config parser refuses in an L2Advertisement (config.go: validateDuplicate and
 * validateLabelSelectorDuplicate), refused by the speaker's reading of it too, with MetalLB's words
 * and the field. {@code refusal} null: MetalLB accepts it.
 */
class AdvertisementDuplicatesTest {

  record Case(String name, String spec, String refusal) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("a pool named twice", "ipAddressPools: [pool1, pool2, pool1]",
            "spec.ipAddressPools[2]: duplicate definition of ipAddressPools \"pool1\" (the same as spec.ipAddressPools[0])"),
        new Case("different pools", "ipAddressPools: [pool1, pool2]", null),
        new Case("the same pool selector twice", "ipAddressPoolSelectors: [{matchLabels: {exposure: lan}}, {matchLabels: {exposure: lan}}]",
            "spec.ipAddressPoolSelectors[1]: duplicate definition of ipAddressPoolSelectors {matchLabels: {exposure=lan}}"
                + " (the same as spec.ipAddressPoolSelectors[0])"),
        new Case("the same node selector twice, matchLabels in another order",
            "nodeSelectors: [{matchLabels: {kubernetes.io/hostname: n1, zone: a}}, {matchLabels: {zone: a, kubernetes.io/hostname: n1}}]",
            "spec.nodeSelectors[1]: duplicate definition of nodeSelectors {matchLabels: {kubernetes.io/hostname=n1, zone=a}}"),
        new Case("node selectors whose labels differ", "nodeSelectors: [{matchLabels: {zone: a}}, {matchLabels: {zone: a, rack: r1}}]", null),
        new Case("the same service selector twice, expression values in another order",
            "serviceSelectors: [{matchExpressions: [{key: app, operator: In, values: [a, b]}]},"
                + " {matchExpressions: [{key: app, operator: In, values: [b, a]}]}]",
            "spec.serviceSelectors[1]: duplicate definition of serviceSelectors {matchExpressions: [{app In [b, a]}]}"),
        new Case("service selectors whose expressions come in another order (MetalLB compares them in order)",
            "serviceSelectors: [{matchExpressions: [{key: a, operator: Exists}, {key: b, operator: Exists}]},"
                + " {matchExpressions: [{key: b, operator: Exists}, {key: a, operator: Exists}]}]", null),
        new Case("a value twice in one node selector expression (In [bar, bar])",
            "nodeSelectors: [{matchExpressions: [{key: zone, operator: In, values: [bar, bar]}]}]",
            "spec.nodeSelectors[0].matchExpressions[0]: duplicate definition of match expression value in label selector \"bar\""),
        new Case("a value twice in one pool selector expression",
            "ipAddressPoolSelectors: [{matchExpressions: [{key: exposure, operator: NotIn, values: [wan, lan, wan]}]}]",
            "spec.ipAddressPoolSelectors[0].matchExpressions[0]: duplicate definition of match expression value in label selector \"wan\""),
        new Case("the same expression twice in one service selector",
            "serviceSelectors: [{matchExpressions: [{key: app, operator: Exists}, {key: app, operator: Exists}]}]",
            "spec.serviceSelectors[0].matchExpressions[1]: duplicate definition of match expressions {app Exists []}"
                + " (the same as matchExpressions[0])"));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void theSpeakerRefusesWhatMetalLbRefusesAndNothingElse(Case c) {
    L2Advertisement ad = Serialization.unmarshal("apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: ad\n"
        + "  namespace: metallb-system\nspec:\n  " + c.spec().replace("\n", "\n  ") + "\n", L2Advertisement.class);

    if (c.refusal() == null) {
      assertThat(SpeakerFacts.advertisement(ad).name()).isEqualTo("ad");
    } else {
      assertThatThrownBy(() -> SpeakerFacts.advertisement(ad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(c.refusal());
    }
  }
}
