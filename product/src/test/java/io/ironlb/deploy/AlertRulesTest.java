package io.ironlb.deploy;

import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.ironlb.controller.AllocationController;
import io.ironlb.controller.ControllerCommand.ControllerRunner;
import io.ironlb.controller.ControllerMetrics;
import io.ironlb.deploy.promql.Labels;
import io.ironlb.deploy.promql.Prometheus;
import io.ironlb.deploy.promql.Prometheus.Alert;
import io.ironlb.deploy.promql.Prometheus.Target;
import io.ironlb.deploy.promql.Value.Sample;
import io.ironlb.k8s.IPAddressPoolSpec;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.L2AdvertisementSpec;
import io.ironlb.k8s.MetalLb;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.ServiceKey;
import io.ironlb.runtime.MetricsServer;
import io.ironlb.speaker.SpeakerOnFakes;
import io.ironlb.testing.MockCluster;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * deploy/prometheus/prometheusrule.yaml against the metrics the code exports: a real controller and
 * real speakers (on a fake data plane and a steered membership) against the mock API server, each
 * serving /metrics over HTTP, scraped by a miniature Prometheus on a simulated clock that evaluates
 * the rules as Prometheus does ({@code for} included). Each scenario brings about the situation an
 * alert is for, checks it fires (and nothing else does), then undoes it and checks it resolves.
 */
class AlertRulesTest {
  private static final Duration SOON = Duration.ofSeconds(20);
  private static final String NS = MockCluster.CONFIG_NAMESPACE;
  private static final Set<String> NODES = Set.of("node-a", "node-b");
  private static final MacAddress FOREIGN = MacAddress.parse("02:00:00:00:00:99");

