package io.ironlb.speaker;

import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.election.Election;
import io.ironlb.k8s.ConfigurationStateReporter;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.L2AdvertisementSpec;
import io.ironlb.k8s.MetalLb;
import io.ironlb.k8s.NodeMacsAnnotation;
import io.ironlb.l2.ProbeResult;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.membership.Membership;
import io.ironlb.model.IpText;
import io.ironlb.testing.MockCluster;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The speaker's shell carries out the core's verification timing on a real clock: every address
 * of a dual-stack Service that another node announces is checked again and again, each check
 * answered a little later (as a real ARP probe's answer comes), by the owner's MAC; and a client's
 * request for such an address brings its check forward.
 */
class SpeakerVerificationTest {
  private static final String NODE = SpeakerApiExercise.NODE;
  private static final String OWNER = "node-b";
  private static final MacAddress OWNER_MAC = MacAddress.parse("02:00:00:00:00:12");

  private final MockCluster cluster = new MockCluster();

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void everyAddressOfADualStackServiceIsCheckedEveryPeriod() {
    String v4 = webOwnedBy(OWNER);
    Map<String, AtomicInteger> checks = new ConcurrentHashMap<>();
    SpeakerApiExercise.FakeLayer2 layer2 = new SpeakerApiExercise.FakeLayer2() {
      @Override
      public CompletableFuture<ProbeResult> probe(InetAddress vip, List<String> interfaces, Set<MacAddress> clusterMacs) {
        checks.computeIfAbsent(IpText.format(vip), k -> new AtomicInteger()).incrementAndGet();
        return CompletableFuture.supplyAsync(() -> new ProbeResult.Taken(OWNER_MAC, "lan0", "ARP reply"),
            CompletableFuture.delayedExecutor(30, TimeUnit.MILLISECONDS));
      }
    };
    try (KubernetesClient client = cluster.newClient(); Speaker speaker = speaker(client, layer2, Duration.ofMillis(300))) {
      speaker.start();
      // Ten periods: each address checked at least four times, however the checks of the two interleave.
      await().atMost(Duration.ofSeconds(10)).until(() -> checks.getOrDefault(v4, new AtomicInteger()).get() >= 4
          && checks.getOrDefault("2001:db8:86::200", new AtomicInteger()).get() >= 4);
    }
  }

  /**
   * A client's request for an address whose owner went silent is checked at once, an hour before
   * its periodic check, and the checking node takes the address over while the client still asks.
   */
  @Test
  void aClientsRequestForASilentOwnersAddressIsCheckedAtOnce() throws Exception {
    InetAddress v4 = IpText.parse(webOwnedBy(OWNER)).orElseThrow();
    AtomicInteger checks = new AtomicInteger();
    SpeakerApiExercise.FakeLayer2 layer2 = new SpeakerApiExercise.FakeLayer2() {
      @Override
      public CompletableFuture<ProbeResult> probe(InetAddress vip, List<String> interfaces, Set<MacAddress> clusterMacs) {
        checks.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> new ProbeResult.Free(List.of("lan0")),
            CompletableFuture.delayedExecutor(30, TimeUnit.MILLISECONDS));
      }
    };
    try (KubernetesClient client = cluster.newClient(); Speaker speaker = speaker(client, layer2, Duration.ofHours(1))) {
      speaker.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> layer2.watchedRequests.contains(v4));
      assertThat(checks.get()).as("the hour's first check is not due yet").isZero();
      assertThat(layer2.announcedOn(v4)).isEmpty();

      layer2.requests.accept(v4);
      await().atMost(Duration.ofSeconds(5)).until(() -> !layer2.announcedOn(v4).isEmpty());
      assertThat(checks.get()).as("two unanswered checks").isGreaterThanOrEqualTo(2);
    }
  }

  /** The lan pool, node and owner, and Service web (an IPv4 address {@code owner} wins, and an IPv6 one) with an endpoint on it. */
  private String webOwnedBy(String owner) {
    String v4 = addressOwnedBy(owner);
    readyNode(NODE, "198.51.100.11", MacAddress.parse("02:00:00:00:00:11"));
    readyNode(owner, "198.51.100.12", OWNER_MAC);
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220", "2001:db8:86::200-2001:db8:86::220");
    L2Advertisement ad = new L2Advertisement();
    ad.setMetadata(new ObjectMetaBuilder().withName("lan").withNamespace(MockCluster.CONFIG_NAMESPACE).build());
    ad.setSpec(new L2AdvertisementSpec(List.of("lan-pool"), null, null, null, null));
    cluster.client().resources(L2Advertisement.class).inNamespace(MockCluster.CONFIG_NAMESPACE).resource(ad).create();
    cluster.create(loadBalancer("default", "web").editMetadata().addToAnnotations(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL, "lan-pool")
        .endMetadata().withNewStatus().withNewLoadBalancer()
        .withIngress(new LoadBalancerIngressBuilder().withIp(v4).build(),
            new LoadBalancerIngressBuilder().withIp("2001:db8:86::200").build())
        .endLoadBalancer().endStatus().build());
    cluster.client().discovery().v1().endpointSlices().inNamespace("default").resource(new EndpointSliceBuilder()
        .withNewMetadata().withName("web-1").withLabels(Map.of("kubernetes.io/service-name", "web")).endMetadata()
        .withAddressType("IPv4").addNewEndpoint().withAddresses("10.0.0.1").withNodeName(owner).withNewConditions().withReady(true)
        .endConditions().endEndpoint().build()).create();
    return v4;
  }

  private Speaker speaker(KubernetesClient client, SpeakerApiExercise.FakeLayer2 layer2, Duration verifyPeriod) {
    Speaker.Config config = new Speaker.Config(NODE, MockCluster.CONFIG_NAMESPACE, "", List.of(), Duration.ofMinutes(10), Duration.ZERO,
        false, verifyPeriod, 20, false);
    return new Speaker(client, config, layer2, new FixedView(Set.of(NODE, OWNER)),
        new EventRecorder(client, IronLb.SPEAKER_COMPONENT, NODE, Clock.systemUTC()), new SpeakerMetrics(new PrometheusRegistry()),
        ConfigurationStateReporter.forSpeaker(client, MockCluster.CONFIG_NAMESPACE, NODE, null), Clock.systemUTC());
  }

  /** A pool address whose election puts {@code owner} first and this node second. */
  private static String addressOwnedBy(String owner) {
    for (int h = 200; h <= 220; h++) {
      String ip = "198.51.100." + h;
      if (Election.order(ip, List.of(NODE, owner)).getFirst().equals(owner)) {
        return ip;
      }
    }
    throw new IllegalStateException("no pool address is won by " + owner);
  }

  private void readyNode(String name, String ip, MacAddress mac) {
    cluster.node(name, ip);
    cluster.client().nodes().withName(name).edit(n -> new NodeBuilder(n).editStatus().addNewCondition().withType("Ready").withStatus("True")
        .endCondition().endStatus().build());
    NodeAnnouncement.publish(cluster.client(), name, List.of(new NodeMacsAnnotation.InterfaceMac("lan0", mac)),
        List.of(), IpText.parse(ip).orElseThrow(), 7946);
  }

  /** A healthy membership whose view never changes. */
  private record FixedView(Set<String> view) implements Membership {
    @Override
    public void start() {}

    @Override
    public Set<String> liveNodes() {
      return view;
    }

    @Override
    public void addListener(Consumer<Set<String>> onViewChange) {
      onViewChange.accept(view);
    }

    @Override
    public boolean healthy() {
      return true;
    }

    @Override
    public void close() {}
  }
}
