package io.ironlb.announce;

import static io.ironlb.announce.CoreDriver.advertisement;
import static io.ironlb.announce.CoreDriver.macOf;
import static io.ironlb.announce.CoreDriver.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.EndpointFacts;
import io.ironlb.election.NodeFacts;
import io.ironlb.election.ServiceFacts;
import io.ironlb.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who announces, as MetalLB's {@code speaker/layer2_controller_test.go} states it: each row a
 * cluster (nodes: Ready, in the view, labels), the advertisements, one Service (traffic policy,
 * endpoints and where they run) and the node that must announce it, or none. Every node runs its
 * own core fed the same facts, as every speaker decides alone; the row holds when exactly the
 * expected node announces.
 */
class WhoAnnouncesTest {
  private static final String EXCLUDE = NodeFacts.EXCLUDE_LABEL;

  /** A node of the row: whether it is Ready, in the membership view, and its labels. */
  record Node(String name, boolean ready, boolean inView, Map<String, String> labels) {
    static Node up(String name) {
      return new Node(name, true, true, Map.of());
    }

    static Node labelled(String name, Map<String, String> labels) {
      return new Node(name, true, true, labels);
    }

    static Node outOfView(String name) {
      return new Node(name, true, false, Map.of());
    }
  }

  record Case(String name, List<Node> nodes, List<AdvertisementFacts> ads, ServiceFacts service, String announcer) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final AdvertisementFacts ALL = advertisement("all", List.of(), List.of());

  private static AdvertisementFacts on(String... nodes) {
    List<LabelSelector> selectors = new ArrayList<>();
    for (String n : nodes) {
      selectors.add(LabelSelector.ofLabels(Map.of("kubernetes.io/hostname", n)));
    }
    return advertisement("on-" + String.join("-", nodes), selectors, List.of());
  }

  private static Node host(String name, Map<String, String> more) {
    Map<String, String> labels = new java.util.HashMap<>(more);
    labels.put("kubernetes.io/hostname", name);
    return Node.labelled(name, labels);
  }

  private static EndpointFacts ready(String node) {
    return new EndpointFacts(node, true);
  }

  private static EndpointFacts notReady(String node) {
    return new EndpointFacts(node, false);
  }

  private static ServiceFacts cluster(String ip, EndpointFacts... endpoints) {
    return service("web", ip, false, List.of(endpoints), Map.of());
  }

  private static ServiceFacts local(String ip, EndpointFacts... endpoints) {
    return service("web", ip, true, List.of(endpoints), Map.of());
  }

