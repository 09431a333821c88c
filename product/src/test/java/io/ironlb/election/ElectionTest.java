package io.ironlb.election;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.election.ElectionOutcome.Nobody;
import io.ironlb.election.ElectionOutcome.Reason;
import io.ironlb.election.ElectionOutcome.Winner;
import io.ironlb.model.LabelSelector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ElectionTest {

  @Test
  void ordersNodesLikeMetalLbsTestVectors() {
    assertThat(Election.order("10.0.0.1", List.of("node-a", "node-b", "node-c"))).containsExactly("node-b", "node-a", "node-c");
    assertThat(Election.order("10.0.0.2", List.of("node-a", "node-b", "node-c"))).containsExactly("node-b", "node-c", "node-a");
  }

  @Test
  void orderDoesNotDependOnInputOrder() {
    assertThat(Election.order("10.0.0.1", List.of("node-c", "node-b", "node-a"))).containsExactly("node-b", "node-a", "node-c");
  }

  private static final Map<String, NodeFacts> THREE_NODES = Map.of(
      "node-a", new NodeFacts("node-a", Map.of("zone", "lan"), false),
      "node-b", new NodeFacts("node-b", Map.of("zone", "lan"), false),
      "node-c", new NodeFacts("node-c", Map.of("zone", "dmz"), false));
  private static final List<EndpointFacts> EVERYWHERE = List.of(
      new EndpointFacts("node-a", true), new EndpointFacts("node-b", true), new EndpointFacts("node-c", true));
  private static final List<List<LabelSelector>> ALL_NODES = List.of(List.of());

  record Case(String name, ElectionInput input, ElectionOutcome expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static ElectionInput input(Set<String> live, Map<String, NodeFacts> nodes, List<List<LabelSelector>> selectors,
      boolean local, List<EndpointFacts> endpoints) {
    return new ElectionInput("10.0.0.1", live, nodes, selectors, local, endpoints, selectors.stream()
        .map(s -> List.<PreferredNodeSelector>of()).toList());
  }

  private static Winner winner(String node) {
    return new Winner(node, List.of());
  }

  static Stream<Case> cases() {
    Set<String> all = Set.of("node-a", "node-b", "node-c");
    Map<String, NodeFacts> bExcluded = new HashMap<>(THREE_NODES);
    bExcluded.put("node-b", new NodeFacts("node-b", Map.of(NodeFacts.EXCLUDE_LABEL, ""), false));
    Map<String, NodeFacts> bNetworkDown = new HashMap<>(THREE_NODES);
    bNetworkDown.put("node-b", new NodeFacts("node-b", Map.of(), true));
    LabelSelector dmz = new LabelSelector(Map.of("zone", "dmz"), List.of());
    return Stream.of(
        new Case("the first node in hash order wins", input(all, THREE_NODES, ALL_NODES, false, EVERYWHERE), winner("node-b")),
        new Case("a dead node is skipped", input(Set.of("node-a", "node-c"), THREE_NODES, ALL_NODES, false, EVERYWHERE), winner("node-a")),
        new Case("an excluded node is skipped", input(all, bExcluded, ALL_NODES, false, EVERYWHERE), winner("node-a")),
        new Case("a node with NetworkUnavailable is skipped", input(all, bNetworkDown, ALL_NODES, false, EVERYWHERE), winner("node-a")),
        new Case("nodeSelectors limit the candidates", input(all, THREE_NODES, List.of(List.of(dmz)), false, EVERYWHERE), winner("node-c")),
        new Case("any advertisement selecting a node is enough", input(all, THREE_NODES, List.of(List.of(dmz), List.of()), false, EVERYWHERE), winner("node-b")),
        new Case("Local policy keeps only nodes with a serving endpoint",
            input(all, THREE_NODES, ALL_NODES, true, List.of(new EndpointFacts("node-c", true), new EndpointFacts("node-b", false))), winner("node-c")),
        new Case("Cluster policy does not care where endpoints run",
            input(all, THREE_NODES, ALL_NODES, false, List.of(new EndpointFacts("node-c", true))), winner("node-b")),
        new Case("nobody announces without a serving endpoint",
            input(all, THREE_NODES, ALL_NODES, false, List.of(new EndpointFacts("node-b", false))), new Nobody(Reason.NO_SERVING_ENDPOINT)),
        new Case("nobody announces when no advertisement covers the pool", input(all, THREE_NODES, List.of(), false, EVERYWHERE),
            new Nobody(Reason.NO_ADVERTISEMENT)),
        new Case("nobody announces when the only local endpoint is on a dead node",
            input(Set.of("node-a", "node-b"), THREE_NODES, ALL_NODES, true, List.of(new EndpointFacts("node-c", true))),
            new Nobody(Reason.NO_ELIGIBLE_NODE)),
        new Case("a live member the API does not know is not a candidate",
            input(Set.of("node-x", "node-a"), THREE_NODES, ALL_NODES, false, EVERYWHERE), winner("node-a")),
        new Case("an endpoint that names no node serves under Cluster policy (MetalLB counts it)",
            input(all, THREE_NODES, ALL_NODES, false, List.of(new EndpointFacts(null, true))), winner("node-b")),
        new Case("an endpoint that names no node makes no node eligible under Local policy",
            input(all, THREE_NODES, ALL_NODES, true, List.of(new EndpointFacts(null, true))), new Nobody(Reason.NO_ELIGIBLE_NODE)),
        new Case("the exclude label counts whatever its value, even \"false\"",
            input(all, Map.of("node-b", new NodeFacts("node-b", Map.of(NodeFacts.EXCLUDE_LABEL, "false"), false),
                "node-a", THREE_NODES.get("node-a")), ALL_NODES, false, EVERYWHERE), winner("node-a")),
        new Case("an exclude label the speaker ignores (--ignore-exclude-lb) leaves the node a candidate",
            input(all, Map.of("node-b", new NodeFacts("node-b", Map.of(NodeFacts.EXCLUDE_LABEL, ""), false, false),
                "node-a", THREE_NODES.get("node-a")), ALL_NODES, false, EVERYWHERE), winner("node-b")),
        new Case("NetworkUnavailable excludes even when the exclude label is ignored",
            input(all, Map.of("node-b", new NodeFacts("node-b", Map.of(), true, false), "node-a", THREE_NODES.get("node-a")),
                ALL_NODES, false, EVERYWHERE), winner("node-a")));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void decidesLikeMetalLb(Case c) {
    ElectionOutcome outcome = Election.decide(c.input());
    switch (c.expected()) {
      case Winner w -> assertThat(outcome).isInstanceOfSatisfying(Winner.class, got -> assertThat(got.node()).isEqualTo(w.node()));
      case Nobody n -> assertThat(outcome).isEqualTo(n);
    }
  }

  /**
   * Many random clusters: the winner is a live, eligible node whatever order a speaker learns
   * the members in; and a node that is not the winner leaving must not move
   * the address (only the winner's loss moves it).
   */
  @Test
  void randomClustersAlwaysHaveExactlyOneEligibleWinnerAndMoveOnlyWhenItLeaves() {
    Random random = new Random(20261126);
    for (int round = 0; round < 5_000; round++) {
      int n = 1 + random.nextInt(8);
      Map<String, NodeFacts> nodes = new HashMap<>();
      List<EndpointFacts> endpoints = new ArrayList<>();
      Set<String> live = new HashSet<>();
      for (int i = 0; i < n; i++) {
        String name = "node-" + i;
        Map<String, String> labels = new HashMap<>(Map.of("tier", random.nextBoolean() ? "edge" : "worker"));
        if (random.nextInt(10) == 0) {
          labels.put(NodeFacts.EXCLUDE_LABEL, "");
        }
        nodes.put(name, new NodeFacts(name, labels, random.nextInt(10) == 0));
        if (random.nextInt(3) > 0) {
          endpoints.add(new EndpointFacts(name, random.nextInt(5) > 0));
        }
        if (random.nextInt(5) > 0) {
          live.add(name);
        }
      }
      String ip = "198.51.100." + random.nextInt(256);
      boolean local = random.nextBoolean();
      // Some rounds prefer edge nodes: preferences reorder candidates but must keep every property.
      List<List<PreferredNodeSelector>> preferred = List.of(random.nextBoolean() ? List.of()
          : List.of(new PreferredNodeSelector(1 + random.nextInt(100), LabelSelector.ofLabels(Map.of("tier", "edge")))));
      ElectionInput in = new ElectionInput(ip, live, nodes, ALL_NODES, local, endpoints, preferred);

      // Speakers see the live set in different orders; the winner must not depend on it.
      List<String> shuffled = new ArrayList<>(live);
      Collections.shuffle(shuffled, random);
      assertThat(Election.order(ip, shuffled)).isEqualTo(Election.order(ip, live));
      Map<String, Integer> scores = new HashMap<>();
      live.forEach(node -> scores.put(node, Election.score(nodes.get(node), in)));
      assertThat(Election.order(ip, shuffled, scores)).isEqualTo(Election.order(ip, live, scores));
      if (Election.decide(in) instanceof Winner w) {
        NodeFacts facts = nodes.get(w.node());
        assertThat(live).contains(w.node());
        assertThat(facts.excluded()).isFalse();
        if (local) {
          assertThat(endpoints).contains(new EndpointFacts(w.node(), true));
        }
        if (!preferred.getFirst().isEmpty() && facts.labels().get("tier").equals("worker")) {
          assertThat(w.candidatesInOrder()).as("an edge candidate would have won").allMatch(c -> nodes.get(c).labels().get("tier").equals("worker"));
        }
        for (String other : live) {
          if (!other.equals(w.node())) {
            Set<String> without = new HashSet<>(live);
            without.remove(other);
            ElectionOutcome after = Election.decide(new ElectionInput(ip, without, nodes, ALL_NODES, local, endpoints, preferred));
            assertThat(after).isInstanceOfSatisfying(Winner.class, a -> assertThat(a.node()).isEqualTo(w.node()));
          }
        }
      }
    }
  }
}
