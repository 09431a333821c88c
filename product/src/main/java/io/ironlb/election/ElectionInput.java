package io.ironlb.election;

import io.ironlb.model.LabelSelector;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one speaker knows when it decides, alone, who announces a service.
 *
 * @param ip the service's first ingress IP in canonical text (IPv4 first for dual-stack, as
 *     MetalLB hashes {@code toAnnounce[0]}, so both families land on one node)
 * @param liveNodes node names in the current membership view
 * @param nodes facts about every known node, by name
 * @param nodeSelectors one entry per L2Advertisement that covers this service (its pool and its
 *     serviceSelectors): its {@code nodeSelectors} (an empty list selects every node); no entry at
 *     all means no advertisement covers the service, so nobody announces
 * @param localTrafficPolicy {@code externalTrafficPolicy: Local}
 * @param endpoints the service's endpoints
 * @param preferredNodeSelectors entry {@code i} is the {@code preferredNodeSelectors} of the
 *     advertisement whose {@code nodeSelectors} are entry {@code i} of {@code nodeSelectors}: a
 *     preference scores only nodes its own advertisement selects
 */
public record ElectionInput(
    String ip,
    Set<String> liveNodes,
    Map<String, NodeFacts> nodes,
    List<List<LabelSelector>> nodeSelectors,
    boolean localTrafficPolicy,
    List<EndpointFacts> endpoints,
    List<List<PreferredNodeSelector>> preferredNodeSelectors) {

  public ElectionInput {
    liveNodes = Set.copyOf(liveNodes);
    nodes = Map.copyOf(nodes);
    nodeSelectors = nodeSelectors.stream().map(List::copyOf).toList();
    endpoints = List.copyOf(endpoints);
    preferredNodeSelectors = preferredNodeSelectors.stream().map(List::copyOf).toList();
    if (preferredNodeSelectors.size() != nodeSelectors.size()) {
      throw new IllegalArgumentException("preferredNodeSelectors has " + preferredNodeSelectors.size()
          + " entries for " + nodeSelectors.size() + " advertisements; give one (maybe empty) per advertisement");
    }
  }

  /** The election over the advertisements that cover the service (its pool and its serviceSelectors). */
  public static ElectionInput of(String ip, Set<String> liveNodes, Map<String, NodeFacts> nodes, List<AdvertisementFacts> covering,
      boolean localTrafficPolicy, List<EndpointFacts> endpoints) {
    return new ElectionInput(ip, liveNodes, nodes, covering.stream().map(AdvertisementFacts::nodeSelectors).toList(),
        localTrafficPolicy, endpoints, covering.stream().map(AdvertisementFacts::preferredNodeSelectors).toList());
  }
}