  // Hash order (sha256 of node#ip, lowest first): 10.20.30.1 -> iris2, iris1; 10.20.30.2 -> iris1, iris2.
  static Stream<Case> cases() {
    List<Node> iris = List.of(host("iris1", Map.of()), host("iris2", Map.of()));
    return Stream.of(
        // MetalLB TestShouldAnnounceEPSlices (all externalTrafficPolicy: Local)
        new Case("local: both endpoints on iris1 -> iris1", iris, List.of(ALL), local("10.20.30.1", ready("iris1"), ready("iris1")), "iris1"),
        new Case("local: no endpoint ready -> nobody", iris, List.of(ALL), local("10.20.30.1", notReady("iris1"), notReady("iris1")), null),
        new Case("local: endpoints on both, hash picks iris2", iris, List.of(ALL), local("10.20.30.1", ready("iris1"), ready("iris2")), "iris2"),
        new Case("local: only iris1's endpoint ready -> iris1", iris, List.of(ALL), local("10.20.30.1", ready("iris1"), notReady("iris2")), "iris1"),
        new Case("local: endpoints on both, other address -> iris1", iris, List.of(ALL), local("10.20.30.2", ready("iris1"), ready("iris2")), "iris1"),
        new Case("local: a not-ready duplicate on iris1 does not matter", iris, List.of(ALL),
            local("10.20.30.1", ready("iris1"), ready("iris2"), notReady("iris1")), "iris2"),
        new Case("local: iris2's endpoints not ready -> iris1", iris, List.of(ALL),
            local("10.20.30.1", ready("iris1"), notReady("iris2"), notReady("iris2")), "iris1"),
        // MetalLB TestShouldAnnounceFromNodes
        new Case("cluster: advertisement on iris1 only", iris, List.of(on("iris1")), cluster("10.20.30.1", ready("iris1")), "iris1"),
        new Case("local: split advertisements, endpoint on iris1", iris, List.of(on("iris1"), on("iris2")),
            local("10.20.30.1", ready("iris1")), "iris1"),
        new Case("cluster: advertisement on both, hash picks iris2", iris, List.of(on("iris1", "iris2")),
            cluster("10.20.30.1", ready("iris1")), "iris2"),
        new Case("cluster: endpoints on both, advertisement on iris1", iris, List.of(on("iris1")),
            cluster("10.20.30.1", ready("iris1"), ready("iris2")), "iris1"),
        new Case("local: endpoint on iris1, advertisement on iris2 -> nobody", iris, List.of(on("iris2")),
            local("10.20.30.1", ready("iris1")), null),
        new Case("cluster: iris2 excluded", List.of(host("iris1", Map.of()), host("iris2", Map.of(EXCLUDE, ""))), List.of(ALL),
            cluster("10.20.30.1", ready("iris1")), "iris1"),
        new Case("cluster: iris1 excluded", List.of(host("iris1", Map.of(EXCLUDE, "")), host("iris2", Map.of())), List.of(ALL),
            cluster("10.20.30.1", ready("iris1")), "iris2"),
        new Case("cluster: the exclude label counts whatever its value", List.of(host("iris1", Map.of()),
            host("iris2", Map.of(EXCLUDE, "false"))), List.of(ALL), cluster("10.20.30.1", ready("iris1")), "iris1"),
        new Case("cluster: both excluded -> nobody", List.of(host("iris1", Map.of(EXCLUDE, "")), host("iris2", Map.of(EXCLUDE, ""))),
            List.of(ALL), cluster("10.20.30.1", ready("iris1")), null),
        // IronLB: liveness is the membership view
        new Case("cluster: the winner out of the view -> the next in hash order", List.of(host("iris1", Map.of()),
            new Node("iris2", true, false, Map.of("kubernetes.io/hostname", "iris2"))), List.of(ALL),
            cluster("10.20.30.1", ready("iris1")), "iris1"),
        new Case("cluster: an endpoint without a node still serves", iris, List.of(ALL),
            cluster("10.20.30.1", new EndpointFacts(null, true)), "iris2"),
        new Case("local: an endpoint without a node makes no node eligible", iris, List.of(ALL),
            local("10.20.30.1", new EndpointFacts(null, true)), null),
        new Case("no advertisement covers the pool -> nobody", iris, List.of(), cluster("10.20.30.1", ready("iris1")), null),
        new Case("service selector does not match -> nobody", iris,
            List.of(new AdvertisementFacts("sel", List.of(), List.of(), List.of(), List.of(), List.of(LabelSelector.ofLabels(Map.of("app", "x"))))),
            cluster("10.20.30.1", ready("iris1")), null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void exactlyTheExpectedNodeAnnounces(Case c) {
    Set<String> view = new java.util.HashSet<>();
    c.nodes().stream().filter(Node::inView).forEach(n -> view.add(n.name()));
    List<String> announcing = new ArrayList<>();
    for (Node me : c.nodes().stream().filter(Node::inView).toList()) {
      CoreDriver d = new CoreDriver(me.name());
      // Every node was in one view once (so each trusts membership); the row's view is the current one.
      d.send(new Event.ViewChanged(c.nodes().stream().map(Node::name).collect(java.util.stream.Collectors.toSet())));
      d.send(new Event.ViewChanged(view));
      d.send(new Event.MembershipHealth(true));
      for (Node n : c.nodes()) {
        d.send(new Event.NodeUpdated(new NodeInfo(new NodeFacts(n.name(), n.labels(), false), n.ready(), Set.of(macOf(n.name())), true)));
      }
      d.send(new Event.PoolsUpdated(Map.of(CoreDriver.POOL, Map.of())));
      d.send(new Event.AdvertisementsUpdated(c.ads()));
      d.send(new Event.InterfacesChanged(List.of(new Event.LocalInterface("lan0", true, macOf(me.name())))));
      d.send(new Event.ServiceUpdated(c.service(), List.of()));
      d.send(new Event.Synced());
      d.probesFindNothing();
      if (d.announces(c.service().key())) {
        announcing.add(me.name());
      }
    }
    assertThat(announcing).isEqualTo(c.announcer() == null ? List.of() : List.of(c.announcer()));
  }
}
