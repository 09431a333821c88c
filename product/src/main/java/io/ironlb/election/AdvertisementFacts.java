package io.ironlb.election;

import io.ironlb.model.LabelSelector;
import java.util.List;
import java.util.Map;

/** An L2Advertisement, reduced to what decides who announces what, and where. */
public record AdvertisementFacts(
    String name,
    List<String> ipAddressPools,
    List<LabelSelector> ipAddressPoolSelectors,
    List<LabelSelector> nodeSelectors,
    List<String> interfaces,
    List<LabelSelector> serviceSelectors,
    List<PreferredNodeSelector> preferredNodeSelectors) {

  public AdvertisementFacts {
    ipAddressPools = ipAddressPools == null ? List.of() : List.copyOf(ipAddressPools);
    ipAddressPoolSelectors = ipAddressPoolSelectors == null ? List.of() : List.copyOf(ipAddressPoolSelectors);
    nodeSelectors = nodeSelectors == null ? List.of() : List.copyOf(nodeSelectors);
    interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
    serviceSelectors = serviceSelectors == null ? List.of() : List.copyOf(serviceSelectors);
    preferredNodeSelectors = preferredNodeSelectors == null ? List.of() : List.copyOf(preferredNodeSelectors);
  }

  /** An advertisement without node preferences. */
  public AdvertisementFacts(String name, List<String> ipAddressPools, List<LabelSelector> ipAddressPoolSelectors,
      List<LabelSelector> nodeSelectors, List<String> interfaces, List<LabelSelector> serviceSelectors) {
    this(name, ipAddressPools, ipAddressPoolSelectors, nodeSelectors, interfaces, serviceSelectors, List.of());
  }

  /** MetalLB: naming neither pools nor pool selectors covers every pool. */
  public boolean coversPool(String pool, Map<String, String> poolLabels) {
    if (ipAddressPools.isEmpty() && ipAddressPoolSelectors.isEmpty()) {
      return true;
    }
    return ipAddressPools.contains(pool) || ipAddressPoolSelectors.stream().anyMatch(s -> s.matches(poolLabels));
  }

  boolean coversService(Map<String, String> serviceLabels) {
    return serviceSelectors.isEmpty() || serviceSelectors.stream().anyMatch(s -> s.matches(serviceLabels));
  }

  /** Its {@code nodeSelectors} match the node (none at all select every node). */
  public boolean selectsNode(NodeFacts node) {
    return Election.selects(nodeSelectors, node);
  }
}
