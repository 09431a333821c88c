package io.ironlb.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Kubernetes label selector ({@code metav1.LabelSelector}): every {@code matchLabels} entry and
 * every {@code matchExpressions} requirement must hold. An empty selector matches everything.
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

  public LabelSelector {
    matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
    matchExpressions = matchExpressions == null ? List.of() : List.copyOf(matchExpressions);
  }

  public record Requirement(String key, Operator operator, List<String> values) {
    public Requirement {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(operator, "operator");
      values = values == null ? List.of() : List.copyOf(values);
    }

    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case IN -> value != null && values.contains(value);
        // Kubernetes: NotIn also matches objects that lack the key.
        case NOT_IN -> value == null || !values.contains(value);
        case EXISTS -> labels.containsKey(key);
        case DOES_NOT_EXIST -> !labels.containsKey(key);
      };
    }
  }

  public enum Operator {
    IN, NOT_IN, EXISTS, DOES_NOT_EXIST;

    /** The Kubernetes spelling: {@code In}, {@code NotIn}, {@code Exists}, {@code DoesNotExist}. */
    public String kubernetesName() {
      return switch (this) {
        case IN -> "In";
        case NOT_IN -> "NotIn";
        case EXISTS -> "Exists";
        case DOES_NOT_EXIST -> "DoesNotExist";
      };
    }

    /** Parses the Kubernetes spelling: {@code In}, {@code NotIn}, {@code Exists}, {@code DoesNotExist}. */
    public static Operator fromKubernetes(String text) {
      return switch (text) {
        case "In" -> IN;
        case "NotIn" -> NOT_IN;
        case "Exists" -> EXISTS;
        case "DoesNotExist" -> DOES_NOT_EXIST;
        default -> throw new IllegalArgumentException(
            "label selector operator \"" + text + "\" is not one of In, NotIn, Exists, DoesNotExist");
      };
    }
  }

  public static LabelSelector everything() {
    return new LabelSelector(Map.of(), List.of());
  }

  public static LabelSelector ofLabels(Map<String, String> matchLabels) {
    return new LabelSelector(matchLabels, List.of());
  }

  public boolean isEmpty() {
    return matchLabels.isEmpty() && matchExpressions.isEmpty();
  }

  public boolean matches(Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    for (var e : matchLabels.entrySet()) {
      if (!e.getValue().equals(l.get(e.getKey()))) {
        return false;
      }
    }
    for (Requirement r : matchExpressions) {
      if (!r.matches(l)) {
        return false;
      }
    }
    return true;
  }
}
