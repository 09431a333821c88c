package io.ironlb.speaker;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.ironlb.runtime.DurationConverter;
import io.ironlb.runtime.MetricsServer;
import io.ironlb.k8s.ApiRetry;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.Kube;
import io.ironlb.k8s.MembershipSecret;
import io.ironlb.k8s.PoolTranslation;
import io.ironlb.l2.Layer2Config;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.linux.LinuxLayer2;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.membership.JGroupsMembership;
import io.ironlb.membership.Membership;
import io.ironlb.membership.MembershipConfig;
import io.ironlb.membership.Timings;
import io.ironlb.model.IpText;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "speaker",
    mixinStandardHelpOptions = true,
    description = {
      "Announces Service IPs on the LAN from the one elected node (ARP for IPv4, NDP for IPv6).",
      "Runs on every node with host networking and CAP_NET_RAW."
    })
public final class SpeakerCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(SpeakerCommand.class);
  /** How long start-up waits for an unavailable API server before it exits (and the kubelet restarts it). */
  private static final Duration API_PATIENCE = Duration.ofMinutes(5);

  @Option(names = "--node", description = "This node's Kubernetes name (default: $NODE_NAME).")
  String node;

  @Option(names = "--namespace", defaultValue = "metallb-system",
      description = "Namespace holding pools, advertisements, ServiceL2Status and the membership Secret (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--kubeconfig", description = "Kubeconfig file; default: in-cluster, then ~/.kube/config.")
  Path kubeconfig;

  @Option(names = "--lb-class", defaultValue = "",
      description = "Serve only Services with this spec.loadBalancerClass; empty serves Services without a class.")
  String loadBalancerClass;

  @Option(names = "--bind", description = "IP the membership listens on and is reached at: the node's LAN address, so that "
      + "losing the LAN is losing membership (default: the Node's InternalIP).")
  String bind;

  @Option(names = "--membership-port", defaultValue = "7946", description = "TCP port of the membership (default: ${DEFAULT-VALUE}; "
      + "failure detection uses port+" + MembershipConfig.FD_SOCK_OFFSET + ").")
  int membershipPort;

  @Option(names = "--membership-secret", defaultValue = MembershipSecret.DEFAULT_NAME,
      description = "Secret holding the membership key; the controller creates it (default: ${DEFAULT-VALUE}).")
  String membershipSecret;

  @Option(names = "--interfaces", split = ",", description = "Only ever announce on these interfaces (comma list); "
      + "default: per L2Advertisement, else interfaces whose subnet contains the IP.")
  List<String> interfaces;

  @Option(names = "--metrics-port", defaultValue = "7473",
      description = "Port of the Prometheus /metrics endpoint; 0 disables it (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--heartbeat-interval", defaultValue = "${env:IRONLB_HEARTBEAT_INTERVAL:-10ms}", converter = DurationConverter.class,
      description = "How often each speaker sends every other a membership heartbeat over UDP (default: ${DEFAULT-VALUE}).")
  Duration heartbeatInterval;

  @Option(names = "--heartbeat-timeout", defaultValue = "${env:IRONLB_HEARTBEAT_TIMEOUT:-150ms}", converter = DurationConverter.class,
      description = "Heartbeat silence after which a speaker is suspected and verified; a cut link costs about this plus 100 ms."
          + " Raise it on nodes whose speaker can stall longer (default: ${DEFAULT-VALUE}).")
  Duration heartbeatTimeout;

  @Option(names = "--reprobe-after-conflict", defaultValue = "30s", converter = DurationConverter.class,
      description = "How long an address found in use by another device stays unannounced before it is probed again (default: ${DEFAULT-VALUE}).")
  Duration reprobeAfterConflict;

  @Override
  public Integer call() throws Exception {
    String me = node != null ? node : System.getenv("NODE_NAME");
    if (me == null || me.isBlank()) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--node is required (or set NODE_NAME, e.g. from the downward API spec.nodeName)");
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    SpeakerMetrics metrics = new SpeakerMetrics(registry);
    AtomicReference<Speaker> speakerRef = new AtomicReference<>();
    HTTPServer metricsServer = metricsPort == 0 ? null : MetricsServer.start(metricsPort, registry, () -> {
      Speaker s = speakerRef.get();
      return s == null ? Optional.of("starting: reading its Node and the membership Secret, joining the other speakers") : s.notReadyBecause();
    });
    try (KubernetesClient client = Kube.client(kubeconfig);
        LinuxLayer2 layer2 = LinuxLayer2.open(layer2Config(), metrics, claim -> {
          Speaker s = speakerRef.get();
          if (s != null) {
            s.onClaim(claim);
          }
        })) {
      Node self = ApiRetry.whileUnavailable("reading Node " + me, API_PATIENCE, () -> client.nodes().withName(me).get());
      if (self == null) {
        throw new IllegalStateException("Node \"" + me + "\" does not exist in the API; --node must be this node's Kubernetes name");
      }
      InetAddress bindAddress = bindAddress(self);
      List<MacAddress> macs = new ArrayList<>();
      for (NetInterface i : layer2.interfaces().all()) {
        if (!i.loopback() && i.mac() != null) {
          macs.add(i.mac());
        }
      }
      ApiRetry.whileUnavailable("publishing this node's membership address", API_PATIENCE, () -> {
        NodeAnnouncement.publish(client, me, macs, IpText.format(bindAddress) + ":" + membershipPort);
        return null;
      });
      byte[] secret = awaitSecret(client);
      // Discovery asks from JGroups threads and must not block: read peers from an informer's cache,
      // which also keeps answering while the API server is away.
      SharedIndexInformer<Node> nodeCache = ApiRetry.whileUnavailable("listing Nodes", API_PATIENCE, () -> client.nodes().inform());
      Membership membership = new JGroupsMembership(new MembershipConfig(me, bindAddress, membershipPort, secret,
          () -> peers(nodeCache.getStore().list(), me), timings())
          .withHeartbeatThreadSetup(() -> LinuxLayer2.raiseCurrentThreadPriority("ironlb-heartbeat",
              "heartbeats may go out late on a busy node, and the others suspect it sooner")));
      try (membership) {
        try {
          membership.start();
        } catch (Exception e) {
          // Not fatal: the speaker falls back to Node readiness and says so.
          log.warn("membership did not form at start: {}", e.toString(), kv("event", "membershipFallback"));
        }
        Speaker speaker = new Speaker(client, new Speaker.Config(me, namespace, loadBalancerClass, interfaces, reprobeAfterConflict),
            layer2, membership, new EventRecorder(client, IronLb.SPEAKER_COMPONENT, me, Clock.systemUTC()), metrics, Clock.systemUTC());
        speakerRef.set(speaker);
        CountDownLatch stop = new CountDownLatch(1);
        // SIGTERM: withdraw, then leave the group at once, so a rolling update moves addresses without a gap.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          speaker.close();
          membership.close();
          stop.countDown();
        }, "shutdown"));
        speaker.start();
        log.info("speaker started", kv("event", "speakerReady"), kv("node", me), kv("bind", IpText.format(bindAddress)));
        stop.await();
      }
      return 0;
    } finally {
      if (metricsServer != null) {
        metricsServer.stop();
      }
    }
  }

  /** The default timings with this speaker's heartbeat interval and timeout; a bad pair is refused with the reason. */
  private Timings timings() {
    Timings d = Timings.defaults();
    try {
      return new Timings(heartbeatInterval, heartbeatTimeout, d.verifyTimeout(), d.mergeMinInterval(), d.mergeMaxInterval(), d.joinTimeout(),
          d.viewAckTimeout(), d.aloneGrace());
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--heartbeat-interval " + heartbeatInterval.toMillis()
          + "ms / --heartbeat-timeout " + heartbeatTimeout.toMillis() + "ms: " + e.getMessage());
    }
  }

  /**
   * The data plane's defaults, except that a claim episode ends before the split-brain evidence it
   * gave runs out. When the evidence runs out, the node that stepped back announces again; if the
   * claimant still holds the address, its conflict watch must see that as a new episode, report it
   * and defend, so the first node steps back again. With the default 10 s episode against 5 s of
   * evidence, the re-announcement went unnoticed and both nodes answered ARP for the rest of a
   * partition (seen in the end-to-end partition test).
   */
  static Layer2Config layer2Config() {
    Layer2Config d = Layer2Config.defaults();
    return new Layer2Config(d.announce(), d.probe(), d.rateLimit(), Speaker.CLAIM_EVIDENCE.minusSeconds(1), d.interfacePoll(),
        d.receiveTimeout());
  }

  private byte[] awaitSecret(KubernetesClient client) throws InterruptedException {
    long deadline = System.nanoTime() + API_PATIENCE.toNanos();
    boolean said = false;
    while (true) {
      // One deadline for both waits: for the Secret to appear and for the API server to answer.
      Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0));
      var secret = ApiRetry.whileUnavailable("reading Secret " + namespace + "/" + membershipSecret, left,
          () -> MembershipSecret.read(client, namespace, membershipSecret));
      if (secret.isPresent()) {
        return secret.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Secret " + namespace + "/" + membershipSecret
            + " is still missing after 5 minutes; the controller creates it on start: is the controller running?");
      }
      if (!said) {
        log.info("waiting for Secret {}/{} (the controller creates it)", namespace, membershipSecret, kv("event", "waitingForSecret"));
        said = true;
      }
      Thread.sleep(500); // polling an API object that appears once; a watch would be more code for nothing
    }
  }

  private InetAddress bindAddress(Node self) {
    if (bind != null) {
      return IpText.parse(bind).orElseThrow(() -> new IllegalArgumentException("--bind " + bind + " is not an IP address"));
    }
    List<InetAddress> ips = PoolTranslation.nodeIps(self);
    if (ips.isEmpty()) {
      throw new IllegalStateException("Node \"" + self.getMetadata().getName() + "\" has no InternalIP; pass --bind with its LAN address");
    }
    return ips.getFirst();
  }

  /** Every other speaker's membership endpoint, as published on its Node. */
  private static List<InetSocketAddress> peers(List<Node> nodes, String me) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (Node n : nodes) {
      String address = NodeAnnouncement.membershipAddress(n);
      if (address == null || Objects.equals(n.getMetadata().getName(), me)) {
        continue;
      }
      int colon = address.lastIndexOf(':');
      try {
        InetAddress ip = IpText.parse(address.substring(0, colon)).orElseThrow();
        out.add(new InetSocketAddress(ip, Integer.parseInt(address.substring(colon + 1))));
      } catch (RuntimeException e) {
        log.warn("Node {} has an unreadable membership address \"{}\"", n.getMetadata().getName(), address);
      }
    }
    return out;
  }
}
