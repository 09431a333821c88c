package io.ironlb.speaker;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.k8s.ConfigurationStateReporter;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.NodeMacsAnnotation;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.membership.Membership;
import io.ironlb.model.IpText;
import io.ironlb.model.ServiceKey;
import io.ironlb.testing.MockCluster;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A real {@link Speaker} on the node {@code name}, with a fake data plane (probes find the given
 * addresses held by a foreign device) and a membership the test steers: which nodes are in this
 * speaker's view, and whether the membership is healthy. For tests outside this package that need
 * what a speaker does (its metrics, its writes) without raw sockets or JGroups.
 */
public final class SpeakerOnFakes implements AutoCloseable {
  private final KubernetesClient client;
  private final SettableMembership membership;
  private final Speaker speaker;

  private SpeakerOnFakes(KubernetesClient client, SettableMembership membership, Speaker speaker) {
    this.client = client;
    this.membership = membership;
    this.speaker = speaker;
  }

  /**
   * Creates the Node (Ready, InternalIP 198.51.100.{@code host}), publishes its MAC and membership
   * address as a running speaker does, and starts the speaker with {@code view} as its first view.
   */
  public static SpeakerOnFakes start(MockCluster cluster, String node, int host, Map<String, MacAddress> foreignHeld,
      PrometheusRegistry registry, Set<String> view) {
    String ip = "198.51.100." + host;
    MacAddress mac = MacAddress.parse("02:00:00:00:00:%02x".formatted(host));
    cluster.node(node, ip);
    cluster.client().nodes().withName(node).edit(n -> new NodeBuilder(n).editStatus().addNewCondition().withType("Ready")
        .withStatus("True").endCondition().endStatus().build());
    KubernetesClient client = cluster.newClient();
    NodeAnnouncement.publish(client, node, List.of(new NodeMacsAnnotation.InterfaceMac("lan0", mac)), List.of(), IpText.parse(ip).orElseThrow(), 7946);
    SettableMembership membership = new SettableMembership(view);
    Speaker speaker = new Speaker(client, withoutVerification(Speaker.Config.defaults(node, MockCluster.CONFIG_NAMESPACE)),
        new SpeakerApiExercise.FakeLayer2(mac, ip, foreignHeld), membership,
        new EventRecorder(client, IronLb.SPEAKER_COMPONENT, node, Clock.systemUTC()), new SpeakerMetrics(registry),
        ConfigurationStateReporter.forSpeaker(client, MockCluster.CONFIG_NAMESPACE, node, null), Clock.systemUTC());
    speaker.start();
    return new SpeakerOnFakes(client, membership, speaker);
  }

  /**
   * The fake data plane shares no LAN with the other speakers: a check of another node's address
   * would never hear it answer, and every owner would look silent. Checks are tested on the core
   * (VerificationTest) and on real packets in the lab.
   */
  private static Speaker.Config withoutVerification(Speaker.Config c) {
    return new Speaker.Config(c.nodeName(), c.namespace(), c.loadBalancerClass(), c.interfaces(), c.reprobeAfterConflict(),
        c.failbackHoldDown(), c.drainCordoned(), java.time.Duration.ZERO, 0, c.ignoreExcludeLb());
  }

  /** The services this speaker announces now. */
  public Set<ServiceKey> announced() {
    return speaker.announcements().keySet();
  }

  /** A new membership view: the nodes this speaker sees alive (itself included). */
  public void view(Set<String> nodes) {
    membership.view(nodes);
  }

  /** Whether the membership can be trusted; false makes the speaker fall back to Node readiness. */
  public void healthy(boolean healthy) {
    membership.healthy(healthy);
  }

  @Override
  public void close() {
    speaker.close();
    client.close();
  }

  private static final class SettableMembership implements Membership {
    private final List<Consumer<Set<String>>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> healthWatchers = new CopyOnWriteArrayList<>();
    private volatile Set<String> view;
    private volatile boolean healthy = true;

    SettableMembership(Set<String> view) {
      this.view = Collections.unmodifiableSortedSet(new TreeSet<>(view));
    }

    void view(Set<String> nodes) {
      view = Collections.unmodifiableSortedSet(new TreeSet<>(nodes));
      listeners.forEach(l -> l.accept(view));
    }

    void healthy(boolean now) {
      boolean turned = healthy != now;
      healthy = now;
      if (turned) {
        healthWatchers.forEach(Runnable::run);
      }
    }

    @Override
    public void onHealthChange(Runnable onChange) {
      healthWatchers.add(onChange);
    }

    @Override
    public void start() {}

    @Override
    public Set<String> liveNodes() {
      return view;
    }

    @Override
    public void addListener(Consumer<Set<String>> onViewChange) {
      listeners.add(onViewChange);
      onViewChange.accept(view);
    }

    @Override
    public boolean healthy() {
      return healthy;
    }

    @Override
    public void close() {}
  }
}
