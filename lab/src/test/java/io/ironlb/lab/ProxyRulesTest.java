package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyRulesTest {

  private static Service svc(String name, String policy, String... vips) {
    ServiceBuilder b = new ServiceBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withType("LoadBalancer").withExternalTrafficPolicy(policy)
        .addNewPort().withName("http").withPort(80).withProtocol("TCP").withTargetPort(new IntOrString(8080)).endPort()
        .endSpec().withNewStatus().withNewLoadBalancer().endLoadBalancer().endStatus();
    Service s = b.build();
    for (String vip : vips) {
      s.getStatus().getLoadBalancer().getIngress().add(new io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder().withIp(vip).build());
    }
    return s;
  }

  private static EndpointSlice slice(String svc, String family, String address, String node, boolean ready) {
    return new EndpointSliceBuilder().withNewMetadata().withName(svc + "-" + family).withNamespace("default")
        .addToLabels("kubernetes.io/service-name", svc).endMetadata().withAddressType(family)
        .addNewEndpoint().withAddresses(address).withNodeName(node).withNewConditions().withReady(ready).endConditions().endEndpoint()
        .addNewPort().withName("http").withPort(8080).withProtocol("TCP").endPort().build();
  }

  @Test
  void everyNodeForwardsClusterPolicyVipsToTheEndpointWhereverItRuns() {
    List<Service> svcs = List.of(svc("openwebui", "Cluster", "198.51.100.201", "2001:db8:86::200"));
    List<EndpointSlice> slices = List.of(slice("openwebui", "IPv4", "203.0.113.12", "spark-ba63", true),
        slice("openwebui", "IPv6", "2001:db8:203::12", "spark-ba63", true));
    for (String node : List.of("spark-2959", "spark-ba63")) {
      assertThat(ProxyRules.rules(node, svcs, slices)).containsExactly(
          new ProxyRules.Rule("198.51.100.201", "TCP", 80, List.of("203.0.113.12"), 8080),
          new ProxyRules.Rule("2001:db8:86::200", "TCP", 80, List.of("2001:db8:203::12"), 8080));
    }
    String script = ProxyRules.script(ProxyRules.rules("spark-2959", svcs, slices), "int0");
    assertThat(script)
        .contains("ip daddr 198.51.100.201 tcp dport 80 dnat ip to 203.0.113.12:8080")
        .contains("ip6 daddr 2001:db8:86::200 tcp dport 80 dnat ip6 to [2001:db8:203::12]:8080")
        .contains("ct status dnat oifname \"int0\" masquerade")
        .startsWith("table inet ironlb_lab_proxy\ndelete table inet ironlb_lab_proxy\n");
  }

  @Test
  void localPolicyForwardsOnlyToEndpointsOnThisNodeAndRejectsElsewhere() {
    List<Service> svcs = List.of(svc("ollama", "Local", "198.51.100.200"));
    List<EndpointSlice> slices = List.of(slice("ollama", "IPv4", "203.0.113.11", "spark-2959", true));
    assertThat(ProxyRules.rules("spark-2959", svcs, slices).getFirst().targets()).containsExactly("203.0.113.11");
    List<ProxyRules.Rule> other = ProxyRules.rules("spark-ba63", svcs, slices);
    assertThat(other.getFirst().targets()).isEmpty();
    assertThat(ProxyRules.script(other, "int0")).contains("ip daddr { 198.51.100.200 } reject").doesNotContain("dnat ip to");
  }

  @Test
  void severalReadyEndpointsArePickedAtRandomAndUnreadyOnesNever() {
    List<Service> svcs = List.of(svc("web", "Cluster", "198.51.100.202"));
    List<EndpointSlice> slices = List.of(slice("web", "IPv4", "203.0.113.11", "spark-2959", true),
        slice("web", "IPv4", "203.0.113.12", "spark-ba63", true), slice("web", "IPv4", "203.0.113.13", "spark-w3", false));
    String script = ProxyRules.script(ProxyRules.rules("spark-2959", svcs, slices), "int0");
    assertThat(script).contains("dnat ip to numgen random mod 2 map { 0 : 203.0.113.11, 1 : 203.0.113.12 } : 8080")
        .doesNotContain("203.0.113.13");
  }

  @Test
  void onlyTheSlicesOfTheServiceItselfCount() {
    List<Service> svcs = List.of(svc("web", "Cluster", "198.51.100.202"), svc("api", "Cluster", "198.51.100.203"));
    EndpointSlice sameNameElsewhere = new EndpointSliceBuilder(slice("web", "IPv4", "203.0.113.14", "spark-2959", true))
        .editMetadata().withNamespace("other").endMetadata().build();
    EndpointSlice unowned = new EndpointSliceBuilder(slice("web", "IPv4", "203.0.113.15", "spark-2959", true))
        .editMetadata().withLabels(java.util.Map.of()).endMetadata().build();
    List<EndpointSlice> slices = List.of(slice("web", "IPv4", "203.0.113.11", "spark-2959", true), sameNameElsewhere, unowned,
        slice("api", "IPv4", "203.0.113.12", "spark-2959", true), slice("api", "IPv6", "2001:db8:203::12", "spark-2959", true));
    assertThat(ProxyRules.rules("spark-2959", svcs, slices)).containsExactly(
        new ProxyRules.Rule("198.51.100.202", "TCP", 80, List.of("203.0.113.11"), 8080),
        new ProxyRules.Rule("198.51.100.203", "TCP", 80, List.of("203.0.113.12"), 8080));
  }

  @Test
  void servicesWithoutAnAddressGetNoRule() {
    assertThat(ProxyRules.rules("spark-2959", List.of(svc("pending", "Cluster")), List.of())).isEmpty();
  }
}
