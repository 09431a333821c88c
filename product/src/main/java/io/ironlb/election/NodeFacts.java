package io.ironlb.election;

import java.util.Map;

/** What the election needs to know about one Kubernetes node. */
public record NodeFacts(String name, Map<String, String> labels, boolean networkUnavailable) {
  /** Nodes with this label never announce (Kubernetes' own convention, honoured by MetalLB). */
  public static final String EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";

  public NodeFacts {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  boolean excluded() {
    return networkUnavailable || labels.containsKey(EXCLUDE_LABEL);
  }
}
