package io.ironlb.k8s;

import static io.ironlb.k8s.PreferredNodeSelectorsTest.advertisement;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.ironlb.testing.MockCluster;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** No field of an L2Advertisement is ignored silently: what IronLB does not act on is named. */
class UnsupportedFieldsTest {

  record Case(String name, String spec, List<String> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("every field of MetalLB's L2Advertisement is supported", """
            ipAddressPools: [lan-pool]
            ipAddressPoolSelectors: [{matchLabels: {tier: lan}}]
            nodeSelectors: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]
            interfaces: [eth0]
            serviceSelectors: [{matchLabels: {app: web}}]
            preferredNodeSelectors: [{weight: 50, preference: {matchLabels: {role: edge}}}]
            """, List.of()),
        new Case("a field from a newer MetalLB", "ipAddressPools: [lan-pool]\nbfdProfile: fast", List.of("spec.bfdProfile")),
        new Case("a misspelt field", "nodeSelector: [{matchLabels: {zone: a}}]", List.of("spec.nodeSelector")),
        new Case("an unknown field in a selector", "nodeSelectors: [{}, {matchLabels: {zone: a}, matchFields: []}]",
            List.of("spec.nodeSelectors[1].matchFields")),
        new Case("an unknown field in an expression", "serviceSelectors: [{matchExpressions: [{key: a, operator: Exists, value: x}]}]",
            List.of("spec.serviceSelectors[0].matchExpressions[0].value")),
        new Case("unknown fields in a preference", "preferredNodeSelectors: [{weight: 1, preference: {matchLabel: {a: b}}, priority: 2}]",
            List.of("spec.preferredNodeSelectors[0].priority", "spec.preferredNodeSelectors[0].preference.matchLabel")),
        new Case("a field set to null is still named", "aggregationLength: null", List.of("spec.aggregationLength")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void namesEveryFieldItDoesNotActOn(Case c) {
    assertThat(UnsupportedFields.of(advertisement(c.spec()))).containsExactlyElementsOf(c.expected());
  }

  static Stream<Case> poolCases() {
    return Stream.of(
        new Case("every field of MetalLB's IPAddressPool is supported", """
            addresses: [198.51.100.0/24]
            autoAssign: false
            avoidBuggyIPs: true
            serviceAllocation:
              priority: 5
              namespaces: [apps]
              namespaceSelectors: [{matchLabels: {team: web}}]
              serviceSelectors: [{matchExpressions: [{key: app, operator: Exists}]}]
            """, List.of()),
        new Case("an unknown field in the spec", "addresses: [198.51.100.0/24]\nallocateTo: {priority: 1}", List.of("spec.allocateTo")),
        new Case("unknown fields in serviceAllocation and its selectors", """
            addresses: [198.51.100.0/24]
            serviceAllocation:
              namespace: [apps]
              serviceSelectors: [{matchLabel: {app: web}}]
            """, List.of("spec.serviceAllocation.namespace", "spec.serviceAllocation.serviceSelectors[0].matchLabel")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("poolCases")
  void namesEveryPoolFieldItDoesNotActOn(Case c) {
    IPAddressPool pool = Serialization.unmarshal("apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: p}\nspec:\n"
        + c.spec().indent(2), IPAddressPool.class);

    assertThat(UnsupportedFields.of(pool)).containsExactlyElementsOf(c.expected());
  }

  @Test
  void anAdvertisementWithoutSpecHasNone() {
    L2Advertisement ad = Serialization.unmarshal("apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: {name: all}\n",
        L2Advertisement.class);

    assertThat(UnsupportedFields.of(ad)).isEmpty();
  }

  @Test
  void theMessageNamesTheObjectTheFieldsAndWhatToDo() {
    L2Advertisement ad = advertisement("bfdProfile: fast\nnodeSelector: []");

    assertThat(UnsupportedFields.message(ad, UnsupportedFields.of(ad))).isEqualTo("L2Advertisement prefer-edge: IronLB does not "
        + "support spec.bfdProfile, spec.nodeSelector; they are ignored (remove them, or check the spelling against MetalLB's "
        + "L2Advertisement)");
  }

  @Test
  void fieldsAServerWithoutIronLbsSchemaPassesOnReachTheSpeakersInformerCache() {
    // The mock API server, like a cluster that still runs MetalLB's CRDs, prunes nothing.
    try (MockCluster cluster = new MockCluster()) {
      GenericKubernetesResource raw = Serialization.unmarshal("""
          apiVersion: metallb.io/v1beta1
          kind: L2Advertisement
          metadata: {name: future, namespace: metallb-system}
          spec: {ipAddressPools: [lan-pool], bfdProfile: fast}
          """, GenericKubernetesResource.class);
      cluster.client().genericKubernetesResources("metallb.io/v1beta1", "L2Advertisement").inNamespace(MockCluster.CONFIG_NAMESPACE)
          .resource(raw).create();

      L2Advertisement read = cluster.client().resources(L2Advertisement.class).inNamespace(MockCluster.CONFIG_NAMESPACE)
          .withName("future").get();

      assertThat(UnsupportedFields.of(read)).containsExactly("spec.bfdProfile");
      assertThat(SpeakerFacts.advertisement(read).ipAddressPools()).containsExactly("lan-pool");
    }
  }
}
