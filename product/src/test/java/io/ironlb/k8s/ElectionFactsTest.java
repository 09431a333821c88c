package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.ironlb.election.EndpointFacts;
import io.ironlb.election.NodeFacts;
import io.ironlb.testing.MockCluster;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Endpoints and Nodes reduced to the election's facts with MetalLB's rules. */
class ElectionFactsTest {

  record EndpointCase(String name, Boolean ready, Boolean serving, Boolean terminating, boolean canServe) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** MetalLB's {@code endpoint_slices_test.go}, plus the terminating cases its rule implies. */
  static Stream<EndpointCase> endpoints() {
    return Stream.of(
        new EndpointCase("ready", true, null, null, true),
        new EndpointCase("serving, ready unset", null, true, null, true),
        new EndpointCase("ready but not serving", true, false, null, true),
        new EndpointCase("no conditions set", null, null, null, true),
        new EndpointCase("ready unset, not serving", null, false, null, true),
        new EndpointCase("not ready", false, null, null, false),
        new EndpointCase("not ready but serving (terminating plays no part)", false, true, null, true),
        new EndpointCase("terminating and still serving", false, true, true, true),
        new EndpointCase("terminating and no longer serving", false, false, true, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  void anEndpointServesWhenReadyOrServing(EndpointCase c) {
    Endpoint e = new EndpointBuilder().withAddresses("10.0.0.1").withNodeName("iris1").withNewConditions().withReady(c.ready())
        .withServing(c.serving()).withTerminating(c.terminating()).endConditions().build();

    assertThat(SpeakerFacts.service(serviceWithIp(), List.of(slice(e))).endpoints()).containsExactly(new EndpointFacts("iris1", c.canServe()));
  }

  @Test
  void anEndpointWithoutANodeIsKeptWithoutOne() {
    Endpoint e = new EndpointBuilder().withAddresses("10.0.0.1").build();

    assertThat(SpeakerFacts.service(serviceWithIp(), List.of(slice(e))).endpoints()).containsExactly(new EndpointFacts(null, true));
  }

  record NodeCase(String name, Map<String, String> labels, String networkUnavailable, boolean ignoreExcludeLabel, boolean excluded) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<NodeCase> nodes() {
    String label = NodeFacts.EXCLUDE_LABEL;
    return Stream.of(
        new NodeCase("a plain node", Map.of("zone", "a"), null, false, false),
        new NodeCase("the exclude label with an empty value", Map.of(label, ""), null, false, true),
        new NodeCase("the exclude label with value \"false\": presence is what counts", Map.of(label, "false"), null, false, true),
        new NodeCase("the exclude label under --ignore-exclude-lb", Map.of(label, "true"), null, true, false),
        new NodeCase("NetworkUnavailable=True", Map.of(), "True", false, true),
        new NodeCase("NetworkUnavailable=True under --ignore-exclude-lb", Map.of(), "True", true, true),
        new NodeCase("NetworkUnavailable=False", Map.of(), "False", false, false),
        new NodeCase("NetworkUnavailable=Unknown", Map.of(), "Unknown", false, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nodes")
  void aNodeIsExcludedByTheLabelUnlessIgnoredAndAlwaysByNetworkUnavailable(NodeCase c) {
    NodeBuilder b = new NodeBuilder().withNewMetadata().withName("iris1").withLabels(c.labels()).endMetadata();
    if (c.networkUnavailable() != null) {
      b.withNewStatus().addNewCondition().withType("NetworkUnavailable").withStatus(c.networkUnavailable()).endCondition().endStatus();
    }
    Node node = b.build();

    NodeFacts facts = SpeakerFacts.node(node, c.ignoreExcludeLabel());

    assertThat(facts.excluded()).isEqualTo(c.excluded());
    assertThat(facts.labels()).isEqualTo(c.labels());
    if (!c.ignoreExcludeLabel()) {
      assertThat(SpeakerFacts.node(node)).as("the one-argument form honours the label").isEqualTo(facts);
    }
  }

  private static Service serviceWithIp() {
    return MockCluster.loadBalancer("apps", "web").withNewStatus().withNewLoadBalancer().addNewIngress().withIp("198.51.100.200")
        .endIngress().endLoadBalancer().endStatus().build();
  }

  private static EndpointSlice slice(Endpoint e) {
    return new EndpointSliceBuilder().withNewMetadata().withName("web-1").endMetadata().withAddressType("IPv4").withEndpoints(e).build();
  }
}
