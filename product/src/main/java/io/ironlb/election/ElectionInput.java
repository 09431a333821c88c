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
 * @param nodeSelectors one entry per L2Advertisement that covers this service's pool: its
 *     {@code nodeSelectors} (an empty list selects every node); no entry at all means no
 *     advertisement covers the pool, so nobody announces
 * @param localTrafficPolicy {@code externalTrafficPolicy: Local}
 * @param endpoints the service's endpoints
 */
public record ElectionInput(
    String ip,
    Set<String> liveNodes,
    Map<String, NodeFacts> nodes,
    List<List<LabelSelector>> nodeSelectors,
    boolean localTrafficPolicy,
    List<EndpointFacts> endpoints) {

  public ElectionInput {
    liveNodes = Set.copyOf(liveNodes);
    nodes = Map.copyOf(nodes);
    nodeSelectors = nodeSelectors.stream().map(List::copyOf).toList();
    endpoints = List.copyOf(endpoints);
  }
}
