package io.ironlb.controller;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.ironlb.runtime.MetricsServer;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.Kube;
import io.ironlb.k8s.MembershipSecret;
import io.ironlb.k8s.MetalLb;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "controller",
    mixinStandardHelpOptions = true,
    description = {
      "Allocates pool addresses to LoadBalancer Services (MetalLB-compatible).",
      "One replica is active at a time, chosen through a Kubernetes Lease."
    })
public final class ControllerCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ControllerCommand.class);

  @Option(names = "--namespace", defaultValue = "metallb-system",
      description = "Namespace holding IPAddressPools and the leader Lease (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--lb-class", defaultValue = "",
      description = "Serve only Services with this spec.loadBalancerClass; empty serves Services without a class.")
  String loadBalancerClass;

  @Option(names = "--kubeconfig", description = "Kubeconfig file; default: in-cluster, then ~/.kube/config.")
  Path kubeconfig;

  @Option(names = "--metrics-port", defaultValue = "7472",
      description = "Port of the Prometheus /metrics endpoint; 0 disables it (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--identity", description = "This replica's name in the Lease (default: $POD_NAME, else the host name).")
  String identity;

  @Option(names = "--lease-name", defaultValue = "ironlb-controller", description = "Name of the leader Lease (default: ${DEFAULT-VALUE}).")
  String leaseName;

  @Option(names = "--membership-secret", defaultValue = MembershipSecret.DEFAULT_NAME,
      description = "Secret with the speakers' membership key, created when missing; must match the speakers' flag (default: ${DEFAULT-VALUE}).")
  String membershipSecret;

  @Option(names = "--lease-duration", defaultValue = "15s",
      description = "How long a leader's Lease is valid without renewal, e.g. 15s (default: ${DEFAULT-VALUE}).",
      converter = io.ironlb.runtime.DurationConverter.class)
  Duration leaseDuration;

  @Override
  public Integer call() throws Exception {
    String me = identity != null ? identity : Objects.requireNonNullElse(System.getenv("POD_NAME"), hostName());
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    AtomicReference<ControllerRunner> runnerRef = new AtomicReference<>();
    MetricsServer metricsServer = metricsPort == 0 ? null : MetricsServer.start(metricsPort, registry, () -> {
      ControllerRunner r = runnerRef.get();
      return r == null ? Optional.of("starting: connecting to the API server") : r.notReadyBecause();
    });
    try (KubernetesClient client = Kube.client(kubeconfig)) {
      ControllerRunner runner = new ControllerRunner(client, new AllocationController.Config(namespace, loadBalancerClass),
          me, leaseName, leaseDuration, new ControllerMetrics(registry), membershipSecret);
      runnerRef.set(runner);
      CompletableFuture<?> done = runner.start();
      Runtime.getRuntime().addShutdownHook(new Thread(runner::close));
      done.join();
      log.error("lost leadership; exiting so a fresh start rebuilds state", kv("event", "leadershipLost"));
      return 1;
    } finally {
      if (metricsServer != null) {
        metricsServer.close();
      }
    }
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "ironlb-controller";
    }
  }

  /** Leader election around the allocation controller; the controller runs only while this replica leads. */
  public static final class ControllerRunner implements AutoCloseable {
    private final KubernetesClient client;
    private final AllocationController.Config config;
    private final String identity;
    private final String leaseName;
    private final Duration leaseDuration;
    private final ControllerMetrics metrics;
    private final String membershipSecret;
    private volatile AllocationController controller;
    private volatile String observedLeader;
    private CompletableFuture<?> election;

    public ControllerRunner(KubernetesClient client, AllocationController.Config config, String identity,
        String leaseName, Duration leaseDuration, ControllerMetrics metrics, String membershipSecret) {
      this.membershipSecret = membershipSecret;
      this.client = client;
      this.config = config;
      this.identity = identity;
      this.leaseName = leaseName;
      this.leaseDuration = leaseDuration;
      this.metrics = metrics;
    }

    /** Starts campaigning; the future completes when leadership is lost (or this runner closes). */
    public CompletableFuture<?> start() {
      Duration renewDeadline = leaseDuration.multipliedBy(2).dividedBy(3);
      Duration retry = leaseDuration.dividedBy(8);
      var electionConfig = new LeaderElectionConfigBuilder()
          .withName(leaseName)
          .withLock(new LeaseLock(config.namespace(), leaseName, identity))
          .withLeaseDuration(leaseDuration)
          .withRenewDeadline(renewDeadline)
          .withRetryPeriod(retry)
          .withReleaseOnCancel(true)
          .withLeaderCallbacks(new LeaderCallbacks(this::lead, this::stopLeading,
              leader -> {
                observedLeader = leader;
                log.info("leader is {}", leader, kv("event", "leaderObserved"), kv("leader", leader));
              }))
          .build();
      election = client.leaderElector().withConfig(electionConfig).build().start();
      return election;
    }

    /**
     * Why this replica is not ready, or empty: ready when it leads and has rebuilt its state, or
     * stands by behind another leader. A standby must be ready, or a Deployment's rolling update
     * (new replica ready before the old one stops) would wait for a Lease the old one still holds.
     */
    public Optional<String> notReadyBecause() {
      AllocationController c = controller;
      if (c != null) {
        return c.isReady() ? Optional.empty() : Optional.of("leading, rebuilding state from the cluster");
      }
      String leader = observedLeader;
      if (leader != null && !leader.equals(identity)) {
        return Optional.empty();
      }
      return Optional.of("no leader elected yet (Lease " + config.namespace() + "/" + leaseName + ")");
    }

    /** The controller while this replica leads, else null. */
    public AllocationController controller() {
      return controller;
    }

    private void lead() {
      log.info("became leader, starting allocation", kv("event", "leaderElected"), kv("identity", identity));
      try {
        // The speakers' membership key: created once, never overwritten (a new key would split the group).
        MembershipSecret.ensure(client, config.namespace(), membershipSecret);
      } catch (RuntimeException e) {
        log.error("could not ensure the membership Secret; speakers fall back to Node readiness: {}", e.getMessage(),
            kv("event", "membershipSecretFailed"));
      }
      var events = new EventRecorder(client, MetalLb.CONTROLLER_COMPONENT, identity, Clock.systemUTC());
      AllocationController c = new AllocationController(client, config, events, metrics);
      controller = c;
      c.start();
    }

    private void stopLeading() {
      AllocationController c = controller;
      controller = null;
      if (c != null) {
        c.close();
      }
    }

    @Override
    public void close() {
      if (election != null) {
        election.cancel(true);
      }
      stopLeading();
    }
  }
}
