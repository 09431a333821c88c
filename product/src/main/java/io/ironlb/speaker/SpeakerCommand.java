package io.ironlb.speaker;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.ironlb.runtime.DurationConverter;
import io.ironlb.runtime.MetricsServer;
import io.ironlb.runtime.StartupSteps;
import io.ironlb.k8s.ApiRetry;
import io.ironlb.k8s.ConfigurationStateReporter;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.ExcludeL2ConfigMap;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.Kube;
import io.ironlb.k8s.MembershipAddressAnnotation;
import io.ironlb.k8s.MembershipSecret;
import io.ironlb.k8s.NodeInterfacesAnnotation;
import io.ironlb.k8s.NodeMacsAnnotation;
import io.ironlb.k8s.PoolTranslation;
import io.ironlb.l2.Announcer;
import io.ironlb.l2.ExcludedInterfaces;
import io.ironlb.l2.Layer2Config;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.linux.LinuxLayer2;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.membership.JGroupsMembership;
import io.ironlb.membership.Membership;
import io.ironlb.membership.MembershipConfig;
import io.ironlb.membership.Timings;
import io.ironlb.model.IpText;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

  @Option(names = "--failback-hold-down", defaultValue = "0s", converter = DurationConverter.class,
      description = "How long a node that comes back waits before it takes back addresses another node holds; 0s takes them back "
          + "at once, as MetalLB does (default: ${DEFAULT-VALUE}).")
  Duration failbackHoldDown;

  @Option(names = "--drain-cordoned-nodes", defaultValue = "false",
      description = "Move addresses off a cordoned node (kubectl cordon/drain), make-before-break, as ironlb drain does (default: ${DEFAULT-VALUE}).")
  boolean drainCordoned;

  @Option(names = "--verify-period", defaultValue = "5s", converter = DurationConverter.class,
      description = "How often this node checks, for each address it would take over next, that the announcing node answers ARP/NDP, and at once "
          + "when a client asks for the address (at most once a second each); 0s turns checks off (default: ${DEFAULT-VALUE}).")
  Duration verifyPeriod;

  @Option(names = "--verify-rate", defaultValue = "20",
      description = "At most this many such checks a second, from this node (default: ${DEFAULT-VALUE}).")
  int verifyRate;
  @Option(names = "--gratuitous-burst", split = ",", converter = DurationConverter.class, defaultValue = "0s,50ms,200ms,500ms,1s,2s",
      description = "When an address is taken over, when to send gratuitous ARP / unsolicited NA, counted from the takeover "
          + "(comma list, first 0s; default: ${DEFAULT-VALUE}).")
  List<Duration> gratuitousBurst;

  @Option(names = "--gratuitous-refresh", converter = DurationConverter.class, defaultValue = "30s",
      description = "How often announced addresses are announced again, so switches and routers keep them; 0s: never (default: ${DEFAULT-VALUE}).")
  Duration gratuitousRefresh;

  @Option(names = "--gratuitous-rate", defaultValue = "1000",
      description = "At most this many gratuitous frames per second, all addresses together; a mass takeover announces every "
          + "address once before it repeats any (default: ${DEFAULT-VALUE}).")
  int gratuitousRate;
  @Option(names = "--ignore-exclude-lb", description = "Ignore the node.kubernetes.io/exclude-from-external-load-balancers label: "
      + "labelled nodes may announce too (MetalLB's flag).")
  boolean ignoreExcludeLb;

  @Override
  public Integer call() throws Exception {
    if (verifyRate < 0 || verifyPeriod.isNegative() || failbackHoldDown.isNegative()) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--verify-rate, --verify-period and "
          + "--failback-hold-down must not be negative (got " + verifyRate + ", " + verifyPeriod + ", " + failbackHoldDown + ")");
    }
    String me = node != null ? node : System.getenv("NODE_NAME");
    if (me == null || me.isBlank()) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--node is required (or set NODE_NAME, e.g. from the downward API spec.nodeName)");
    }
    Announcer.Config announce = gratuitous();
    LinuxLayer2.raiseProcessPriority("on a saturated node a GC pause may last long enough for the others to suspect this one"
        + " (give the speaker CAP_SYS_NICE)");
    LinuxLayer2.makeCollectorRealTime("on a busy node a collection may outlast the heartbeat timeout (give the speaker CAP_SYS_NICE)");
    StartupSteps steps = StartupSteps.PROCESS;
    steps.done("cli");
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    SpeakerMetrics metrics = new SpeakerMetrics(registry);
    AtomicReference<Speaker> speakerRef = new AtomicReference<>();
    MetricsServer metricsServer = metricsPort == 0 ? null : MetricsServer.start(metricsPort, registry, () -> {
      Speaker s = speakerRef.get();
      return s == null ? Optional.of("starting: reading its Node and the membership Secret, joining the other speakers") : s.notReadyBecause();
    });
    steps.done("metricsServer");
    // Start-up's API calls do not depend on one another: made together, they cost the API server's
    // slowest answer instead of the sum of five, and the data plane opens and the join runs meanwhile.
    ExecutorService calls = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("startup-api-", 0).factory());
    try (KubernetesClient client = Kube.client(kubeconfig)) {
      Future<ExcludedInterfaces> excluded = calls.submit(() -> excludedInterfaces(client, me));
      Future<Node> selfRead = calls.submit(() -> ApiRetry.whileUnavailable("reading Node " + me, API_PATIENCE,
          () -> client.nodes().withName(me).get()));
      Future<byte[]> secretRead = calls.submit(() -> awaitSecret(client));
      // Discovery asks from JGroups threads and must not block: read peers from an informer's cache,
      // which also keeps answering while the API server is away.
      Future<SharedIndexInformer<Node>> nodeCacheRead = calls.submit(() -> ApiRetry.whileUnavailable("listing Nodes", API_PATIENCE,
          () -> client.nodes().inform()));
      // Building the membership (its protocol stack, a fresh TLS key: ~200 ms of CPU) needs only the
      // Node and the Secret, so it is built while the data plane opens. It joins once the Node
      // informer has its list, which discovery reads peers from.
      Future<InetAddress> bindRead = calls.submit(() -> bindAddress(existing(await(selfRead), me)));
      Future<Membership> membershipBuilt = calls.submit(() -> new JGroupsMembership(new MembershipConfig(me,
          await(bindRead), membershipPort, await(secretRead),
          () -> nodeCacheRead.state() == Future.State.SUCCESS ? peers(nodeCacheRead.resultNow().getStore().list(), me) : List.of(),
          timings())
          .withHeartbeatThreadSetup(() -> LinuxLayer2.makeCurrentThreadRealTime("ironlb-heartbeat",
              "heartbeats may go out late on a busy node, and the others suspect it sooner"))));
      try (LinuxLayer2 layer2 = LinuxLayer2.open(layer2Config(announce).withExcludedInterfaces(await(excluded)), metrics, claim -> {
        Speaker s = speakerRef.get();
        if (s != null) {
          s.onClaim(claim);
        }
      })) {
        steps.done("apiClientAndDataPlane");
        Node self = existing(await(selfRead), me);
        steps.done("firstApiRead");
        InetAddress bindAddress = await(bindRead);
        // Interfaces without a MAC (tun, WireGuard) report ZERO: that is nobody's MAC, least of all a cluster node's.
        List<NodeMacsAnnotation.InterfaceMac> macs = new ArrayList<>();
        for (NetInterface i : layer2.interfaces().all()) {
          if (!i.loopback() && i.mac().bits() != 0) {
            macs.add(new NodeMacsAnnotation.InterfaceMac(i.name(), i.mac()));
          }
        }
        List<NodeInterfacesAnnotation.PublishedInterface> published =
            NodeInterfacesAnnotation.describe(layer2.interfaces(), layer2.excludedInterfaces(), layer2.defaultRoutes());
        // The join does not need this node's annotations (peers answer a join where it came from), so
        // they are written while it runs; the speaker is ready only once they are.
        Future<Void> publishing = calls.submit(() -> ApiRetry.whileUnavailable("publishing this node's membership address", API_PATIENCE,
            () -> {
              NodeAnnouncement.publish(client, me, macs, published, bindAddress, membershipPort);
              return null;
            }));
        await(secretRead);
        steps.done("secret");
        await(nodeCacheRead);
        steps.done("nodeInformer");
        Membership membership = await(membershipBuilt);
        try (membership) {
          // Joining waits on the network (discovery, the coordinator's answer, a TLS handshake), and so
          // does filling the informers' caches: the join runs meanwhile, and the first plan waits for it.
          CompletableFuture<Void> joined = CompletableFuture.runAsync(() -> {
            try {
              membership.start();
            } catch (Exception e) {
              // Not fatal: the speaker falls back to Node readiness and says so.
              log.warn("membership did not form at start: {}", e.toString(), kv("event", "membershipFallback"));
            }
            steps.done("membership");
          }, task -> Thread.ofPlatform().name("membership-join").start(task));
          await(publishing);
          InterfacesRepublisher republisher = new InterfacesRepublisher(client, me, layer2.excludedInterfaces(), layer2::defaultRoutes,
              NodeInterfacesAnnotation.format(published));
          layer2.onInterfacesChanged(republisher::interfacesChanged);
          layer2.onDefaultRoutesChanged(() -> republisher.interfacesChanged(layer2.interfaces()));
          Speaker speaker = new Speaker(client, new Speaker.Config(me, namespace, loadBalancerClass, interfaces, reprobeAfterConflict,
              failbackHoldDown, drainCordoned, verifyPeriod, verifyRate, ignoreExcludeLb),
              layer2, membership, new EventRecorder(client, IronLb.SPEAKER_COMPONENT, me, Clock.systemUTC()), metrics,
              ConfigurationStateReporter.forSpeaker(client, namespace, me, ownedBy(self)), Clock.systemUTC());
          speakerRef.set(speaker);
          CountDownLatch stop = new CountDownLatch(1);
          // SIGTERM: leave the group while still answering, and go quiet as the others claim each address
          // (make-before-break), so a rolling update moves addresses without a failed request.
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            speaker.leave();
            membership.close();
            stop.countDown();
          }, "shutdown"));
          speaker.start(joined::join);
          steps.done("informers");
          log.info("speaker started", kv("event", "speakerReady"), kv("node", me), kv("bind", IpText.format(bindAddress)),
              kv("startupMs", steps.millis()));
          stop.await();
        }
        return 0;
      }
    } finally {
      // A call still waiting (for the Secret, say) when start-up fails ends with it.
      calls.shutdownNow();
      if (metricsServer != null) {
        metricsServer.close();
      }
    }
  }

  private static Node existing(Node self, String me) {
    if (self == null) {
      throw new IllegalStateException("Node \"" + me + "\" does not exist in the API; --node must be this node's Kubernetes name");
    }
    return self;
  }

  /** One of start-up's API calls, once done; what stopped it is thrown as the call threw it. */
  private static <T> T await(Future<T> call) throws Exception {
    try {
      return call.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
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
  static Layer2Config layer2Config(Announcer.Config announce) {
    return Layer2Config.defaults().withAnnounce(announce).withClaimQuietPeriod(Speaker.CLAIM_EVIDENCE.minusSeconds(1));
  }

  /**
   * The interfaces MetalLB's {@code metallb-excludel2} ConfigMap excludes. A malformed one is
   * reported (log and a Warning event on it) and the speaker runs with the built-in exclusions:
   * refusing to start would take every address this node announces down with it.
   */
  private ExcludedInterfaces excludedInterfaces(KubernetesClient client, String me) throws InterruptedException {
    return switch (ExcludeL2ConfigMap.read(client, namespace, API_PATIENCE)) {
      case ExcludeL2ConfigMap.Result.Loaded(ExcludedInterfaces excluded, String source) -> {
        log.info("interfaces excluded by name: {} ({}), besides the built-in exclusions", excluded.patterns(), source,
            kv("event", "excludedInterfaces"), kv("patterns", excluded.patterns()));
        yield excluded;
      }
      case ExcludeL2ConfigMap.Result.Invalid(String problem, Optional<ConfigMap> configMap) -> {
        String message = problem + "; using only the built-in interface exclusions until it is fixed and the speaker restarted";
        log.error(message, kv("event", "excludedInterfacesInvalid"));
        configMap.ifPresent(c -> new EventRecorder(client, IronLb.SPEAKER_COMPONENT, me, Clock.systemUTC())
            .record(c, EventRecorder.Type.Warning, "InvalidConfiguration", message));
        yield ExcludedInterfaces.none();
      }
    };
  }

  static final int MAX_BURST_ROUNDS = 16;
  static final Duration MAX_BURST_TIME = Duration.ofMinutes(1);
  static final Duration MIN_REFRESH = Duration.ofSeconds(1);
  static final Duration MAX_REFRESH = Duration.ofHours(1);
  static final int MIN_RATE = 10;
  static final int MAX_RATE = 100_000;

  /** The gratuitous flags, checked: each refusal names the flag, the value and what would do. */
  Announcer.Config gratuitous() {
    String burst = "--gratuitous-burst " + String.join(",", gratuitousBurst.stream().map(SpeakerCommand::text).toList());
    if (gratuitousBurst.isEmpty() || gratuitousBurst.size() > MAX_BURST_ROUNDS) {
      throw invalid(burst + ": give 1 to " + MAX_BURST_ROUNDS + " times, e.g. 0s,500ms,1s,2s");
    }
    if (!gratuitousBurst.getFirst().isZero()) {
      throw invalid(burst + ": the first round goes out at the takeover, so the list starts with 0s");
    }
    for (int i = 1; i < gratuitousBurst.size(); i++) {
      if (gratuitousBurst.get(i).compareTo(gratuitousBurst.get(i - 1)) <= 0) {
        throw invalid(burst + ": the times must increase (each counts from the takeover), e.g. 0s,500ms,1s,2s");
      }
    }
    if (gratuitousBurst.getLast().compareTo(MAX_BURST_TIME) > 0) {
      throw invalid(burst + ": the last round must come within " + text(MAX_BURST_TIME) + " of the takeover; later ones are "
          + "the refresh's job (--gratuitous-refresh)");
    }
    if (!gratuitousRefresh.isZero() && (gratuitousRefresh.compareTo(MIN_REFRESH) < 0 || gratuitousRefresh.compareTo(MAX_REFRESH) > 0)) {
      throw invalid("--gratuitous-refresh " + text(gratuitousRefresh) + ": give 0s (no refresh) or " + text(MIN_REFRESH) + " to "
          + text(MAX_REFRESH) + "; keep it below your switches' MAC ageing time (often 300s)");
    }
    if (gratuitousRate < MIN_RATE || gratuitousRate > MAX_RATE) {
      throw invalid("--gratuitous-rate " + gratuitousRate + ": give " + MIN_RATE + " to " + MAX_RATE + " frames per second");
    }
    return new Announcer.Config(gratuitousBurst, gratuitousRefresh, gratuitousRate);
  }

  private picocli.CommandLine.ParameterException invalid(String message) {
    return new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), message);
  }

  private static String text(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  /** The speaker's ConfigurationState belongs to its Node: it goes when the node goes. */
  private static OwnerReference ownedBy(Node self) {
    return new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node").withName(self.getMetadata().getName())
        .withUid(self.getMetadata().getUid()).build();
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
      if (Objects.equals(n.getMetadata().getName(), me)) {
        continue;
      }
      try {
        MembershipAddressAnnotation.read(n.getMetadata().getAnnotations()).ifPresent(out::add);
      } catch (IllegalArgumentException e) {
        log.warn("Node {}: {}", n.getMetadata().getName(), e.getMessage());
      }
    }
    return out;
  }
}
