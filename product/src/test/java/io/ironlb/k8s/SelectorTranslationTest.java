package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Selectors an API server without the CRDs' schema lets through: each is refused with the field
 * path and the value, never with a NullPointerException that names nothing.
 */
class SelectorTranslationTest {

  record Case(String name, LabelSelector selector, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static LabelSelector expression(String key, String operator, List<String> values) {
    return new LabelSelectorBuilder().withMatchExpressions(new LabelSelectorRequirement(key, operator, values)).build();
  }

  static Stream<Case> malformed() {
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("zone", null);
    return Stream.of(
        new Case("unknown operator", expression("zone", "Sometimes", List.of("a")),
            "spec.nodeSelectors[0].matchExpressions[0].operator \"Sometimes\" is not one of In, NotIn, Exists, DoesNotExist"),
        new Case("no operator", expression("zone", null, List.of("a")), "spec.nodeSelectors[0].matchExpressions[0].operator is missing"),
        new Case("no key", expression(null, "In", List.of("a")), "spec.nodeSelectors[0].matchExpressions[0].key is missing"),
        new Case("In without values", expression("zone", "In", List.of()),
            "spec.nodeSelectors[0].matchExpressions[0]: operator In on key \"zone\" needs at least one value"),
        new Case("Exists with values", expression("zone", "Exists", List.of("a")),
            "spec.nodeSelectors[0].matchExpressions[0]: operator Exists on key \"zone\" takes no values, but lists [a]"),
        new Case("empty value entry", expression("zone", "In", Arrays.asList("a", null)),
            "spec.nodeSelectors[0].matchExpressions[0].values has an empty entry"),
        new Case("label without a value", new LabelSelectorBuilder().withMatchLabels(nullValue).build(),
            "spec.nodeSelectors[0].matchLabels[\"zone\"] has no value"),
        new Case("null selector", null, "spec.nodeSelectors[0] is null"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void aMalformedSelectorIsRefusedNamingItsFieldAndValue(Case c) {
    assertThatThrownBy(() -> PoolTranslation.selectors(Arrays.asList(c.selector()), "spec.nodeSelectors"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(c.expected());
  }

  @Test
  void wellFormedSelectorsTranslate() {
    var out = PoolTranslation.selectors(List.of(expression("zone", "In", List.of("a")), expression("gpu", "Exists", null),
        new LabelSelectorBuilder().addToMatchLabels("tier", "prod").build()), "spec.nodeSelectors");
    assertThat(out).hasSize(3);
    assertThat(out.get(0).matches(Map.of("zone", "a"))).isTrue();
    assertThat(out.get(1).matches(Map.of("zone", "a"))).isFalse();
    assertThat(out.get(2).matches(Map.of("tier", "prod"))).isTrue();
  }

  @Test
  void anAdvertisementWithAnEmptyPoolNameIsRefusedNamingTheEntry() {
    L2Advertisement ad = new L2Advertisement();
    ad.setMetadata(new ObjectMetaBuilder().withName("ad").build());
    ad.setSpec(new L2AdvertisementSpec(Arrays.asList("lan-pool", null), null, null, null, null));
    assertThatThrownBy(() -> SpeakerFacts.advertisement(ad)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spec.ipAddressPools[1] is empty");
  }
}
