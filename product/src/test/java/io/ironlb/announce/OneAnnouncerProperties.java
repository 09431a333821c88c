package io.ironlb.announce;

import static io.ironlb.announce.CoreDriver.macOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.EndpointFacts;
import io.ironlb.election.NodeFacts;
import io.ironlb.election.ServiceFacts;
import io.ironlb.model.LabelSelector;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Speakers fed the same facts and the same view never both announce one address: whatever the
 * nodes' labels and readiness, the advertisements' node selectors, the traffic policy and where
 * the endpoints run, at most one core announces each Service.
 */
class OneAnnouncerProperties {
  private static final List<String> NODES = List.of("n1", "n2", "n3", "n4");

  record World(List<Boolean> inView, List<Boolean> ready, List<Boolean> excluded, List<Boolean> zoneA, int adKind,
      boolean local, List<Integer> endpointNodes, List<Integer> lastOctets) {}

  @Provide
  Arbitrary<World> worlds() {
    Arbitrary<List<Boolean>> flags = Arbitraries.of(true, false).list().ofSize(NODES.size());
    return Combinators.combine(flags, flags, flags, flags, Arbitraries.integers().between(0, 2), Arbitraries.of(true, false),
        Arbitraries.integers().between(0, NODES.size() - 1).list().ofMinSize(0).ofMaxSize(4),
        Arbitraries.integers().between(1, 254).list().ofMinSize(1).ofMaxSize(6).uniqueElements())
        .as(World::new);
  }

  @Property(tries = 300)
  void atMostOneSpeakerAnnouncesEachService(@ForAll("worlds") World w) {
    Set<String> view = new java.util.HashSet<>();
    for (int i = 0; i < NODES.size(); i++) {
      if (w.inView().get(i)) {
        view.add(NODES.get(i));
      }
    }
    AdvertisementFacts ad = switch (w.adKind()) {
      case 0 -> CoreDriver.advertisement("all", List.of(), List.of());
      case 1 -> CoreDriver.advertisement("zone-a", List.of(LabelSelector.ofLabels(Map.of("zone", "a"))), List.of());
      default -> CoreDriver.advertisement("zone-b", List.of(LabelSelector.ofLabels(Map.of("zone", "b"))), List.of());
    };
    List<ServiceFacts> services = new ArrayList<>();
    for (int octet : w.lastOctets()) {
      List<EndpointFacts> endpoints = w.endpointNodes().stream().map(i -> new EndpointFacts(NODES.get(i), true)).toList();
      services.add(new ServiceFacts(new ServiceKey("default", "svc-" + octet), List.of(Vip.of("198.51.100." + octet)), CoreDriver.POOL,
          Map.of(), w.local(), endpoints));
    }
    Map<ServiceKey, List<String>> announcers = new HashMap<>();
    for (String me : view) {
      CoreDriver d = new CoreDriver(me);
      d.send(new Event.ViewChanged(Set.copyOf(NODES)));
      d.send(new Event.ViewChanged(view));
      d.send(new Event.MembershipHealth(true));
      for (int i = 0; i < NODES.size(); i++) {
        Map<String, String> labels = new HashMap<>();
        labels.put("zone", w.zoneA().get(i) ? "a" : "b");
        if (w.excluded().get(i)) {
          labels.put(NodeFacts.EXCLUDE_LABEL, "");
        }
        d.send(new Event.NodeUpdated(new NodeInfo(new NodeFacts(NODES.get(i), labels, false), w.ready().get(i),
            Set.of(macOf(NODES.get(i))), true)));
      }
      d.send(new Event.PoolsUpdated(Map.of(CoreDriver.POOL, Map.of())));
      d.send(new Event.AdvertisementsUpdated(List.of(ad)));
      d.send(new Event.InterfacesChanged(List.of(new Event.LocalInterface("lan0", true, macOf(me)))));
      services.forEach(s -> d.send(new Event.ServiceUpdated(s, List.of())));
      d.send(new Event.Synced());
      d.probesFindNothing();
      d.core.announcements().keySet().forEach(k -> announcers.computeIfAbsent(k, x -> new ArrayList<>()).add(me));
    }
    announcers.forEach((service, nodes) -> assertThat(nodes).as("announcers of %s", service).hasSizeLessThanOrEqualTo(1));
  }
}
