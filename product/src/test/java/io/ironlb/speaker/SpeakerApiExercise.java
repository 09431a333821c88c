package io.ironlb.speaker;

import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.k8s.NodeMacsAnnotation;
import io.ironlb.k8s.ConfigurationStateReporter;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.ExcludeL2ConfigMap;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.L2AdvertisementSpec;
import io.ironlb.k8s.MembershipSecret;
import io.ironlb.k8s.MetalLb;
import io.ironlb.k8s.ServiceL2Status;
import io.ironlb.k8s.ServiceL2StatusWriter;
import io.ironlb.l2.InterfaceAddress;
import io.ironlb.l2.InterfaceTable;
import io.ironlb.l2.Layer2;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.ProbeResult;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.membership.Membership;
import io.ironlb.model.IpText;
import io.ironlb.model.ServiceKey;
import io.ironlb.testing.MockCluster;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A speaker's API traffic, for the RBAC test (io.ironlb.deploy): the start-up calls of
 * {@link SpeakerCommand} that need no raw socket, then a {@link Speaker} on a fake data plane and a
 * fake membership through every path that writes: announcing (ServiceL2Status created, its status
 * written, nodeAssigned), taking over from another node (labels edited), a conflict (annotation
 * written, IPConflict), a conflict clearing (annotation removed) and a withdrawal (object deleted).
 */
public final class SpeakerApiExercise {
  public static final String NODE = "node-a";
  private static final Duration SOON = Duration.ofSeconds(10);
  private static final MacAddress OWN_MAC = MacAddress.parse("02:00:00:00:00:0a");
  private static final String TAKEN_IP = "198.51.100.201";

  private SpeakerApiExercise() {}

  /**
   * @param cluster the mock cluster, for the test's own set-up and checks
   * @param client the speaker's client; every request it makes is the speaker's
   */
  public static void run(MockCluster cluster, KubernetesClient client) throws Exception {
    String ns = MockCluster.CONFIG_NAMESPACE;
    KubernetesClient admin = cluster.client();
    cluster.namespace("apps", Map.of());
    cluster.node(NODE, "198.51.100.11");
    cluster.node("node-b", "198.51.100.12");
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    L2Advertisement ad = new L2Advertisement();
    ad.setMetadata(new ObjectMetaBuilder().withName("lan-advertisement").withNamespace(ns).build());
    ad.setSpec(new L2AdvertisementSpec(List.of("lan-pool"), null, null, null, null));
    admin.resources(L2Advertisement.class).inNamespace(ns).resource(ad).create();
    admin.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(MembershipSecret.DEFAULT_NAME)
        .endMetadata().withData(Map.of(MembershipSecret.KEY, Base64.getEncoder().encodeToString(new byte[32]))).build()).create();
    service(cluster, "web", "198.51.100.200", Map.of());
    service(cluster, "taken", TAKEN_IP, Map.of());
    service(cluster, "cleared", "198.51.100.203", Map.of(IronLb.ANNOTATION_IP_CONFLICT, "198.51.100.203 02:00:00:00:00:99"));
    service(cluster, "moved", "198.51.100.202", Map.of());
    ServiceL2Status previous = new ServiceL2Status();
    ServiceKey moved = new ServiceKey("apps", "moved");
    previous.setMetadata(new ObjectMetaBuilder().withName(ServiceL2StatusWriter.name(moved)).withNamespace(ns)
        .withLabels(Map.of("metallb.io/node", "node-b", "metallb.io/service-name", "moved", "metallb.io/service-namespace", "apps"))
        .build());
    previous.setStatus(new ServiceL2Status.Status("node-b", "moved", "apps", List.of(new ServiceL2Status.Interface("lan0"))));
    admin.resources(ServiceL2Status.class).inNamespace(ns).resource(previous).create();

    // SpeakerCommand.call(), the parts before the data plane is needed.
    ExcludeL2ConfigMap.read(client, ns, SOON);
    client.nodes().withName(NODE).get();
    NodeAnnouncement.publish(client, NODE, List.of(new NodeMacsAnnotation.InterfaceMac("lan0", OWN_MAC)), List.of(), IpText.parse("198.51.100.11").orElseThrow(), 7946);
    MembershipSecret.read(client, ns, MembershipSecret.DEFAULT_NAME);
    client.nodes().inform().close(); // the peer cache membership reads

