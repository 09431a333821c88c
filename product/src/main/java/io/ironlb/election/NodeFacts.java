package io.ironlb.election;

import java.util.Map;

/**
 * What the election needs to know about one Kubernetes node.
 *
 * @param excludedByLabel the node carries {@link #EXCLUDE_LABEL} (any value, even "" or "false",
 *     as in MetalLB) and the speaker honours it (no {@code --ignore-exclude-lb})
 */
public record NodeFacts(String name, Map<String, String> labels, boolean networkUnavailable, boolean excludedByLabel) {
  /** Nodes with this label never announce (Kubernetes' own convention, honoured by MetalLB). */
  public static final String EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";

  public NodeFacts {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** A node whose exclude label, if any, is honoured. */
  public NodeFacts(String name, Map<String, String> labels, boolean networkUnavailable) {
    this(name, labels, networkUnavailable, labels != null && labels.containsKey(EXCLUDE_LABEL));
  }

  /** Never a candidate, whatever the advertisements say. */
  public boolean excluded() {
    return networkUnavailable || excludedByLabel;
  }
}
