package io.ironlb.k8s;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ironlb.io/drain} on a Node: set by {@code ironlb drain NODE} (its value is when), removed by
 * {@code ironlb drain --undo NODE}. While it is there, the node's addresses move to other nodes,
 * make-before-break, and stay off it; where no other node can take one, it stays.
 */
public final class NodeDrainAnnotation {
  public static final String KEY = "ironlb.io/drain";

  private NodeDrainAnnotation() {}

  public static String format(Instant since) {
    return since.toString();
  }

  public static boolean isSet(Map<String, String> annotations) {
    return annotations != null && annotations.containsKey(KEY);
  }

  /** When the drain began, if the value says (a hand-set value of any text still drains). */
  public static Optional<Instant> since(Map<String, String> annotations) {
    String v = annotations == null ? null : annotations.get(KEY);
    try {
      return v == null ? Optional.empty() : Optional.of(Instant.parse(v.strip()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
