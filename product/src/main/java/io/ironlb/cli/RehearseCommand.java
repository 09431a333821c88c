package io.ironlb.cli;

import static net.logstash.logback.argument.StructuredArguments.kv;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.ironlb.announce.Event;
import io.ironlb.announce.NodeInfo;
import io.ironlb.announce.SpeakerCore;
import io.ironlb.controller.ControllerMetrics;
import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.NodeFacts;
import io.ironlb.election.ServiceFacts;
import io.ironlb.k8s.ConfigurationState;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.ServiceL2Status;
import io.ironlb.l2.InterfaceTable;
import io.ironlb.l2.linux.Rtnetlink;
import io.ironlb.membership.JGroupsMembership;
import io.ironlb.membership.MembershipConfig;
import io.ironlb.membership.Timings;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import io.ironlb.runtime.MetricsServer;
import io.ironlb.speaker.SpeakerMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A training run for the JVM's ahead-of-time cache ({@code -XX:AOTCacheOutput}): walks the start-up
 * code of the controller and the speaker offline, so the cache holds the classes they load (and
 * links) and the next start of either skips that work. Kubernetes runs it in an init container,
 * the lab before its first start. It needs no cluster and no privilege, sends nothing but on
 * loopback, and always exits 0: each part is best effort, and a part that fails only leaves its
 * classes out of the cache (a start without them is as slow as one without a cache, never wrong).
 */
@Command(name = "rehearse", hidden = true, mixinStandardHelpOptions = true,
    description = "Runs the controller's and speaker's start-up offline, for the JVM's AOT cache (-XX:AOTCacheOutput); always exits 0.")
final class RehearseCommand implements Callable<Integer> {

  /** Whose start-up to rehearse: a JVM with AOT class linking loads every class of its cache at start. */
  enum Component { CONTROLLER, SPEAKER, BOTH }

  @Option(names = "--for", defaultValue = "both", converter = ComponentConverter.class, description = "controller, speaker or both: "
      + "whose start-up to rehearse (the cache holds that one's classes only, and a JVM started from it loads all of them; "
      + "default: ${DEFAULT-VALUE}).")
  Component component;

  static final class ComponentConverter implements CommandLine.ITypeConverter<Component> {
    @Override
    public Component convert(String value) {
      for (Component c : Component.values()) {
        if (c.name().equalsIgnoreCase(value)) {
          return c;
        }
      }
      throw new CommandLine.TypeConversionException("--for: expected controller, speaker or both, got '" + value + "'");
    }
  }
  private static final Logger log = LoggerFactory.getLogger(RehearseCommand.class);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  /** A TLS record: alert (21), TLS 1.2 on the wire, 2 bytes: fatal (2), handshake_failure (40). */
  private static final byte[] HANDSHAKE_FAILURE = {21, 3, 3, 0, 2, 2, 40};
  /** The informer syncs on the stand-in's empty list in milliseconds; a part that hangs must not hold a pod up. */
  private static final long INFORMER_WAIT_SECONDS = 3;

  @FunctionalInterface
  private interface Part {
    void run() throws Exception;
  }

  @Override
  public Integer call() {
    long t0 = System.nanoTime();
    part("command lines", this::commandLines);
    part("metrics, API client and its JSON", this::metricsAndApiClient);
    if (speaker()) {
      part("membership", this::membership);
      part("interfaces", this::interfaces);
      part("decision core", this::decisionCore);
    }
    log.info("rehearsal done", kv("event", "rehearsalDone"), kv("ms", (System.nanoTime() - t0) / 1_000_000));
    return 0;
  }

  private boolean speaker() {
    return component != Component.CONTROLLER;
  }

  private boolean controller() {
    return component != Component.SPEAKER;
  }

  /** Each part is logged (the JSON encoder is start-up code too); a failure costs only its classes. */
  private static void part(String name, Part part) {
    long t0 = System.nanoTime();
    try {
      part.run();
      log.info("rehearsed {}", name, kv("event", "rehearsed"), kv("part", name), kv("ms", (System.nanoTime() - t0) / 1_000_000));
    } catch (Exception | LinkageError e) {
      log.info("rehearsal of {} failed: {}; the cache goes without it", name, e.toString(), kv("event", "rehearsalPartFailed"),
          kv("part", name));
    }
  }

  /** picocli builds both commands' models and converts their options: parse only, nothing runs. */
  private void commandLines() {
    if (controller()) {
      Main.commandLine().parseArgs("controller", "--namespace=metallb-system", "--metrics-port=7472", "--lease-name=ironlb-controller",
          "--kubeconfig", "kubeconfig");
    }
    if (speaker()) {
      Main.commandLine().parseArgs("speaker", "--namespace=metallb-system", "--metrics-port=7473", "--membership-port=7946",
          "--membership-secret=memberlist", "--node", "rehearsal", "--kubeconfig", "kubeconfig");
    }
  }

