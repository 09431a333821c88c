package io.ironlb.controller;

import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.MetalLb;
import io.ironlb.testing.MockCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Leadership and restarts: one writer at a time, and no address ever moves because of a restart. */
class ControllerRestartTest {
  private MockCluster cluster;

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  private Map<String, List<String>> assignments() {
    Map<String, List<String>> out = new HashMap<>();
    for (Service s : cluster.client().services().inNamespace("default").list().getItems()) {
      out.put(s.getMetadata().getName(), MockCluster.ingress(s));
    }
    return out;
  }

  /**
   * 5,000 Services of every kind MetalLB users have, allocated by one controller; a second one
   * starts from the cluster alone (as after a crash or a rolling update). Not one address may
   * move, and the restarted controller may not write a single Service: a write with the same
   * addresses would still wake every speaker and show up as churn in {@code kubectl get -w}.
   */
  @Test
  void fiveThousandServicesOfEveryKindSurviveARestartWithoutOneAddressChangeOrServiceWrite() throws Exception {
    ServicePopulation population = ServicePopulation.create(cluster);
    int count = population.services().size();
    assertThat(count).isEqualTo(5000);
    Map<String, List<String>> before;
    Map<String, String> poolsBefore;
    Map<String, String> versionsBefore;
    String firstAgent = "ironlb-restart-test/first";
    Config firstConfig = new ConfigBuilder(cluster.client().getConfiguration()).withUserAgent(firstAgent).build();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(firstConfig).build();
        var first = Runners.replica(client, "first")) {
      drainRecordedRequests();
      first.start();
      long t0 = System.nanoTime();
      createConcurrently(population.services());
      long created = System.nanoTime();
      // Listing 5,000 Services holds the mock server's one lock for a while: watch the pools' counters
      // instead (the controller writes them after allocating), then check the Services once.
      await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1)).until(() -> assignedInPools() == population.addresses());
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
          .until(() -> allServices().stream().filter(s -> allocatedFrom(s) != null).count() == count);
      long allocated = System.nanoTime();
      System.out.printf("initial allocation: %d Services created (4 threads) in %d ms, all %d addressed %d ms after the first"
          + " creation%n", count, ms(t0, created), count, ms(t0, allocated));
      Map<String, Long> requests = requestsByKind(firstAgent);
      System.out.printf("initial allocation: API requests of the controller for %d Services: %s (%.2f per Service)%n", count,
          requests, requests.values().stream().mapToLong(Long::longValue).sum() / (double) count);
      assertThat(cluster.events("default", "svc-v4-0")).isNotEmpty();
    }
    List<Service> all = allServices();
    population.assertShape(all);
    before = byName(all, MockCluster::ingress);
    poolsBefore = byName(all, ControllerRestartTest::allocatedFrom);
    versionsBefore = byName(all, s -> s.getMetadata().getResourceVersion());
    // A newcomer created while no controller runs must not take anyone's address after the restart.
    cluster.create(loadBalancer("default", "newcomer").build());
    drainRecordedRequests();

    String agent = "ironlb-restart-test/second";
    Config config = new ConfigBuilder(cluster.client().getConfiguration()).withUserAgent(agent).build();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build(); var second = Runners.replica(client, "second")) {
      long t0 = System.nanoTime();
      second.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> second.controller() != null);
      assertThat(second.controller().awaitReady(Duration.ofSeconds(60))).as("second controller rebuilt its state").isTrue();
      long ready = System.nanoTime();
      await().atMost(Duration.ofSeconds(60)).until(() -> !cluster.ingress("default", "newcomer").isEmpty());
      long newcomer = System.nanoTime();
      System.out.printf("restart: leader and state rebuilt from %d Services %d ms after start, newcomer addressed after %d ms%n",
          count + 1, ms(t0, ready), ms(t0, newcomer));
      // The pool status flush comes after every reconcile the rebuild and the newcomer caused.
      long lanInUse = before.entrySet().stream().filter(e -> "lan".equals(poolsBefore.get(e.getKey())))
          .flatMap(e -> e.getValue().stream()).distinct().count() + 1;
      await().atMost(Duration.ofSeconds(30)).until(() -> lanAssigned() == lanInUse);
      Map<Boolean, List<String>> writes = serviceWrites(agent).stream()
          .collect(Collectors.partitioningBy(w -> w.matches("\\S+ /api/v1/namespaces/default/services/newcomer([/?].*)?")));
      assertThat(writes.get(true)).as("the newcomer's status and annotation writes (the recording works)").isNotEmpty();
      assertThat(writes.get(false)).as("Service writes of the restarted controller").isEmpty();

      List<Service> after = allServices();
      Map<String, List<String>> ips = byName(after, MockCluster::ingress);
      String newcomerIp = ips.remove("default/newcomer").getFirst();
      assertThat(ips).as("every Service's addresses, in order, after the restart").isEqualTo(before);
      Map<String, String> pools = byName(after, ControllerRestartTest::allocatedFrom);
      assertThat(pools.remove("default/newcomer")).isEqualTo("lan");
      assertThat(pools).as("metallb.io/ip-allocated-from-pool after the restart").isEqualTo(poolsBefore);
      Map<String, String> versions = byName(after, s -> s.getMetadata().getResourceVersion());
      versions.remove("default/newcomer");
      assertThat(versions).as("resourceVersions: the restarted controller wrote no Service").isEqualTo(versionsBefore);
      assertThat(before.values()).as("the newcomer's address is nobody else's").noneMatch(l -> l.contains(newcomerIp));
      assertThat(cluster.client().v1().events().inAnyNamespace().list().getItems().stream()
          .filter(e -> "second".equals(e.getSource().getHost()) && !"newcomer".equals(e.getInvolvedObject().getName()))
          .filter(e -> !"deprecatedAnnotation".equals(e.getReason()))
          .map(e -> e.getInvolvedObject().getName() + " " + e.getReason() + ": " + e.getMessage()))
          .as("events of the restarted controller about existing Services").isEmpty();
    }
  }

  private long assignedInPools() {
    long n = 0;
    for (IPAddressPool p : cluster.client().resources(IPAddressPool.class).inNamespace(MockCluster.CONFIG_NAMESPACE).list().getItems()) {
      if (p.getStatus() != null) {
        n += Objects.requireNonNullElse(p.getStatus().assignedIPv4(), 0L) + Objects.requireNonNullElse(p.getStatus().assignedIPv6(), 0L);
      }
    }
    return n;
  }

  private long lanAssigned() {
    IPAddressPool lan = cluster.client().resources(IPAddressPool.class).inNamespace(MockCluster.CONFIG_NAMESPACE).withName("lan").get();
    return lan.getStatus() == null || lan.getStatus().assignedIPv4() == null ? -1 : lan.getStatus().assignedIPv4();
  }

  private List<Service> allServices() {
    return cluster.client().services().inAnyNamespace().list().getItems();
  }

  private static <T> Map<String, T> byName(List<Service> services, Function<Service, T> value) {
    Map<String, T> out = new HashMap<>();
    for (Service s : services) {
      out.put(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), value.apply(s));
    }
    return out;
  }

  private static String allocatedFrom(Service s) {
    return s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL);
  }

  private static long ms(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  private void createConcurrently(List<Service> services) throws Exception {
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<?>> done = new ArrayList<>();
      for (Service s : services) {
        done.add(pool.submit(() -> cluster.create(s)));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
  }

  private void drainRecordedRequests() throws InterruptedException {
    while (cluster.server().takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // requests made before the restart are not the second controller's
    }
  }

  /** The requests made with {@code agent} since the last drain, counted by method and resource ("PATCH services/status"). */
  private Map<String, Long> requestsByKind(String agent) throws InterruptedException {
    Map<String, Long> out = new java.util.TreeMap<>();
    RecordedRequest r;
    while ((r = cluster.server().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (agent.equals(r.getHeader("User-Agent"))) {
        String path = r.getPath().replaceAll("\\?.*", "");
        String kind = path.replaceAll("^/apis?/(v1/|[^/]+/[^/]+/)(namespaces/[^/]+/)?", "")
            .replaceAll("^([a-z0-9]+)/[^/]+", "$1/NAME");
        out.merge(r.getMethod() + " " + kind, 1L, Long::sum);
      }
    }
    return out;
  }

  /** The Service writes (create, update, patch, delete) made with {@code agent} since the last drain, as "METHOD path". */
  private List<String> serviceWrites(String agent) throws InterruptedException {
    List<String> writes = new ArrayList<>();
    RecordedRequest r;
    while ((r = cluster.server().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (agent.equals(r.getHeader("User-Agent")) && !r.getMethod().equals("GET")
          && r.getPath().matches("/api/v1/(namespaces/[^/]+/)?services([/?].*)?")) {
        writes.add(r.getMethod() + " " + r.getPath());
      }
    }
    return writes;
  }

  @Test
  void twoReplicasNeverBothWrite() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    AtomicInteger leaders = new AtomicInteger();
    try (KubernetesClient a = cluster.newClient(); KubernetesClient b = cluster.newClient();
        var one = Runners.replica(a, "one"); var two = Runners.replica(b, "two")) {
      one.start();
      two.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> one.controller() != null || two.controller() != null);
      for (int i = 0; i < 20; i++) {
        cluster.create(loadBalancer("default", "svc-" + i).build());
        leaders.set((one.controller() != null ? 1 : 0) + (two.controller() != null ? 1 : 0));
        assertThat(leaders.get()).as("replicas leading at once").isEqualTo(1);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> assignments().values().stream().noneMatch(List::isEmpty));
      String leader = one.controller() != null ? "one" : "two";
      assertThat(cluster.client().v1().events().inNamespace("default").list().getItems())
          .isNotEmpty()
          .allSatisfy(e -> assertThat(e.getSource().getHost()).isEqualTo(leader));
      // Each address went to exactly one service: a second writer would have handed out duplicates.
      assertThat(assignments().values().stream().flatMap(List::stream).distinct().count()).isEqualTo(20);
    }
  }

  @Test
  void whenTheLeaderStopsTheOtherReplicaTakesOverWithoutMovingAnything() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    KubernetesClient a = cluster.newClient();
    KubernetesClient b = cluster.newClient();
    var one = Runners.replica(a, "one");
    try (b; var two = Runners.replica(b, "two")) {
      one.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> one.controller() != null);
      two.start();
      for (int i = 0; i < 5; i++) {
        cluster.create(loadBalancer("default", "svc-" + i).build());
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> assignments().values().stream().noneMatch(List::isEmpty));
      Map<String, List<String>> before = assignments();

      one.close();
      a.close();
      await().atMost(Duration.ofSeconds(15)).until(() -> two.controller() != null);
      cluster.create(loadBalancer("default", "later").build());
      await().atMost(Duration.ofSeconds(10)).until(() -> !cluster.ingress("default", "later").isEmpty());
      Map<String, List<String>> after = assignments();
      after.remove("later");
      assertThat(after).isEqualTo(before);
    }
  }
}
