package io.ironlb.election;

import io.ironlb.model.LabelSelector;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * MetalLB's Layer 2 leader election, byte for byte: every speaker computes the same order from the
 * same facts, so exactly one node announces without any shared state.
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
    List<String> candidates = new ArrayList<>();
    for (String node : in.liveNodes()) {
      NodeFacts facts = in.nodes().get(node);
      if (facts == null || facts.excluded() || !selected(facts, in.nodeSelectors())) {
        continue;
      }
      if (in.localTrafficPolicy() && !withEndpoint.contains(node)) {
        continue;
      }
      candidates.add(node);
    }
    if (candidates.isEmpty()) {
      return new ElectionOutcome.Nobody(ElectionOutcome.Reason.NO_ELIGIBLE_NODE);
    }
    List<String> ordered = order(in.ip(), candidates);
    return new ElectionOutcome.Winner(ordered.getFirst(), ordered);
  }

  /** A node is selected when any advertisement selects it; an advertisement without nodeSelectors selects all. */
  private static boolean selected(NodeFacts node, List<List<LabelSelector>> advertisements) {
    for (List<LabelSelector> selectors : advertisements) {
      if (selectors.isEmpty() || selectors.stream().anyMatch(s -> s.matches(node.labels()))) {
        return true;
      }
    }
    return false;
  }

  /** Nodes sorted by {@code sha256(node + "#" + ip)} as unsigned bytes, lowest first. */
  public static List<String> order(String ip, Collection<String> nodes) {
    record Keyed(String node, byte[] hash) {}
    List<Keyed> keyed = new ArrayList<>();
    for (String n : nodes) {
      keyed.add(new Keyed(n, sha256(n + "#" + ip)));
    }
    keyed.sort(Comparator.<Keyed, byte[]>comparing(Keyed::hash, Arrays::compareUnsigned).thenComparing(Keyed::node));
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
