package io.ironlb.election;

import static io.ironlb.election.Speakers.adOn;
import static io.ironlb.election.Speakers.announcers;
import static io.ironlb.election.Speakers.nodes;
import static io.ironlb.election.Speakers.prefer;
import static io.ironlb.election.Speakers.ready;
import static io.ironlb.election.Speakers.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ironlb.election.ElectionOutcome.Winner;
import io.ironlb.model.LabelSelector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code preferredNodeSelectors} (MetalLB PR #3044): MetalLB's {@code TestSortL2Candidates},
 * {@code TestPreferredScoresFor}, {@code TestShouldAnnouncePreferredNode},
 * {@code TestShouldAnnounceSplitBrainWithMixedAds} and {@code TestShouldAnnouncePreferredNodeFailover}
 * as tables, plus the examples of its design document ({@code design/preferred-node-l2.md}).
 */
class PreferredNodeTest {

  record SortCase(String name, List<String> candidates, String ip, Map<String, Integer> scores, List<String> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<SortCase> sortCases() {
    List<String> abc = List.of("node-a", "node-b", "node-c");
    return Stream.of(
        new SortCase("empty input", List.of(), "10.0.0.1", Map.of(), List.of()),
        new SortCase("single candidate", List.of("node-a"), "10.0.0.1", Map.of(), List.of("node-a")),
        new SortCase("no scores: hash order", abc, "10.0.0.1", Map.of(), List.of("node-b", "node-a", "node-c")),
        new SortCase("no scores: hash order depends on the IP", abc, "10.0.0.2", Map.of(), List.of("node-b", "node-c", "node-a")),
        new SortCase("highest score wins regardless of hash", List.of("edge-a", "edge-b", "worker-a", "worker-b"), "10.20.30.1",
            Map.of("edge-a", 100), List.of("edge-a", "edge-b", "worker-a", "worker-b")),
        new SortCase("equal non-zero scores fall through to hash", List.of("node-a", "node-b"), "10.20.30.1",
            Map.of("node-a", 100, "node-b", 100), List.of("node-b", "node-a")),
        new SortCase("preferred group sorted by hash, unpreferred trail", List.of("edge-a", "edge-b", "worker-a"), "10.20.30.1",
            Map.of("edge-a", 100, "edge-b", 100), List.of("edge-b", "edge-a", "worker-a")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sortCases")
  void candidatesAreOrderedByScoreThenHashWhateverTheInputOrder(SortCase c) {
    List<String> reversed = new ArrayList<>(c.candidates());
    Collections.reverse(reversed);

    assertThat(Election.order(c.ip(), c.candidates(), c.scores())).isEqualTo(c.expected());
    assertThat(Election.order(c.ip(), reversed, c.scores())).isEqualTo(c.expected());
  }

  record ScoreCase(String name, List<AdvertisementFacts> ads, Map<String, Integer> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<ScoreCase> scoreCases() {
    LabelSelector primary = LabelSelector.ofLabels(Map.of("zone", "primary"));
    LabelSelector gpu = LabelSelector.ofLabels(Map.of("gpu", "true"));
    LabelSelector lb = LabelSelector.ofLabels(Map.of("role", "lb"));
    return Stream.of(
        new ScoreCase("no advertisements", List.of(), Map.of("a", 0, "b", 0)),
        new ScoreCase("advertisements without preferences", List.of(adOn("a")), Map.of("a", 0, "b", 0)),
        new ScoreCase("preferences across advertisements sum",
            List.of(adOn(List.of("a", "b"), prefer(Map.of("a", 70)), List.of()),
                adOn(List.of("a", "b"), prefer(Map.of("a", 30, "b", 50)), List.of())),
            Map.of("a", 100, "b", 50)),
        new ScoreCase("weights within one advertisement add up, beyond 100",
            List.of(new AdvertisementFacts("ad", null, null, null, null, null,
                List.of(new PreferredNodeSelector(60, primary), new PreferredNodeSelector(50, gpu)))),
            Map.of("x", 110, "y", 60, "z", 0)),
        new ScoreCase("an advertisement's preference never lifts a node it does not select",
            List.of(new AdvertisementFacts("ad1", null, null, List.of(lb), null, null),
                new AdvertisementFacts("ad3", null, null, List.of(LabelSelector.ofLabels(Map.of("role", "gpu"))), null, null,
                    List.of(new PreferredNodeSelector(100, primary)))),
            Map.of("x", 0, "y", 0)),
        new ScoreCase("an empty preference matches every node the advertisement selects",
            List.of(new AdvertisementFacts("ad", null, null, null, null, null,
                List.of(new PreferredNodeSelector(5, LabelSelector.everything())))),
            Map.of("x", 5, "y", 5, "z", 5)));
  }

  /** x: role=lb, zone=primary, gpu=true; y: role=lb, zone=primary; z: role=lb (the design document's nodes). */
  private static final Map<String, NodeFacts> SCORED_NODES = Map.of(
      "a", new NodeFacts("a", Map.of(Speakers.HOSTNAME, "a"), false),
      "b", new NodeFacts("b", Map.of(Speakers.HOSTNAME, "b"), false),
      "x", new NodeFacts("x", Map.of("role", "lb", "zone", "primary", "gpu", "true"), false),
      "y", new NodeFacts("y", Map.of("role", "lb", "zone", "primary"), false),
      "z", new NodeFacts("z", Map.of("role", "lb"), false));

  @ParameterizedTest(name = "{0}")
  @MethodSource("scoreCases")
  void aNodeScoresTheWeightsOfEveryMatchingPreferenceOfTheAdvertisementsThatSelectIt(ScoreCase c) {
    ElectionInput in = ElectionInput.of("10.20.30.1", SCORED_NODES.keySet(), SCORED_NODES, c.ads(), false, List.of());
    for (var e : c.expected().entrySet()) {
      assertThat(Election.score(SCORED_NODES.get(e.getKey()), in)).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  record AnnounceCase(String name, Set<String> speakers, List<AdvertisementFacts> ads, boolean local, List<EndpointFacts> endpoints,
      String winner) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<AnnounceCase> announceCases() {
    List<String> fourNodes = List.of("edge-a", "edge-b", "worker-a", "worker-b");
    List<String> threeNodes = List.of("edge-a", "edge-b", "worker-a");
    Map<String, Integer> edges = Map.of("edge-a", 100, "edge-b", 100);
    List<EndpointFacts> onWorkerA = List.of(ready("worker-a"));
    List<AdvertisementFacts> failoverAd = List.of(adOn(threeNodes, prefer(edges), List.of()));
    return Stream.of(
        // TestShouldAnnouncePreferredNode
        new AnnounceCase("preferred node with highest score wins", Set.copyOf(fourNodes),
            List.of(adOn(fourNodes, prefer(Map.of("edge-a", 100)), List.of())), false, onWorkerA, "edge-a"),
        new AnnounceCase("Local policy drops a preferred node without local endpoints", Set.of("preferred-a", "worker-a"),
            List.of(adOn(List.of("preferred-a", "worker-a"), prefer(Map.of("preferred-a", 100)), List.of())), true, onWorkerA,
            "worker-a"),
        // TestShouldAnnounceSplitBrainWithMixedAds: the preference of an advertisement whose
        // serviceSelectors miss the service counts for nobody, on every speaker alike. MetalLB's
        // poison weight is 1000; two preferences of 100 outweigh edge-a's 100 the same way.
        new AnnounceCase("split brain with mixed advertisements: one winner", Set.of("edge-a", "worker-a"),
            List.of(adOn(List.of("edge-a"), prefer(Map.of("edge-a", 100)), List.of()), adOn("edge-a", "worker-a"),
                adOn(List.of("edge-a", "worker-a"), List.of(new PreferredNodeSelector(100, Speakers.hostnameIn("worker-a")),
                        new PreferredNodeSelector(100, Speakers.hostnameIn("worker-a"))),
                    List.of(LabelSelector.ofLabels(Map.of("app", "does-not-match"))))),
            false, onWorkerA, "edge-a"),
        // TestShouldAnnouncePreferredNodeFailover
        new AnnounceCase("preferred node gone: the remaining preferred node announces", Set.of("edge-b", "worker-a"), failoverAd, false,
            onWorkerA, "edge-b"),
        new AnnounceCase("preferred node back: the hash breaks the tie between preferred nodes",
            Set.of("edge-a", "edge-b", "worker-a"), failoverAd, false, onWorkerA, "edge-b"),
        new AnnounceCase("every preferred node gone: the hash decides among the rest", Set.of("worker-a", "worker-b"),
            List.of(adOn(fourNodes, prefer(edges), List.of())), false, onWorkerA, "worker-a"),
        // preferred-node.go (e2e) in table form
        new AnnounceCase("a preference matching no node leaves the hash order", Set.copyOf(fourNodes),
            List.of(adOn(fourNodes, prefer(Map.of("elsewhere", 100)), List.of())), false, onWorkerA,
            Election.order("10.20.30.1", fourNodes).getFirst()),
        new AnnounceCase("nodeSelectors stay a hard filter: a preferred node they leave out never announces", Set.copyOf(fourNodes),
            List.of(adOn(List.of("worker-a", "worker-b"), prefer(Map.of("edge-a", 100)), List.of())), false, onWorkerA,
            Election.order("10.20.30.1", List.of("worker-a", "worker-b")).getFirst()),
        new AnnounceCase("weights of two advertisements sum: 60 + 50 beat 100", Set.copyOf(fourNodes),
            List.of(adOn(fourNodes, prefer(Map.of("worker-b", 60, "edge-a", 100)), List.of()),
                adOn(fourNodes, prefer(Map.of("worker-b", 50)), List.of())),
            false, onWorkerA, "worker-b"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("announceCases")
  void exactlyTheMostPreferredEligibleNodeAnnounces(AnnounceCase c) {
    Map<String, NodeFacts> nodes = new HashMap<>(nodes(c.speakers().toArray(String[]::new)));

    assertThat(announcers(service("10.20.30.1", c.local(), c.endpoints()), c.ads(), nodes, c.speakers())).containsExactly(c.winner());
  }

  @Test
  void aPreferredNodeThatIsExcludedOrNetworkUnavailableNeverAnnounces() {
    List<AdvertisementFacts> ads = List.of(adOn(List.of(), prefer(Map.of("edge-a", 100)), List.of()));
    Set<String> live = Set.of("edge-a", "worker-a", "worker-b");
    Map<String, NodeFacts> excluded = new HashMap<>(nodes("worker-a", "worker-b"));
    excluded.put("edge-a", new NodeFacts("edge-a", Map.of(Speakers.HOSTNAME, "edge-a", NodeFacts.EXCLUDE_LABEL, "false"), false));
    Map<String, NodeFacts> networkDown = new HashMap<>(nodes("worker-a", "worker-b"));
    networkDown.put("edge-a", new NodeFacts("edge-a", Map.of(Speakers.HOSTNAME, "edge-a"), true));
    String byHash = Election.order("10.20.30.1", List.of("worker-a", "worker-b")).getFirst();

    assertThat(announcers(service("10.20.30.1", false, List.of(ready("worker-a"))), ads, nodes("edge-a", "worker-a", "worker-b"), live))
        .containsExactly("edge-a");
    assertThat(announcers(service("10.20.30.1", false, List.of(ready("worker-a"))), ads, excluded, live)).containsExactly(byHash);
    assertThat(announcers(service("10.20.30.1", false, List.of(ready("worker-a"))), ads, networkDown, live)).containsExactly(byHash);
  }

  @Test
  void theWinnerListsEveryCandidateInElectionOrder() {
    ElectionInput in = ElectionInput.of("10.20.30.1", Set.of("edge-a", "edge-b", "worker-a"), nodes("edge-a", "edge-b", "worker-a"),
        List.of(adOn(List.of(), prefer(Map.of("edge-a", 100, "edge-b", 100)), List.of())), false, List.of(ready("worker-a")));

    assertThat(Election.decide(in)).isEqualTo(new Winner("edge-b", List.of("edge-b", "edge-a", "worker-a")));
  }

  @Test
  void preferencesMustComeOnePerAdvertisement() {
    assertThatThrownBy(() -> new ElectionInput("10.20.30.1", Set.of(), Map.of(), List.of(List.of()), false, List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one (maybe empty) per advertisement");
  }

  @Test
  void aWeightOutsideOneToOneHundredIsRefused() {
    assertThatThrownBy(() -> new PreferredNodeSelector(0, LabelSelector.everything())).hasMessageContaining("outside 1..100");
    assertThatThrownBy(() -> new PreferredNodeSelector(101, LabelSelector.everything())).hasMessageContaining("outside 1..100");
  }
}
