package io.ironlb.election;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.model.LabelSelector;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AnnouncementPlannerTest {
  // With 10.0.0.1 the hash order of these three is node-b, node-a, node-c (MetalLB's vector).
  private static final Map<String, NodeFacts> NODES = Map.of(
      "node-a", new NodeFacts("node-a", Map.of("role", "worker"), false),
      "node-b", new NodeFacts("node-b", Map.of("role", "control-plane"), false),
      "node-c", new NodeFacts("node-c", Map.of("role", "worker"), false));
  private static final Set<String> LIVE = NODES.keySet();
  private static final Map<String, Map<String, String>> POOLS = Map.of("lan-pool", Map.of("tier", "lan"), "other", Map.of());
  private static final LabelSelector WORKERS = new LabelSelector(Map.of("role", "worker"), List.of());

  private static ServiceFacts service(String pool, Map<String, String> labels) {
    return new ServiceFacts(new ServiceKey("default", "web"), List.of(Vip.of("10.0.0.1")), pool, labels, false,
        List.of(new EndpointFacts("node-a", true)));
  }

  private static AdvertisementFacts ad(List<String> pools, List<LabelSelector> poolSelectors, List<LabelSelector> nodeSelectors,
      List<String> interfaces, List<LabelSelector> serviceSelectors) {
    return new AdvertisementFacts("ad", pools, poolSelectors, nodeSelectors, interfaces, serviceSelectors);
  }

  record Case(String name, ServiceFacts service, List<AdvertisementFacts> ads, String announcer, List<String> interfaces) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    ServiceFacts web = service("lan-pool", Map.of("app", "web"));
    return Stream.of(
        new Case("the seed's advertisement naming lan-pool", web, List.of(ad(List.of("lan-pool"), null, null, null, null)), "node-b", List.of()),
        new Case("an advertisement naming neither pools nor selectors covers all pools", web, List.of(ad(null, null, null, null, null)), "node-b", List.of()),
        new Case("an advertisement for another pool does not count", web, List.of(ad(List.of("other"), null, null, null, null)), null, null),
        new Case("a pool selector matching the pool's labels",
            web, List.of(ad(null, List.of(new LabelSelector(Map.of("tier", "lan"), List.of())), null, null, null)), "node-b", List.of()),
        new Case("nodeSelectors move the announcement to a selected node",
            web, List.of(ad(List.of("lan-pool"), null, List.of(WORKERS), null, null)), "node-a", List.of()),
        new Case("interfaces from the advertisement are passed on",
            web, List.of(ad(List.of("lan-pool"), null, null, List.of("eth1", "eth0"), null)), "node-b", List.of("eth0", "eth1")),
        new Case("an advertisement without interfaces widens to by-subnet",
            web, List.of(ad(List.of("lan-pool"), null, null, List.of("eth1"), null), ad(List.of("lan-pool"), null, null, null, null)),
            "node-b", List.of()),
        new Case("serviceSelectors that do not match leave the service unannounced",
            web, List.of(ad(List.of("lan-pool"), null, null, null, List.of(new LabelSelector(Map.of("app", "db"), List.of()))))
            , null, null),
        new Case("a service whose pool is unknown is not announced", service("gone", Map.of()),
            List.of(ad(null, null, null, null, null)), null, null));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void exactlyTheElectedNodeAnnouncesOnTheRightInterfaces(Case c) {
    for (String me : LIVE) {
      var decision = new AnnouncementPlanner(me).plan(List.of(c.service()), POOLS, c.ads(), NODES, LIVE).get(c.service().key());
      if (me.equals(c.announcer())) {
        assertThat(decision.mine()).as("%s announces", me).isTrue();
        assertThat(decision.announcement().interfaces()).isEqualTo(c.interfaces());
        assertThat(decision.announcement().ips()).containsExactly(Vip.of("10.0.0.1"));
      } else {
        assertThat(decision.mine()).as("%s stays quiet", me).isFalse();
      }
    }
  }
}
