package io.ironlb.speaker;

import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.model.IpText;
import io.ironlb.k8s.NodeMacsAnnotation;
import io.ironlb.election.Election;
import io.ironlb.k8s.ConfigurationStateReporter;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.L2AdvertisementSpec;
import io.ironlb.k8s.MetalLb;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.ServiceKey;
import io.ironlb.testing.MockCluster;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A speaker that has never been in a view with another speaker: it waits before it takes a new
 * address when another node runs a speaker that could hold it, and only then.
 */
class SpeakerUntrustedTest {
  private static final String NODE = SpeakerApiExercise.NODE;
  private static final ServiceKey WEB = new ServiceKey("default", "web");

  private final MockCluster cluster = new MockCluster();

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  private Speaker speaker(KubernetesClient client) {
    return new Speaker(client, new Speaker.Config(NODE, MockCluster.CONFIG_NAMESPACE, "", List.of(), Duration.ofMinutes(10), Duration.ZERO, false, Duration.ZERO, 0, false),
        new SpeakerApiExercise.FakeLayer2(), new SpeakerApiExercise.AloneMembership(),
        new EventRecorder(client, IronLb.SPEAKER_COMPONENT, NODE, Clock.systemUTC()), new SpeakerMetrics(new PrometheusRegistry()),
        ConfigurationStateReporter.forSpeaker(client, MockCluster.CONFIG_NAMESPACE, NODE, null),
        Clock.systemUTC());
  }

  private void readyNode(String name, String ip) {
    cluster.node(name, ip);
    cluster.client().nodes().withName(name).edit(n -> new NodeBuilder(n).editStatus().addNewCondition().withType("Ready").withStatus("True")
        .endCondition().endStatus().build());
  }

  private void cluster(String... otherSpeakers) {
    readyNode(NODE, "198.51.100.11");
    NodeAnnouncement.publish(cluster.client(), NODE, List.of(new NodeMacsAnnotation.InterfaceMac("lan0", MacAddress.parse("02:00:00:00:00:0a"))),
        List.of(), IpText.parse("198.51.100.11").orElseThrow(), 7946);
    int host = 12;
    for (String other : otherSpeakers) {
      readyNode(other, "198.51.100." + host);
      NodeAnnouncement.publish(cluster.client(), other, List.of(new NodeMacsAnnotation.InterfaceMac("lan0", MacAddress.parse("02:00:00:00:00:" + host))),
          List.of(), IpText.parse("198.51.100." + host).orElseThrow(), 7946);
      host++;
    }
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    L2Advertisement ad = new L2Advertisement();
    ad.setMetadata(new ObjectMetaBuilder().withName("lan").withNamespace(MockCluster.CONFIG_NAMESPACE).build());
    ad.setSpec(new L2AdvertisementSpec(List.of("lan-pool"), null, null, null, null));
    cluster.client().resources(L2Advertisement.class).inNamespace(MockCluster.CONFIG_NAMESPACE).resource(ad).create();
  }

  /** An address of the pool that NODE wins among {@code nodes} (by Node readiness, as an untrusted speaker elects). */
  private static String addressWonByThisNode(List<String> nodes) {
    for (int h = 202; h <= 220; h++) { // .201 is the fake data plane's foreign-held address
      String ip = "198.51.100." + h;
      if (Election.order(ip, nodes).getFirst().equals(NODE)) {
        return ip;
      }
    }
    throw new IllegalStateException("no address of the pool is won by " + NODE);
  }

  private void newService(String ip) {
    cluster.create(loadBalancer("default", "web").editMetadata().addToAnnotations(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL, "lan-pool")
        .endMetadata().withNewStatus().withNewLoadBalancer()
        .withIngress(new LoadBalancerIngressBuilder().withIp(ip).build()).endLoadBalancer().endStatus().build());
    cluster.client().discovery().v1().endpointSlices().inNamespace("default").resource(new EndpointSliceBuilder()
        .withNewMetadata().withName("web-1").withLabels(Map.of("kubernetes.io/service-name", "web")).endMetadata()
        .withAddressType("IPv4").addNewEndpoint().withAddresses("10.0.0.1").withNodeName(NODE).withNewConditions().withReady(true)
        .endConditions().endEndpoint().build()).create();
  }

  @Test
  void aSingleNodeClusterAnnouncesANewServiceWithoutWaiting() {
    cluster();
    try (KubernetesClient client = cluster.newClient(); Speaker speaker = speaker(client)) {
      speaker.start();
      newService("198.51.100.200");
      // Far below the 3 s an untrusted speaker with peers waits: there is nobody to wait for.
      await().atMost(Duration.ofSeconds(2)).until(() -> speaker.announcements().containsKey(WEB));
    }
  }

  @Test
  void aSpeakerOutsideTheOthersViewWaitsBeforeItTakesANewAddress() {
    cluster("node-b");
    try (KubernetesClient client = cluster.newClient(); Speaker speaker = speaker(client)) {
      speaker.start();
      newService(addressWonByThisNode(List.of(NODE, "node-b")));
      await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(3)).until(() -> !speaker.announcements().containsKey(WEB));
      // Nobody else answered its probe (the fake data plane hears no one): it takes the address.
      await().atMost(Duration.ofSeconds(10)).until(() -> speaker.announcements().containsKey(WEB));
    }
  }
}