    try (Speaker speaker = new Speaker(client, new Speaker.Config(NODE, ns, "", List.of(), Duration.ofMinutes(10), Duration.ZERO, false, Duration.ZERO, 0, false),
        new FakeLayer2(), new AloneMembership(), new EventRecorder(client, IronLb.SPEAKER_COMPONENT, NODE, Clock.systemUTC()),
        new SpeakerMetrics(new PrometheusRegistry()),
        ConfigurationStateReporter.forSpeaker(client, ns, NODE, null), Clock.systemUTC())) {
      speaker.start();
      await().atMost(SOON).until(() -> speaker.announcements().keySet(),
          k -> k.containsAll(List.of(new ServiceKey("apps", "web"), new ServiceKey("apps", "cleared"), moved)));
      await().atMost(SOON).until(() -> annotations(cluster, "taken").containsKey(IronLb.ANNOTATION_IP_CONFLICT)
          && !annotations(cluster, "cleared").containsKey(IronLb.ANNOTATION_IP_CONFLICT)
          && NODE.equals(statusOf(cluster, moved)));
      admin.services().inNamespace("apps").withName("web").delete();
      await().atMost(SOON).until(() -> statusOf(cluster, new ServiceKey("apps", "web")) == null
          && !speaker.announcements().containsKey(new ServiceKey("apps", "web")));
    }
  }

  private static void service(MockCluster cluster, String name, String ip, Map<String, String> annotations) {
    var s = loadBalancer("apps", name).editMetadata().addToAnnotations(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL, "lan-pool")
        .addToAnnotations(annotations).endMetadata()
        .withNewStatus().withNewLoadBalancer().withIngress(new LoadBalancerIngressBuilder().withIp(ip).build()).endLoadBalancer()
        .endStatus().build();
    cluster.create(s);
    cluster.client().discovery().v1().endpointSlices().inNamespace("apps").resource(new EndpointSliceBuilder()
        .withNewMetadata().withName(name + "-1").withLabels(Map.of("kubernetes.io/service-name", name)).endMetadata()
        .withAddressType("IPv4").addNewEndpoint().withAddresses("10.0.0.1").withNodeName(NODE).withNewConditions().withReady(true)
        .endConditions().endEndpoint().build()).create();
  }

  private static Map<String, String> annotations(MockCluster cluster, String name) {
    var a = cluster.service("apps", name).getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }

  private static String statusOf(MockCluster cluster, ServiceKey key) {
    ServiceL2Status s = cluster.client().resources(ServiceL2Status.class).inNamespace(MockCluster.CONFIG_NAMESPACE)
        .withName(ServiceL2StatusWriter.name(key)).get();
    return s == null || s.getStatus() == null ? null : s.getStatus().node();
  }

  /**
   * One LAN interface; probes find the foreign-held addresses taken by their MAC and everything else
   * free. By default {@link #TAKEN_IP} is held by 02:00:00:00:00:99.
   */
  static class FakeLayer2 implements Layer2 {
    private final Set<InetAddress> announced = ConcurrentHashMap.newKeySet();
    private final InterfaceTable table;
    private final Map<String, MacAddress> foreignHeld;

    FakeLayer2() {
      this(OWN_MAC, "198.51.100.11", Map.of(TAKEN_IP, MacAddress.parse("02:00:00:00:00:99")));
    }

    FakeLayer2(MacAddress mac, String lanIp, Map<String, MacAddress> foreignHeld) {
      NetInterface lan = new NetInterface("lan0", 2, mac, true, true, false, false, "", 0,
          List.of(new InterfaceAddress(IpText.parse(lanIp).orElseThrow(), 24)));
      table = InterfaceTable.of(List.of(lan));
      this.foreignHeld = Map.copyOf(foreignHeld);
    }

    @Override
    public void announce(InetAddress vip, List<String> interfaces) {
      announced.add(vip);
    }

    @Override
    public void withdraw(InetAddress vip) {
      announced.remove(vip);
    }

    @Override
    public List<String> announcedOn(InetAddress vip) {
      return announced.contains(vip) ? List.of("lan0") : List.of();
    }

    @Override
    public CompletableFuture<ProbeResult> probe(InetAddress vip, List<String> interfaces, Set<MacAddress> clusterMacs) {
      MacAddress holder = foreignHeld.get(IpText.format(vip));
      return CompletableFuture.completedFuture(holder != null
          ? new ProbeResult.Taken(holder, "lan0", "test")
          : new ProbeResult.Free(List.of("lan0")));
    }

    /** A verification here is a probe that counts every answer (tests override {@link #probe}). */
    @Override
    public CompletableFuture<ProbeResult> verify(InetAddress vip, List<String> interfaces) {
      return probe(vip, interfaces, Set.of());
    }

    @Override
    public InterfaceTable interfaces() {
      return table;
    }

    @Override
    public void peers(Set<MacAddress> macs) {}

    @Override
    public void defend(InetAddress vip) {}

    /** Addresses whose requests the speaker asked to hear of. */
    final Set<InetAddress> watchedRequests = ConcurrentHashMap.newKeySet();
    volatile Consumer<InetAddress> requests = ip -> { };

    @Override
    public void watchRequests(InetAddress vip, boolean on) {
      if (on) {
        watchedRequests.add(vip);
      } else {
        watchedRequests.remove(vip);
      }
    }

    @Override
    public void onRequest(Consumer<InetAddress> listener) {
      requests = listener;
    }

    @Override
    public void onInterfacesChanged(Consumer<InterfaceTable> listener) {
      // one interface that never changes
    }

    @Override
    public void close() {}
  }

  /** This node alone and healthy: it wins every election. */
  static final class AloneMembership implements Membership {
    @Override
    public void start() {}

    @Override
    public Set<String> liveNodes() {
      return Set.of(NODE);
    }

    @Override
    public void addListener(Consumer<Set<String>> onViewChange) {
      onViewChange.accept(liveNodes());
    }

    @Override
    public boolean healthy() {
      return true;
    }

    @Override
    public void close() {}
  }
}
