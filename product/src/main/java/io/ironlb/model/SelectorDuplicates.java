package io.ironlb.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The duplicates MetalLB refuses in a list of label selectors ({@code validateLabelSelectorDuplicate}
 * in its config parser): a value twice in one expression, the same expression twice in one
 * selector, the same selector twice in the list. As there, values are compared as sets and
 * matchLabels as maps, so order does not make two entries different.
 */
public final class SelectorDuplicates {

  /** What is duplicated, with the positions a message needs to name the field. */
  public sealed interface Duplicate {
    /** A description for a user, {@code field} being the list, e.g. {@code spec.nodeSelectors}. */
    String describe(String field);

    record Value(int selector, int expression, String value) implements Duplicate {
      @Override
      public String describe(String field) {
        return field + "[" + selector + "].matchExpressions[" + expression + "]: duplicate definition of match expression value"
            + " in label selector \"" + value + "\"; list each value once";
      }
    }

    record Expression(int selector, int expression, int first, LabelSelector.Requirement requirement) implements Duplicate {
      @Override
      public String describe(String field) {
        return field + "[" + selector + "].matchExpressions[" + expression + "]: duplicate definition of match expressions "
            + text(requirement) + " (the same as matchExpressions[" + first + "]); remove one";
      }
    }

    record Selector(int index, int first, LabelSelector selector) implements Duplicate {
      @Override
      public String describe(String field) {
        String kind = field.substring(field.lastIndexOf('.') + 1);
        return field + "[" + index + "]: duplicate definition of " + kind + " " + text(selector) + " (the same as " + field
            + "[" + first + "]); remove one";
      }
    }
  }

  private SelectorDuplicates() {}

  /** The first duplicate in {@code selectors}, if any: values first, then expressions, then selectors. */
  public static Optional<Duplicate> find(List<LabelSelector> selectors) {
    for (int i = 0; i < selectors.size(); i++) {
      List<LabelSelector.Requirement> expressions = selectors.get(i).matchExpressions();
      for (int e = 0; e < expressions.size(); e++) {
        Set<String> seen = new HashSet<>();
        for (String v : expressions.get(e).values()) {
          if (!seen.add(v)) {
            return Optional.of(new Duplicate.Value(i, e, v));
          }
        }
        for (int f = 0; f < e; f++) {
          if (normalized(expressions.get(f)).equals(normalized(expressions.get(e)))) {
            return Optional.of(new Duplicate.Expression(i, e, f, expressions.get(e)));
          }
        }
      }
    }
    for (int i = 0; i < selectors.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (sameSelector(selectors.get(j), selectors.get(i))) {
          return Optional.of(new Duplicate.Selector(i, j, selectors.get(i)));
        }
      }
    }
    return Optional.empty();
  }

  /** MetalLB: equal matchLabels, and equal expressions one by one in the same order, values sorted. */
  private static boolean sameSelector(LabelSelector a, LabelSelector b) {
    if (!a.matchLabels().equals(b.matchLabels()) || a.matchExpressions().size() != b.matchExpressions().size()) {
      return false;
    }
    for (int k = 0; k < a.matchExpressions().size(); k++) {
      if (!normalized(a.matchExpressions().get(k)).equals(normalized(b.matchExpressions().get(k)))) {
        return false;
      }
    }
    return true;
  }

  private static LabelSelector.Requirement normalized(LabelSelector.Requirement r) {
    return new LabelSelector.Requirement(r.key(), r.operator(), r.values().stream().sorted().toList());
  }

  private static String text(LabelSelector.Requirement r) {
    return "{" + r.key() + " " + r.operator().kubernetesName() + " " + r.values() + "}";
  }

  private static String text(LabelSelector s) {
    List<String> parts = new ArrayList<>();
    if (!s.matchLabels().isEmpty()) {
      parts.add("matchLabels: " + s.matchLabels().entrySet().stream().sorted(Map.Entry.comparingByKey())
          .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ", "{", "}")));
    }
    if (!s.matchExpressions().isEmpty()) {
      parts.add("matchExpressions: " + s.matchExpressions().stream().map(SelectorDuplicates::text)
          .collect(Collectors.joining(", ", "[", "]")));
    }
    return parts.isEmpty() ? "{}" : "{" + String.join(", ", parts) + "}";
  }
}