  private final MockCluster cluster = new MockCluster();
  private final List<AutoCloseable> running = new ArrayList<>();
  private final Prometheus prometheus = new Prometheus(PrometheusRules.of(PrometheusRules.shipped()));

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : running.reversed()) {
      c.close();
    }
    prometheus.close();
    cluster.close();
  }

  // ---- the scenarios ---------------------------------------------------------------------------

  @Test
  void aHealthyClusterWithASharedAddressAndAnInvalidPoolFiresNothing() throws Exception {
    cluster.pool("pool-on-a-node", "198.51.100.11/32"); // out of service: it contains node-a's address
    Lan lan = lan("198.51.100.200-198.51.100.220", Map.of());
    service("web", Map.of());
    // Two Services on one address (TCP and UDP 53): announced together, from one node.
    service("dns-tcp", Map.of(MetalLb.ANNOTATION_ALLOW_SHARED_IP, "dns", MetalLb.ANNOTATION_LOAD_BALANCER_IPS, "198.51.100.210"));
    service("dns-udp", Map.of(MetalLb.ANNOTATION_ALLOW_SHARED_IP, "dns", MetalLb.ANNOTATION_LOAD_BALANCER_IPS, "198.51.100.210"),
        "UDP", 53);
    lan.awaitAnnouncedOnce("web", "dns-tcp", "dns-udp");
    // Pool figures are exported with the pool status, at most once a second: not with the announcement.
    await().atMost(SOON).until(() -> exported(lan.controller(), "metallb_allocator_addresses_in_use_total") == 2.0);

    prometheus.run(Duration.ofMinutes(5));

    assertThat(prometheus.firing()).isEmpty();
    // Not an empty scrape: 3 Services on 2 addresses announced, the controller counts 2 in use.
    assertThat(prometheus.query("metallb_speaker_announced")).hasSize(3);
    assertThat(value("sum(metallb_allocator_addresses_in_use_total)")).isEqualTo(2);
    assertThat(value("metallb_allocator_addresses_total{pool=\"pool-on-a-node\"}")).isZero();
  }

  @Test
  void anAddressNoSpeakerAnnouncesFiresUntilOneDoesAndWhenTheSpeakersAreDown() throws Exception {
    // Only for Services that ask for it, and no L2Advertisement names it.
    cluster.pool("dark-pool", new IPAddressPoolSpec(List.of("198.51.100.230-198.51.100.239"), false, null, null));
    Lan lan = lan("198.51.100.200-198.51.100.220", Map.of());
    service("web", Map.of());
    service("hidden", Map.of(MetalLb.ANNOTATION_ADDRESS_POOL, "dark-pool"));
    await().atMost(SOON).until(() -> cluster.ingress("apps", "hidden"), ips -> ips.equals(List.of("198.51.100.230")));
    lan.awaitAnnouncedOnce("web");
    await().atMost(SOON).until(() -> exported(lan.controller(), "metallb_allocator_addresses_in_use_total") == 2.0);

    prometheus.run(Duration.ofMinutes(2)); // evaluations at 0 s ... 90 s after it began
    assertThat(prometheus.firing()).as("pending for 2m").isEmpty();
    prometheus.run(Prometheus.INTERVAL); // 120 s
    assertThat(prometheus.firing()).containsOnlyKeys("IronLBAddressNotAnnounced");
    assertThat(prometheus.firing().get("IronLBAddressNotAnnounced")).extracting(Alert::value).containsExactly(1.0);

    advertisement("dark", "dark-pool");
    lan.awaitAnnouncedOnce("web", "hidden");
    prometheus.run(Prometheus.INTERVAL);
    assertThat(prometheus.firing()).isEmpty();

    // No speaker answers a scrape: both addresses count as unannounced ("or vector(0)").
    lan.a().metrics().close();
    lan.b().metrics().close();
    prometheus.run(Duration.ofMinutes(3));
    assertThat(prometheus.firing()).containsOnlyKeys("IronLBAddressNotAnnounced");
    assertThat(prometheus.firing().get("IronLBAddressNotAnnounced")).extracting(Alert::value).containsExactly(2.0);
  }

  @Test
  void twoNodesAnnouncingOneAddressAfterAPartitionFireForEachAddressUntilItHeals() throws Exception {
    Lan lan = lan("198.51.100.200-198.51.100.220", Map.of());
    SpeakerOnFakes a = lan.a().speaker();
    SpeakerOnFakes b = lan.b().speaker();
    String[] services = {"web-1", "web-2", "web-3", "web-4"};
    for (String name : services) {
      service(name, Map.of());
    }
    lan.awaitAnnouncedOnce(services);
    prometheus.run(Duration.ofMinutes(2));
    assertThat(prometheus.firing()).isEmpty();

    a.view(Set.of("node-a"));
    b.view(Set.of("node-b"));
    await().atMost(SOON).until(() -> a.announced().size() == 4 && b.announced().size() == 4);
    prometheus.run(Prometheus.INTERVAL);
    assertThat(prometheus.firing()).as("pending for 1m").isEmpty();
    prometheus.run(Duration.ofMinutes(1));

    assertThat(prometheus.firing()).containsOnlyKeys("IronLBAddressClaimedByTwoNodes");
    assertThat(prometheus.firing().get("IronLBAddressClaimedByTwoNodes"))
        .extracting(alert -> alert.labels().get("ip") + "=" + alert.value())
        .containsExactlyInAnyOrder("198.51.100.200=2.0", "198.51.100.201=2.0", "198.51.100.202=2.0", "198.51.100.203=2.0");

    a.view(NODES);
    b.view(NODES);
    lan.awaitAnnouncedOnce(services);
    prometheus.run(Prometheus.INTERVAL);
    assertThat(prometheus.firing()).isEmpty();
  }

  @Test
  void aForeignDeviceOnAnAddressFiresAtOnceAndForFifteenMinutes() throws Exception {
    Lan lan = lan("198.51.100.200-198.51.100.220", Map.of("198.51.100.200", FOREIGN));
    prometheus.run(Duration.ofMinutes(2)); // history without the conflict

    // .200 is the first free address: the announcer's probe finds the foreign device, the Service moves.
    service("web", Map.of());
    await().atMost(SOON).until(() -> cluster.ingress("apps", "web"), ips -> ips.equals(List.of("198.51.100.201")));
    lan.awaitAnnouncedOnce("web");
    assertThat(cluster.service("apps", "web").getMetadata().getAnnotations()).containsKey(IronLb.ANNOTATION_IP_CONFLICT);
    prometheus.run(Prometheus.INTERVAL);

    assertThat(prometheus.firing()).containsOnlyKeys("IronLBAddressConflict");
    Alert alert = prometheus.firing().get("IronLBAddressConflict").getFirst();
    assertThat(alert.labels().get("ip")).isEqualTo("198.51.100.200");
    assertThat(alert.labels().get("mac")).isEqualTo(FOREIGN.toString());
    assertThat(alert.labels().get("pod")).startsWith("ironlb-speaker-node-");

    prometheus.run(Duration.ofMinutes(14));
    assertThat(prometheus.firing()).containsOnlyKeys("IronLBAddressConflict");
    prometheus.run(Duration.ofMinutes(1));
    assertThat(prometheus.firing()).isEmpty();
  }

  @Test
  void aSpeakerWithoutMembershipFiresAfterTwoMinutesAndResolvesWhenItRecovers() throws Exception {
    Lan lan = lan("198.51.100.200-198.51.100.220", Map.of());
    Running a = lan.a();
    service("web", Map.of());
    lan.awaitAnnouncedOnce("web");

    a.speaker().healthy(false);
    await().atMost(SOON).until(() -> exported(a.target(), "ironlb_membership_fallback") == 1.0);
    prometheus.run(Duration.ofMinutes(2));
    assertThat(prometheus.firing()).as("pending for 2m").isEmpty();
    prometheus.run(Prometheus.INTERVAL);

    assertThat(prometheus.firing()).containsOnlyKeys("IronLBMembershipFallback");
    assertThat(prometheus.firing().get("IronLBMembershipFallback")).extracting(x -> x.labels().get("pod"))
        .containsExactly("ironlb-speaker-node-a");

    a.speaker().healthy(true);
    await().atMost(SOON).until(() -> exported(a.target(), "ironlb_membership_fallback") == 0.0);
    prometheus.run(Prometheus.INTERVAL);
    assertThat(prometheus.firing()).isEmpty();
  }

  @Test
  void aFilledPoolFiresMetalLbsPoolAlertsAndTheChartsExcludePoolsSilencesThem() throws Exception {
    Lan lan = lan("198.51.100.200-198.51.100.203", Map.of()); // 4 addresses
    Target controller = lan.controller();
    for (int i = 1; i <= 3; i++) {
      service("web-" + i, Map.of());
    }
    lan.awaitAnnouncedOnce("web-1", "web-2", "web-3");
    await().atMost(SOON).until(() -> exported(controller, "metallb_allocator_addresses_in_use_total") == 3.0);
    prometheus.run(Duration.ofMinutes(2));
    assertThat(prometheus.firing()).as("75% is not past 75%").isEmpty();

    service("web-4", Map.of());
    lan.awaitAnnouncedOnce("web-1", "web-2", "web-3", "web-4");
    await().atMost(SOON).until(() -> exported(controller, "metallb_allocator_addresses_in_use_total") == 4.0);
    prometheus.run(Prometheus.INTERVAL);
    assertThat(prometheus.firing()).as("usage alerts have no 'for'")
        .containsOnlyKeys("MetalLBAddressPoolUsage75Percent", "MetalLBAddressPoolUsage85Percent", "MetalLBAddressPoolUsage95Percent");
    prometheus.run(Duration.ofMinutes(1));
    assertThat(prometheus.firing()).containsKey("MetalLBAddressPoolExhausted");
    assertThat(prometheus.firing().values()).allSatisfy(alerts -> assertThat(alerts).extracting(x -> x.labels().get("pool"))
        .containsExactly("lan-pool"));

    JsonNode excluding = HelmChart.render(Map.of("prometheus.prometheusRule.enabled", "true",
        "prometheus.prometheusRule.addressPoolExhausted.excludePools", "lan.*",
        "prometheus.prometheusRule.addressPoolUsage.excludePools", "lan-pool")).one("PrometheusRule", "ironlb");
    try (Prometheus withExclusions = new Prometheus(PrometheusRules.of(excluding))) {
      withExclusions.scrape(controller);
      withExclusions.run(Duration.ofMinutes(2));
      assertThat(withExclusions.firing()).doesNotContainKeys("MetalLBAddressPoolExhausted", "MetalLBAddressPoolUsage75Percent",
          "MetalLBAddressPoolUsage85Percent", "MetalLBAddressPoolUsage95Percent");
    }
  }

  // ---- static checks ---------------------------------------------------------------------------

  /** Which scenario above makes each alert fire: a new alert needs a scenario (and a row here). */
  private static final Map<String, String> FIRED_BY = Map.of(
      "IronLBAddressNotAnnounced", "anAddressNoSpeakerAnnouncesFiresUntilOneDoesAndWhenTheSpeakersAreDown",
      "IronLBAddressClaimedByTwoNodes", "twoNodesAnnouncingOneAddressAfterAPartitionFireForEachAddressUntilItHeals",
      "IronLBAddressConflict", "aForeignDeviceOnAnAddressFiresAtOnceAndForFifteenMinutes",
      "IronLBMembershipFallback", "aSpeakerWithoutMembershipFiresAfterTwoMinutesAndResolvesWhenItRecovers",
      "MetalLBAddressPoolExhausted", "aFilledPoolFiresMetalLbsPoolAlertsAndTheChartsExcludePoolsSilencesThem",
      "MetalLBAddressPoolUsage75Percent", "aFilledPoolFiresMetalLbsPoolAlertsAndTheChartsExcludePoolsSilencesThem",
      "MetalLBAddressPoolUsage85Percent", "aFilledPoolFiresMetalLbsPoolAlertsAndTheChartsExcludePoolsSilencesThem",
      "MetalLBAddressPoolUsage95Percent", "aFilledPoolFiresMetalLbsPoolAlertsAndTheChartsExcludePoolsSilencesThem");

  @Test
  void everyAlertHasAScenarioThatMakesItFire() {
    assertThat(PrometheusRules.of(PrometheusRules.shipped())).extracting(Prometheus.AlertRule::name)
        .containsExactlyInAnyOrderElementsOf(FIRED_BY.keySet());
  }

  @Test
  void everySeriesTheRulesQueryIsOneTheProcessesExport() {
    Pattern metric = Pattern.compile("\\b((?:metallb|ironlb)_[a-zA-Z0-9_]+)\\b");
    Set<String> queried = new TreeSet<>();
    for (Prometheus.AlertRule rule : PrometheusRules.of(PrometheusRules.shipped())) {
      Matcher m = metric.matcher(rule.expr().replaceAll("\\{[^}]*}", "{}"));
      while (m.find()) {
        queried.add(m.group(1));
      }
    }

    assertThat(queried).isNotEmpty();
    assertThat(ExportedMetrics.seriesNames()).containsAll(queried);
  }

  @Test
  void everyRuleSaysWhatItMeansAndHowBadItIs() {
    for (JsonNode group : PrometheusRules.shipped().path("spec").path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String name = rule.path("alert").asString();
        assertThat(rule.path("labels").path("severity").asString()).as(name).isIn("warning", "critical");
        assertThat(rule.path("annotations").path("summary").asString()).as(name).isNotBlank();
        assertThat(rule.path("annotations").path("description").asString(rule.path("annotations").path("message").asString()))
            .as(name).isNotBlank();
      }
    }
  }

  // ---- the cluster ---------------------------------------------------------------------------

  private record Running(SpeakerOnFakes speaker, MetricsServer metrics, Target target) {}

  /** The seed's cluster: lan-pool with its L2Advertisement, speakers on node-a and node-b that see each other, the controller. */
  private record Lan(Running a, Running b, Target controller) {
    /** Waits until each Service is announced by exactly one of the speakers, and no other Service is. */
    void awaitAnnouncedOnce(String... services) {
      Set<ServiceKey> wanted = new HashSet<>();
      for (String s : services) {
        wanted.add(new ServiceKey("apps", s));
      }
      await().atMost(SOON).until(() -> {
        List<ServiceKey> all = new ArrayList<>(a.speaker().announced());
        all.addAll(b.speaker().announced());
        return all.size() == wanted.size() && new HashSet<>(all).equals(wanted);
      });
    }
  }

  private Lan lan(String range, Map<String, MacAddress> foreignHeld) throws Exception {
    cluster.pool("lan-pool", range);
    advertisement("lan", "lan-pool");
    Running a = speaker("node-a", 11, foreignHeld, NODES);
    Running b = speaker("node-b", 12, foreignHeld, NODES);
    return new Lan(a, b, controller());
  }

  private Running speaker(String node, int host, Map<String, MacAddress> foreignHeld, Set<String> view) throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    SpeakerOnFakes speaker = SpeakerOnFakes.start(cluster, node, host, foreignHeld, registry, view);
    running.add(speaker);
    MetricsServer metrics = serve(registry);
    Target target = target(metrics, "speaker", "ironlb-speaker-" + node);
    prometheus.scrape(target);
    return new Running(speaker, metrics, target);
  }

  private Target controller() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    ControllerRunner runner = new ControllerRunner(cluster.newClient(), new AllocationController.Config(NS, ""), "controller-0",
        "ironlb-controller", Duration.ofSeconds(15), new ControllerMetrics(registry), "memberlist");
    running.add(runner);
    runner.start();
    await().atMost(SOON).until(() -> runner.controller() != null && runner.controller().awaitReady(Duration.ofMillis(100)));
    Target target = target(serve(registry), "controller", "ironlb-controller-0");
    prometheus.scrape(target);
    return target;
  }

  private MetricsServer serve(PrometheusRegistry registry) throws Exception {
    MetricsServer server = MetricsServer.start(0, registry, Optional::empty);
    running.add(server::close);
    return server;
  }

  /** The labels a PodMonitor's scrape adds (jobLabel app.kubernetes.io/name gives job="ironlb"). */
  private static Target target(MetricsServer server, String container, String pod) {
    String instance = "127.0.0.1:" + server.getPort();
    return new Target(URI.create("http://" + instance + "/metrics"),
        Map.of("job", "ironlb", "namespace", NS, "pod", pod, "container", container, "instance", instance, "endpoint", "metrics"));
  }

  private void advertisement(String name, String pool) {
    L2Advertisement ad = new L2Advertisement();
    ad.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    ad.setSpec(new L2AdvertisementSpec(List.of(pool), null, null, null, null));
    cluster.client().resources(L2Advertisement.class).inNamespace(NS).resource(ad).create();
  }

  private void service(String name, Map<String, String> annotations) {
    service(name, annotations, "TCP", 80);
  }

  /** A LoadBalancer Service in namespace apps with a ready endpoint on node-a. */
  private void service(String name, Map<String, String> annotations, String protocol, int port) {
    cluster.namespace("apps", Map.of());
    cluster.create(loadBalancer("apps", name).editMetadata().addToAnnotations(annotations).endMetadata()
        .editSpec().editFirstPort().withProtocol(protocol).withPort(port).endPort().endSpec().build());
    cluster.client().discovery().v1().endpointSlices().inNamespace("apps").resource(new EndpointSliceBuilder()
        .withNewMetadata().withName(name + "-1").withLabels(Map.of("kubernetes.io/service-name", name)).endMetadata()
        .withAddressType("IPv4").addNewEndpoint().withAddresses("10.0.0.1").withNodeName("node-a").withNewConditions().withReady(true)
        .endConditions().endEndpoint().build()).create();
  }

  /** A metric as a process serves it now, summed over its series (NaN when it has none). */
  private double exported(Target target, String name) {
    List<Double> values = prometheus.peek(target).stream().filter(s -> name.equals(s.labels().get(Labels.NAME))).map(Sample::value).toList();
    return values.isEmpty() ? Double.NaN : values.stream().mapToDouble(Double::doubleValue).sum();
  }

  private double value(String expr) {
    List<Sample> result = prometheus.query(expr);
    assertThat(result).as(expr).hasSize(1);
    return result.getFirst().value();
  }
}
