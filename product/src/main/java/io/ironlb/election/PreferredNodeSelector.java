package io.ironlb.election;

import io.ironlb.model.LabelSelector;
import java.util.Objects;

/**
 * One {@code preferredNodeSelectors} entry of an L2Advertisement (MetalLB PR #3044): nodes that
 * {@code preference} matches score {@code weight} in the election. A preference is soft: it orders
 * the eligible nodes and never makes a node eligible.
 *
 * @param weight 1 to 100, as the CRD allows
 */
public record PreferredNodeSelector(int weight, LabelSelector preference) {
  public static final int MIN_WEIGHT = 1;
  public static final int MAX_WEIGHT = 100;

  public PreferredNodeSelector {
    if (weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException("weight " + weight + " is outside " + MIN_WEIGHT + ".." + MAX_WEIGHT);
    }
    Objects.requireNonNull(preference, "preference");
  }

  boolean matches(NodeFacts node) {
    return preference.matches(node.labels());
  }
}
