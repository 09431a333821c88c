package io.ironlb.election;

import static io.ironlb.election.Speakers.adOn;
import static io.ironlb.election.Speakers.announcers;
import static io.ironlb.election.Speakers.nodes;
import static io.ironlb.election.Speakers.notReady;
import static io.ironlb.election.Speakers.ready;
import static io.ironlb.election.Speakers.service;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MetalLB's {@code TestShouldAnnounceEPSlices} and {@code TestShouldAnnounceFromNodes}
 * ({@code speaker/layer2_controller_test.go}), row for row: speakers iris1 and iris2, pool
 * 10.20.30.0/24. For 10.20.30.1 the hash order is iris2 before iris1; for 10.20.30.2, iris1 before
 * iris2. An endpoint that is not ready but still serving ({@code ready: false, serving: true})
 * counts as serving (SpeakerFacts reduces the conditions; its own test covers that table).
 */
class ShouldAnnounceTest {
  private static final String IRIS1 = "iris1";
  private static final String IRIS2 = "iris2";
  private static final Set<String> SPEAKERS = Set.of(IRIS1, IRIS2);

  record EpCase(String name, String ip, List<EndpointFacts> endpoints, Set<String> announcer) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static EpCase ep(String name, String ip, Set<String> announcer, EndpointFacts... endpoints) {
    return new EpCase(name, ip, List.of(endpoints), announcer);
  }

  /** All {@code externalTrafficPolicy: Local}; one advertisement covering both nodes. */
  static Stream<EpCase> endpointSliceCases() {
    String one = "10.20.30.1";
    String two = "10.20.30.2";
    Set<String> iris1 = Set.of(IRIS1);
    Set<String> iris2 = Set.of(IRIS2);
    Set<String> nobody = Set.of();
    return Stream.of(
        ep("1: two ready endpoints on iris1", one, iris1, ready(IRIS1), ready(IRIS1)),
        ep("2: two not-ready endpoints on iris1", one, nobody, notReady(IRIS1), notReady(IRIS1)),
        ep("3: ready on iris1, serving but not ready on iris2", one, iris2, ready(IRIS1), ready(IRIS2)),
        ep("4: not ready on either node", one, nobody, notReady(IRIS1), notReady(IRIS2)),
        ep("5: ready on iris1, not ready on iris2", one, iris1, ready(IRIS1), notReady(IRIS2)),
        ep("6: .1 with ready endpoints on both nodes", one, iris2, ready(IRIS1), ready(IRIS2)),
        ep("6: .2 with ready endpoints on both nodes", two, iris1, ready(IRIS1), ready(IRIS2)),
        ep("7: .1 ready on both", one, iris2, ready(IRIS1), ready(IRIS2)),
        ep("7: .2 ready on iris1, not ready on iris2", two, iris1, ready(IRIS1), notReady(IRIS2)),
        ep("8: .1 ready on iris2, not ready on iris1", one, iris2, ready(IRIS2), notReady(IRIS1)),
        ep("8: .2 ready on iris1, not ready on iris2", two, iris1, ready(IRIS1), notReady(IRIS2)),
        ep("9: one ready on iris1, two on iris2", one, iris2, ready(IRIS1), ready(IRIS2), ready(IRIS2)),
        ep("10: two ready on iris1, one on iris2", one, iris2, ready(IRIS1), ready(IRIS2), ready(IRIS1)),
        ep("11: ready on both, iris2 twice", one, iris2, ready(IRIS1), ready(IRIS2), ready(IRIS2)),
        ep("12: ready on both plus a not-ready one on iris1", one, iris2, ready(IRIS1), ready(IRIS2), notReady(IRIS1)),
        ep("13: ready on iris1, two not ready on iris2", one, iris1, ready(IRIS1), notReady(IRIS2), notReady(IRIS2)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpointSliceCases")
  void underLocalPolicyOnlyANodeWithAServingEndpointAnnounces(EpCase c) {
    Set<String> got = announcers(service(c.ip(), true, c.endpoints()), List.of(adOn()), nodes(IRIS1, IRIS2), SPEAKERS);

    assertThat(got).isEqualTo(c.announcer());
  }

  record NodeCase(String name, List<AdvertisementFacts> ads, List<EndpointFacts> endpoints, boolean local, Set<String> excluded,
      boolean ignoreExcludeLabel, Set<String> announcer) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** IP 10.20.30.1; "excluded" nodes carry the exclude label with value "" (MetalLB's fixtures). */
  static Stream<NodeCase> fromNodesCases() {
    List<AdvertisementFacts> both = List.of(adOn(IRIS1, IRIS2));
    List<AdvertisementFacts> onIris1 = List.of(adOn(IRIS1));
    List<AdvertisementFacts> onIris2 = List.of(adOn(IRIS2));
    List<AdvertisementFacts> split = List.of(adOn(IRIS1), adOn(IRIS2));
    List<EndpointFacts> onlyIris1 = List.of(ready(IRIS1));
    List<EndpointFacts> bothNodes = List.of(ready(IRIS1), ready(IRIS2));
    return Stream.of(
        new NodeCase("advertisement selecting iris1", onIris1, onlyIris1, false, Set.of(), false, Set.of(IRIS1)),
        new NodeCase("Local policy, one advertisement per node", split, onlyIris1, true, Set.of(), false, Set.of(IRIS1)),
        new NodeCase("advertisement selecting both", both, onlyIris1, false, Set.of(), false, Set.of(IRIS2)),
        new NodeCase("endpoints on both, advertisement on iris1", onIris1, bothNodes, false, Set.of(), false, Set.of(IRIS1)),
        new NodeCase("Local policy, endpoint on iris1, advertisement on iris2", onIris2, onlyIris1, true, Set.of(), false, Set.of()),
        new NodeCase("iris2 excluded", both, onlyIris1, false, Set.of(IRIS2), false, Set.of(IRIS1)),
        new NodeCase("iris1 excluded", both, onlyIris1, false, Set.of(IRIS1), false, Set.of(IRIS2)),
        new NodeCase("both excluded", both, onlyIris1, false, Set.of(IRIS1, IRIS2), false, Set.of()),
        new NodeCase("both excluded, label ignored (--ignore-exclude-lb)", both, onlyIris1, true, Set.of(IRIS1, IRIS2), true,
            Set.of(IRIS1)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fromNodesCases")
  void advertisementsAndTheExcludeLabelDecideWhichNodeAnnounces(NodeCase c) {
    Map<String, NodeFacts> nodes = new HashMap<>();
    for (String n : SPEAKERS) {
      Map<String, String> labels = new HashMap<>(Map.of(Speakers.HOSTNAME, n));
      if (c.excluded().contains(n)) {
        labels.put(NodeFacts.EXCLUDE_LABEL, "");
      }
      nodes.put(n, new NodeFacts(n, labels, false, c.excluded().contains(n) && !c.ignoreExcludeLabel()));
    }

    Set<String> got = announcers(service("10.20.30.1", c.local(), c.endpoints()), c.ads(), nodes, SPEAKERS);

    assertThat(got).isEqualTo(c.announcer());
  }
}