  /**
   * Both processes start a Prometheus registry with the JVM's metrics (JMX) and their own, serve it,
   * and build a fabric8 client (kubeconfig parsing, the JDK HTTP client, Jackson). The client talks
   * to a stand-in on loopback that answers every list with no items: a scrape of the metrics
   * server, a read and an informer's list and watch walk the request path.
   */
  private void metricsAndApiClient() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    if (speaker()) {
      new SpeakerMetrics(registry);
    }
    if (controller()) {
      new ControllerMetrics(new PrometheusRegistry());
    }
    HttpServer api = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 16);
    api.createContext("/", RehearseCommand::answerAsApiServer);
    api.start();
    try (MetricsServer metrics = MetricsServer.start(new InetSocketAddress(LOOPBACK, 0), registry, () -> Optional.of("rehearsing"))) {
      String apiUrl = "http://" + LOOPBACK.getHostAddress() + ":" + api.getAddress().getPort();
      try (KubernetesClient client = client(apiUrl)) {
        roundTrip(client.getKubernetesSerialization());
        part("a scrape through the API client", () -> client.raw("http://" + LOOPBACK.getHostAddress() + ":" + metrics.getPort()
            + MetricsServer.METRICS_PATH));
        part("an API read", () -> client.nodes().withName("rehearsal").get());
        part("an informer", () -> {
          SharedIndexInformer<Node> nodes = client.nodes().runnableInformer(0);
          try {
            nodes.start().toCompletableFuture().get(INFORMER_WAIT_SECONDS, TimeUnit.SECONDS);
          } finally {
            nodes.stop();
          }
        });
      }
      part("a TLS handshake", RehearseCommand::tlsHello);
    } finally {
      api.stop(0);
    }
  }

  /** A watch ends at once, a read by name finds nothing, a list has no items. */
  private static void answerAsApiServer(HttpExchange exchange) throws IOException {
    try (exchange) {
      String query = Objects.requireNonNullElse(exchange.getRequestURI().getQuery(), "");
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      if (query.contains("watch=true")) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      boolean read = exchange.getRequestURI().getPath().endsWith("/rehearsal");
      byte[] body = (read ? """
          {"apiVersion": "v1", "kind": "Status", "status": "Failure", "code": 404, "reason": "NotFound"}"""
          : """
          {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": "1"}, "items": []}""").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(read ? 404 : 200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  /**
   * An https request to a listener that reads the client's hello and refuses it: the TLS context,
   * the hello and its key share are start-up work too (the API server speaks only TLS).
   */
  private static void tlsHello() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, LOOPBACK)) {
      Thread.ofVirtual().start(() -> {
        try (Socket s = listener.accept()) {
          s.getInputStream().read(new byte[512]);
          // A fatal handshake_failure alert: the client fails at once. On a bare hang-up the JDK
          // client noticed nothing and waited out its request timeout, 2 s of every pod's start.
          s.getOutputStream().write(HANDSHAKE_FAILURE);
        } catch (IOException e) {
          // the client gave up first: nothing to hang up on
        }
      });
      try (KubernetesClient tls = client("https://" + LOOPBACK.getHostAddress() + ":" + listener.getLocalPort())) {
        tls.nodes().withName("rehearsal").get();
      } catch (KubernetesClientException expected) {
        // the refusal
      }
    }
  }

  /** Built from kubeconfig text, as the lab's processes and {@code --kubeconfig} build theirs. */
  private static KubernetesClient client(String server) {
    String kubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: rehearsal
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        users:
        - name: rehearsal
          user: {token: rehearsal}
        contexts:
        - name: rehearsal
          context: {cluster: rehearsal, user: rehearsal, namespace: metallb-system}
        current-context: rehearsal
        """.formatted(server);
    Config config = Config.fromKubeconfig(kubeconfig);
    config.setRequestRetryBackoffLimit(0);
    config.setRequestTimeout(2_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Jackson's (de)serializers for every kind the processes read or write, built as they first meet each. */
  private static void roundTrip(KubernetesSerialization json) {
    Map<Class<? extends HasMetadata>, String> samples = Map.ofEntries(
        Map.entry(Service.class, """
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default",
              "annotations": {"metallb.io/ip-allocated-from-pool": "lan-pool"}},
             "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}],
              "externalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"]},
             "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.10"}]}}}"""),
        Map.entry(Node.class, """
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "rehearsal", "labels": {"kubernetes.io/os": "linux"}},
             "spec": {"unschedulable": false},
             "status": {"addresses": [{"type": "InternalIP", "address": "198.51.100.2"}],
              "conditions": [{"type": "Ready", "status": "True"}]}}"""),
        Map.entry(EndpointSlice.class, """
            {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
             "metadata": {"name": "web-1", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
             "endpoints": [{"addresses": ["203.0.113.5"], "nodeName": "rehearsal", "conditions": {"ready": true}}],
             "ports": [{"port": 8080, "protocol": "TCP"}]}"""),
        Map.entry(Secret.class, """
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "memberlist"}, "data": {"secretkey": "cmVoZWFyc2Fs"}}"""),
        Map.entry(ConfigMap.class, """
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "metallb-excludel2"}, "data": {"excludel2.yaml": ""}}"""),
        Map.entry(io.fabric8.kubernetes.api.model.Event.class, """
            {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1"}, "type": "Normal", "reason": "nodeAssigned",
             "involvedObject": {"kind": "Service", "name": "web"}, "count": 1}"""),
        Map.entry(Namespace.class, """
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}"""),
        Map.entry(Lease.class, """
            {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "ironlb-controller"},
             "spec": {"holderIdentity": "rehearsal", "leaseDurationSeconds": 15, "renewTime": "2026-01-01T00:00:00.000000Z"}}"""),
        Map.entry(IPAddressPool.class, """
            {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool", "metadata": {"name": "lan-pool"},
             "spec": {"addresses": ["198.51.100.10-198.51.100.20"], "autoAssign": true}}"""),
        Map.entry(L2Advertisement.class, """
            {"apiVersion": "metallb.io/v1beta1", "kind": "L2Advertisement", "metadata": {"name": "lan"},
             "spec": {"ipAddressPools": ["lan-pool"], "interfaces": ["eth0"]}}"""),
        Map.entry(ServiceL2Status.class, """
            {"apiVersion": "metallb.io/v1beta1", "kind": "ServiceL2Status", "metadata": {"name": "l2-web"},
             "status": {"node": "rehearsal", "interfaces": [{"name": "eth0"}]}}"""),
        Map.entry(ConfigurationState.class, """
            {"apiVersion": "metallb.io/v1beta1", "kind": "ConfigurationState", "metadata": {"name": "speaker-rehearsal"}}"""));
    samples.forEach((kind, sample) -> {
      HasMetadata read = json.unmarshal(sample, kind);
      json.unmarshal(json.asJson(read)); // by kind, as watch events are read
    });
  }

  /** JGroups with its TLS and the heartbeats, alone on loopback with a throwaway key; waits out its join timeout. */
  private void membership() throws Exception {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, LOOPBACK)) {
      port = free.getLocalPort();
    }
    if (port > 65535 - MembershipConfig.FD_SOCK_OFFSET - 3) {
      port -= 1000; // failure detection listens 100 higher; any free port will do
    }
    try (JGroupsMembership membership = new JGroupsMembership(new MembershipConfig("rehearsal", LOOPBACK, port, secret, List::of,
        Timings.defaults()))) {
      membership.start();
      membership.healthy();
    }
  }

  /** The speaker's FFM bindings (libc) and its rtnetlink interface dump: no privilege needed to read. */
  private void interfaces() throws Exception {
    try (Rtnetlink rtnetlink = Rtnetlink.open()) {
      InterfaceTable.of(rtnetlink.interfaces());
    }
  }

  /** The speaker's pure core deciding one Service on a one-node cluster. */
  private void decisionCore() {
    Instant now = Instant.now();
    SpeakerCore core = new SpeakerCore(SpeakerCore.Config.of("rehearsal", List.of(), Duration.ofSeconds(30)));
    core.step(new Event.NodeUpdated(new NodeInfo(new NodeFacts("rehearsal", Map.of(), false, false), true, Set.of(),
        true, false, now)), now);
    core.step(new Event.MembershipHealth(true), now);
    core.step(new Event.ViewChanged(Set.of("rehearsal")), now);
    core.step(new Event.PoolsUpdated(Map.of("lan-pool", Map.of())), now);
    core.step(new Event.AdvertisementsUpdated(List.of(new AdvertisementFacts("lan", List.of("lan-pool"), List.of(),
        List.of(), List.of(), List.of(), List.of()))), now);
    core.step(new Event.ServiceUpdated(new ServiceFacts(new ServiceKey("default", "web"), List.of(Vip.of("198.51.100.10")),
        "lan-pool", Map.of(), false, List.of()), List.of()), now);
  }
}
