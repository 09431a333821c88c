package io.ironlb.election;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.model.LabelSelector;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * MetalLB's speaker tests, in IronLB's terms: every live node runs its own planner on the same
 * facts, as each speaker does, and the test looks at who announces. Nodes carry
 * {@code kubernetes.io/hostname}, so an advertisement "on iris1" is a nodeSelector for it.
 */
final class Speakers {
  static final String POOL = "default";
  static final String HOSTNAME = "kubernetes.io/hostname";

  private Speakers() {}

  /** The nodes that announce {@code service}; checks that at most one does. */
  static Set<String> announcers(ServiceFacts service, List<AdvertisementFacts> ads, Map<String, NodeFacts> nodes, Set<String> live) {
    Set<String> out = new TreeSet<>();
    for (String me : live) {
      var decision = new AnnouncementPlanner(me).plan(List.of(service), Map.of(POOL, Map.of()), ads, nodes, live).get(service.key());
      if (decision.mine()) {
        out.add(me);
      }
    }
    assertThat(out).as("speakers that announce %s", service.ips()).hasSizeLessThanOrEqualTo(1);
    return out;
  }

  static ServiceFacts service(String ip, boolean local, List<EndpointFacts> endpoints) {
    return service(ip, Map.of(), local, endpoints);
  }

  static ServiceFacts service(String ip, Map<String, String> labels, boolean local, List<EndpointFacts> endpoints) {
    return new ServiceFacts(new ServiceKey("default", "svc1"), List.of(Vip.of(ip)), POOL, labels, local, endpoints);
  }

  /** Nodes known to the API, with their hostname label; none excluded. */
  static Map<String, NodeFacts> nodes(String... names) {
    Map<String, NodeFacts> out = new HashMap<>();
    for (String n : names) {
      out.put(n, new NodeFacts(n, Map.of(HOSTNAME, n), false));
    }
    return out;
  }

  /** An advertisement for every pool that may announce only from {@code on} (none: every node). */
  static AdvertisementFacts adOn(String... on) {
    return adOn(List.of(on), List.of(), List.of());
  }

  static AdvertisementFacts adOn(List<String> on, List<PreferredNodeSelector> preferred, List<LabelSelector> serviceSelectors) {
    List<LabelSelector> nodeSelectors = on.isEmpty() ? List.of() : List.of(hostnameIn(on.toArray(String[]::new)));
    return new AdvertisementFacts("ad", null, null, nodeSelectors, null, serviceSelectors, preferred);
  }

  /** MetalLB's resolved {@code PreferredNodes} map of an advertisement: one preference per node. */
  static List<PreferredNodeSelector> prefer(Map<String, Integer> weights) {
    return weights.entrySet().stream().map(e -> new PreferredNodeSelector(e.getValue(), hostnameIn(e.getKey()))).toList();
  }

  static LabelSelector hostnameIn(String... names) {
    return new LabelSelector(Map.of(), List.of(new LabelSelector.Requirement(HOSTNAME, LabelSelector.Operator.IN, Arrays.asList(names))));
  }

  static EndpointFacts ready(String node) {
    return new EndpointFacts(node, true);
  }

  static EndpointFacts notReady(String node) {
    return new EndpointFacts(node, false);
  }
}
