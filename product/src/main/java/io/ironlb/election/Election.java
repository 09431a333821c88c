package io.ironlb.election;

import io.ironlb.model.LabelSelector;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MetalLB's Layer 2 leader election, byte for byte: every speaker computes the same order from the
 * same facts, so exactly one node announces without any shared state.
 *
 * <p>Candidates are the live nodes that pass every hard filter (not excluded, selected by a
 * covering advertisement, hosting a serving endpoint under {@code Local}); they are ordered by
 * preference score, highest first, then by {@code sha256(node + "#" + ip)}, lowest first.
 */
public final class Election {
  private Election() {}

  public static ElectionOutcome decide(ElectionInput in) {
    Set<String> withEndpoint = new HashSet<>();
    for (EndpointFacts e : in.endpoints()) {
      if (e.serving()) {
        withEndpoint.add(e.node());
      }
    }
    if (withEndpoint.isEmpty()) {
      return new ElectionOutcome.Nobody(ElectionOutcome.Reason.NO_SERVING_ENDPOINT);
    }
    if (in.nodeSelectors().isEmpty()) {
      return new ElectionOutcome.Nobody(ElectionOutcome.Reason.NO_ADVERTISEMENT);
    }
    Map<String, Integer> scores = new HashMap<>();
    for (String node : in.liveNodes()) {
      NodeFacts facts = in.nodes().get(node);
      if (facts == null || facts.excluded() || !selected(facts, in.nodeSelectors())) {
        continue;
      }
      if (in.localTrafficPolicy() && !withEndpoint.contains(node)) {
        continue;
      }
      scores.put(node, score(facts, in));
    }
    if (scores.isEmpty()) {
      return new ElectionOutcome.Nobody(ElectionOutcome.Reason.NO_ELIGIBLE_NODE);
    }
    List<String> ordered = order(in.ip(), scores.keySet(), scores);
    return new ElectionOutcome.Winner(ordered.getFirst(), ordered);
  }

  /** A node is selected when any advertisement selects it. */
  private static boolean selected(NodeFacts node, List<List<LabelSelector>> advertisements) {
    for (List<LabelSelector> selectors : advertisements) {
      if (selects(selectors, node)) {
        return true;
      }
    }
    return false;
  }

  /** One advertisement's {@code nodeSelectors}: any of them matching is enough, none at all selects every node. */
  static boolean selects(List<LabelSelector> nodeSelectors, NodeFacts node) {
    return nodeSelectors.isEmpty() || nodeSelectors.stream().anyMatch(s -> s.matches(node.labels()));
  }

  /**
   * MetalLB's score: the weights of every matching preference of every covering advertisement,
   * summed, counting an advertisement's preferences only on nodes that advertisement selects.
   */
  static int score(NodeFacts node, ElectionInput in) {
    int score = 0;
    for (int i = 0; i < in.nodeSelectors().size(); i++) {
      List<PreferredNodeSelector> preferences = in.preferredNodeSelectors().get(i);
      if (preferences.isEmpty() || !selects(in.nodeSelectors().get(i), node)) {
        continue;
      }
      for (PreferredNodeSelector p : preferences) {
        if (p.matches(node)) {
          score += p.weight();
        }
      }
    }
    return score;
  }

  /** Nodes sorted by {@code sha256(node + "#" + ip)} as unsigned bytes, lowest first. */
  public static List<String> order(String ip, Collection<String> nodes) {
    return order(ip, nodes, Map.of());
  }

  /**
   * Nodes sorted by score, highest first (absent from {@code scores}: 0), then by
   * {@code sha256(node + "#" + ip)} as unsigned bytes, lowest first.
   */
  public static List<String> order(String ip, Collection<String> nodes, Map<String, Integer> scores) {
    record Keyed(String node, int score, byte[] hash) {}
    List<Keyed> keyed = new ArrayList<>();
    for (String n : nodes) {
      keyed.add(new Keyed(n, scores.getOrDefault(n, 0), sha256(n + "#" + ip)));
    }
    keyed.sort(Comparator.comparingInt(Keyed::score).reversed()
        .thenComparing(Keyed::hash, Arrays::compareUnsigned).thenComparing(Keyed::node));
    return keyed.stream().map(Keyed::node).toList();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
