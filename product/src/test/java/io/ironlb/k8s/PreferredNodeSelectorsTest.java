package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.PreferredNodeSelector;
import io.ironlb.model.LabelSelector;
import io.ironlb.testing.MockCluster;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code spec.preferredNodeSelectors} as the speaker reads it, from the YAML a user applies. */
class PreferredNodeSelectorsTest {

  static L2Advertisement advertisement(String spec) {
    return Serialization.unmarshal("""
        apiVersion: metallb.io/v1beta1
        kind: L2Advertisement
        metadata:
          name: prefer-edge
          namespace: metallb-system
        spec:
        """ + spec.indent(2), L2Advertisement.class);
  }

  @Test
  void theDesignDocumentsExampleBecomesAWeightedPreferenceBesideTheHardNodeSelector() {
    AdvertisementFacts facts = SpeakerFacts.advertisement(advertisement("""
        ipAddressPools: [production-pool]
        nodeSelectors:
        - matchLabels: {role: lb}
        preferredNodeSelectors:
        - weight: 100
          preference:
            matchLabels: {node-role: edge}
        - weight: 5
          preference: {}
        """));

    assertThat(facts.nodeSelectors()).containsExactly(LabelSelector.ofLabels(Map.of("role", "lb")));
    assertThat(facts.preferredNodeSelectors()).containsExactly(
        new PreferredNodeSelector(100, LabelSelector.ofLabels(Map.of("node-role", "edge"))),
        new PreferredNodeSelector(5, LabelSelector.everything()));
  }

  @Test
  void anAdvertisementWithoutPreferencesHasNone() {
    assertThat(SpeakerFacts.advertisement(advertisement("ipAddressPools: [lan-pool]")).preferredNodeSelectors()).isEmpty();
  }

  record Bad(String name, String spec, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** What an API server without IronLB's schema (MetalLB's CRDs are stricter only on weight) lets through. */
  static Stream<Bad> malformed() {
    return Stream.of(
        new Bad("weight 0", "preferredNodeSelectors: [{weight: 0, preference: {}}]",
            "spec.preferredNodeSelectors[0].weight 0 is out of range; give a weight from 1 to 100"),
        new Bad("no preference", "preferredNodeSelectors: [{weight: 10}]", "spec.preferredNodeSelectors[0].preference is missing"),
        new Bad("weight 101 in the second entry", "preferredNodeSelectors: [{weight: 10, preference: {}}, {weight: 101, preference: {}}]",
            "spec.preferredNodeSelectors[1].weight 101 is out of range"),
        new Bad("no weight", "preferredNodeSelectors: [{preference: {}}]", "spec.preferredNodeSelectors[0].weight is missing"),
        new Bad("a malformed preference", "preferredNodeSelectors: [{weight: 1, preference: {matchExpressions: [{key: zone, operator: In}]}}]",
            "spec.preferredNodeSelectors[0].preference.matchExpressions[0]: operator In on key \"zone\" needs at least one value"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void aMalformedPreferenceIsRefusedNamingItsField(Bad c) {
    assertThatThrownBy(() -> SpeakerFacts.advertisement(advertisement(c.spec())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c.expected());
  }

  @Test
  void preferencesSurviveTheRoundTripThroughTheApiServerUnchanged() {
    try (MockCluster cluster = new MockCluster()) {
      L2Advertisement written = advertisement("""
          preferredNodeSelectors:
          - weight: 30
            preference:
              matchExpressions: [{key: zone, operator: In, values: [a, b]}]
          """);
      cluster.client().resources(L2Advertisement.class).inNamespace(MockCluster.CONFIG_NAMESPACE).resource(written).create();

      L2Advertisement read = cluster.client().resources(L2Advertisement.class).inNamespace(MockCluster.CONFIG_NAMESPACE)
          .withName("prefer-edge").get();
      GenericKubernetesResource raw = cluster.client().genericKubernetesResources("metallb.io/v1beta1", "L2Advertisement")
          .inNamespace(MockCluster.CONFIG_NAMESPACE).withName("prefer-edge").get();

      Map<String, Object> expression = Map.of("key", "zone", "operator", "In", "values", List.of("a", "b"));
      Map<String, Object> preference = Map.of("matchExpressions", List.of(expression));

      assertThat(SpeakerFacts.advertisement(read)).isEqualTo(SpeakerFacts.advertisement(written));
      assertThat(raw.getAdditionalProperties().get("spec")).as("nothing but the user's fields is written")
          .isEqualTo(Map.of("preferredNodeSelectors", List.of(Map.of("weight", 30, "preference", preference))));
    }
  }
}
