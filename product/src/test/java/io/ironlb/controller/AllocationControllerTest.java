package io.ironlb.controller;

import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.ironlb.k8s.ConfigurationState;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IPAddressPoolSpec;
import io.ironlb.k8s.MetalLb;
import io.ironlb.testing.MockCluster;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The controller end to end against the mock API server (CRUD mode). */
class AllocationControllerTest {
  private static final Duration SOON = Duration.ofSeconds(5);

  private MockCluster cluster;
  private final List<AutoCloseable> running = new ArrayList<>();

  @BeforeEach
  void setUp() {
    cluster = new MockCluster();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : running.reversed()) {
      c.close();
    }
    cluster.close();
  }

  private AllocationController startController() throws InterruptedException {
    return startController(cluster.newClient());
  }

  private AllocationController startController(KubernetesClient client) throws InterruptedException {
    var controller = new AllocationController(client, new AllocationController.Config(MockCluster.CONFIG_NAMESPACE, ""),
        new EventRecorder(client, MetalLb.CONTROLLER_COMPONENT, "test", Clock.systemUTC()),
        new ControllerMetrics(new PrometheusRegistry()));
    running.add(client);
    running.add(controller);
    controller.start();
    assertThat(controller.awaitReady(Duration.ofSeconds(30))).as("controller ready").isTrue();
    return controller;
  }

  @Test
  void poolAndServiceGiveAnIngressIpWithinASecond() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    startController();
    cluster.create(loadBalancer("default", "openwebui").build());

    await().atMost(Duration.ofSeconds(1)).until(() -> cluster.ingress("default", "openwebui"), ips -> !ips.isEmpty());
    assertThat(cluster.ingress("default", "openwebui")).containsExactly("198.51.100.200");
    Service s = cluster.service("default", "openwebui");
    assertThat(s.getMetadata().getAnnotations()).containsEntry("metallb.io/ip-allocated-from-pool", "lan-pool");
    await().atMost(SOON).until(() -> cluster.events("default", "openwebui"),
        e -> e.contains("Normal IPAllocated: Assigned IP [198.51.100.200]"));
  }

  @Test
  void aPoolFieldIronLbDoesNotKnowGetsAWarningEventOncePerVersion() throws Exception {
    // The mock API server prunes nothing, like a cluster that still runs MetalLB's CRDs.
    GenericKubernetesResource pool = Serialization.unmarshal("""
        apiVersion: metallb.io/v1beta1
        kind: IPAddressPool
        metadata: {name: lan-pool, namespace: metallb-system}
        spec:
          addresses: [198.51.100.200-198.51.100.220]
          allocateTo: {priority: 1}
          serviceAllocation: {priority: 5, namespace: [apps]}
        """, GenericKubernetesResource.class);
    var pools = cluster.client().genericKubernetesResources("metallb.io/v1beta1", "IPAddressPool").inNamespace(MockCluster.CONFIG_NAMESPACE);
    pools.resource(pool).create();
    startController();
    String warning = "Warning UnsupportedField: IPAddressPool lan-pool: IronLB does not support spec.allocateTo, "
        + "spec.serviceAllocation.namespace; they are ignored (remove them, or check the spelling against MetalLB's IPAddressPool)";

    await().atMost(SOON).until(() -> cluster.events(MockCluster.CONFIG_NAMESPACE, "lan-pool"), e -> e.contains(warning));
    cluster.create(loadBalancer("default", "web").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "web"), ips -> !ips.isEmpty());
    assertThat(cluster.events(MockCluster.CONFIG_NAMESPACE, "lan-pool")).as("the pool still works, and is warned about once")
        .filteredOn(e -> e.contains("UnsupportedField")).hasSize(1);
  }

  @Test
  void aPoolWithOnlyAPriorityOrAnEmptyServiceAllocationIsRankedWithTheReservedPools() throws Exception {
    // Issue 13's example, as MetalLB allocates it: B (priority 1 only) before A (namespace ns1, priority 5),
    // and the pool whose serviceAllocation is {} before the pool without one.
    cluster.namespace("ns1", Map.of());
    cluster.pool("a", new IPAddressPoolSpec(List.of("198.51.100.1/32"), null, null,
        new IPAddressPoolSpec.ServiceAllocation(5, List.of("ns1"), null, null)));
    cluster.pool("b", new IPAddressPoolSpec(List.of("198.51.100.2/32"), null, null,
        new IPAddressPoolSpec.ServiceAllocation(1, null, null, null)));
    cluster.pool("aa-open", "203.0.113.0/24");
    cluster.pool("empty", new IPAddressPoolSpec(List.of("198.51.100.3/32"), null, null,
        new IPAddressPoolSpec.ServiceAllocation(null, null, null, null)));
    startController();

    cluster.create(loadBalancer("ns1", "first").build());
    await().atMost(SOON).until(() -> cluster.ingress("ns1", "first"), ips -> ips.equals(List.of("198.51.100.2")));
    cluster.create(loadBalancer("ns1", "second").build());
    await().atMost(SOON).until(() -> cluster.ingress("ns1", "second"), ips -> ips.equals(List.of("198.51.100.1")));
    cluster.create(loadBalancer("ns1", "third").build());
    await().atMost(SOON).until(() -> cluster.ingress("ns1", "third"), ips -> ips.equals(List.of("198.51.100.3")));
    cluster.create(loadBalancer("ns1", "fourth").build());
    await().atMost(SOON).until(() -> cluster.ingress("ns1", "fourth"), ips -> ips.equals(List.of("203.0.113.0")));
  }

  @Test
  void poolStatusCountsAssignedAndAvailableAddresses() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220", "2001:db8:86::200-2001:db8:86::20f");
    startController();
    cluster.create(loadBalancer("default", "a").build());
    cluster.create(loadBalancer("default", "b").editSpec()
        .withIpFamilyPolicy("RequireDualStack").withIpFamilies("IPv4", "IPv6").endSpec().build());

    await().atMost(SOON).untilAsserted(() -> {
      var status = pool("lan-pool").getStatus();
      assertThat(status).isNotNull();
      assertThat(status.assignedIPv4()).isEqualTo(2);
      assertThat(status.assignedIPv6()).isEqualTo(1);
      assertThat(status.availableIPv4()).isEqualTo(19);
      assertThat(status.availableIPv6()).isEqualTo(15);
    });
    assertThat(cluster.ingress("default", "b")).containsExactly("198.51.100.201", "2001:db8:86::200");
  }

  @Test
  void deletingAPoolMovesOnlyItsServices() throws Exception {
    cluster.pool("first", new IPAddressPoolSpec(List.of("198.51.100.10/32"), null, null,
        new IPAddressPoolSpec.ServiceAllocation(1, null, null, null)));
    cluster.pool("second", "198.51.100.200-198.51.100.220");
    startController();
    cluster.create(loadBalancer("default", "on-first").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "on-first"), ips -> ips.equals(List.of("198.51.100.10")));
    cluster.create(loadBalancer("default", "on-second").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "on-second"), ips -> ips.equals(List.of("198.51.100.200")));

    cluster.client().resources(IPAddressPool.class).inNamespace(MockCluster.CONFIG_NAMESPACE).withName("first").delete();

    await().atMost(SOON).until(() -> cluster.ingress("default", "on-first"), ips -> ips.equals(List.of("198.51.100.201")));
    assertThat(cluster.ingress("default", "on-second")).containsExactly("198.51.100.200");
    assertThat(cluster.service("default", "on-first").getMetadata().getAnnotations())
        .containsEntry("metallb.io/ip-allocated-from-pool", "second");
    await().atMost(SOON).until(() -> cluster.events("default", "on-first"),
        e -> e.stream().anyMatch(m -> m.startsWith("Normal ClearAssignment")));
  }

  @Test
  void changingTheTypeReleasesTheAddressForOthers() throws Exception {
    cluster.pool("tiny", "198.51.100.7/32");
    startController();
    cluster.create(loadBalancer("default", "first").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "first"), ips -> ips.equals(List.of("198.51.100.7")));
    cluster.create(loadBalancer("default", "second").build());
    await().atMost(SOON).until(() -> cluster.events("default", "second"),
        e -> e.stream().anyMatch(m -> m.startsWith("Warning AllocationFailed")));

    cluster.client().services().inNamespace("default").withName("first").edit(s -> {
      s.getSpec().setType("ClusterIP");
      return s;
    });

    await().atMost(SOON).until(() -> cluster.ingress("default", "second"), ips -> ips.equals(List.of("198.51.100.7")));
    assertThat(cluster.ingress("default", "first")).isEmpty();
    assertThat(cluster.service("default", "first").getMetadata().getAnnotations())
        .doesNotContainKey("metallb.io/ip-allocated-from-pool");
  }

  @Test
  void deletingAServiceFreesItsAddress() throws Exception {
    cluster.pool("tiny", "198.51.100.7/32");
    startController();
    cluster.create(loadBalancer("default", "first").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "first"), ips -> !ips.isEmpty());
    cluster.client().services().inNamespace("default").withName("first").delete();
    cluster.create(loadBalancer("default", "second").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "second"), ips -> ips.equals(List.of("198.51.100.7")));
  }

  @Test
  void servicesOfAnotherLoadBalancerClassAreLeftAlone() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    startController();
    cluster.create(loadBalancer("default", "theirs").editSpec().withLoadBalancerClass("example.com/other").endSpec().build());
    cluster.create(loadBalancer("default", "ours").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "ours"), ips -> !ips.isEmpty());
    assertThat(cluster.ingress("default", "theirs")).isEmpty();
    assertThat(cluster.events("default", "theirs")).isEmpty();
  }

  @Test
  void deprecatedAnnotationsStillWorkWithAWarning() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    startController();
    cluster.create(loadBalancer("default", "old").editMetadata()
        .withAnnotations(Map.of("metallb.universe.tf/loadBalancerIPs", "198.51.100.210")).endMetadata().build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "old"), ips -> ips.equals(List.of("198.51.100.210")));
    await().atMost(SOON).until(() -> cluster.events("default", "old"), e -> e.stream().anyMatch(m ->
        m.startsWith("Warning deprecatedAnnotation") && m.contains("metallb.universe.tf/loadBalancerIPs")
            && m.contains("metallb.io/loadBalancerIPs")));
  }

  @Test
  void anOverlappingPoolIsLeftOutAndTheOthersKeepWorking() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    startController();
    cluster.pool("overlapping", "198.51.100.0/24");
    await().atMost(SOON).untilAsserted(() -> {
      var status = pool("overlapping").getStatus();
      assertThat(status).isNotNull();
      assertThat(status.conditions()).singleElement().satisfies(c -> {
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getMessage()).contains("lan-pool").contains("198.51.100.0/24");
      });
    });
    await().atMost(SOON).until(() -> cluster.events(MockCluster.CONFIG_NAMESPACE, "overlapping"),
        e -> e.stream().anyMatch(m -> m.startsWith("Warning InvalidConfiguration") && m.contains("lan-pool")));
    cluster.create(loadBalancer("default", "web").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "web"), ips -> ips.equals(List.of("198.51.100.200")));
  }

  @Test
  void aPoolContainingANodeAddressIsLeftOut() throws Exception {
    cluster.node("spark-2959", "198.51.100.11");
    cluster.pool("bad", "198.51.100.0/28");
    cluster.pool("good", "198.51.100.200/30");
    startController();
    await().atMost(SOON).untilAsserted(() -> assertThat(pool("bad").getStatus()).isNotNull()
        .extracting(status -> status.conditions().getFirst().getMessage()).asString().contains("198.51.100.11"));
    cluster.create(loadBalancer("default", "web").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "web"), ips -> ips.equals(List.of("198.51.100.200")));
  }

  @Test
  void aPoolThatCannotBeReadIsRefusedAloneAndTheOtherPoolsKeepChanging() throws Exception {
    // Without a schema (the lab's API server) these reach the controller: a selector without an
    // operator and an empty addresses entry used to throw out of the pool pass, so no pool change
    // at all took effect while they existed.
    cluster.pool("no-operator", new IPAddressPoolSpec(List.of("198.51.100.100/30"), null, null, new IPAddressPoolSpec.ServiceAllocation(
        null, null, List.of(new LabelSelectorBuilder().addNewMatchExpression().withKey("tier").endMatchExpression().build()), null)));
    cluster.pool("empty-entry", new IPAddressPoolSpec(Arrays.asList("198.51.100.104/30", null), null, null, null));
    startController();
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    cluster.create(loadBalancer("default", "web").build());

    await().atMost(SOON).until(() -> cluster.ingress("default", "web"), ips -> ips.equals(List.of("198.51.100.200")));
    await().atMost(SOON).until(() -> cluster.events(MockCluster.CONFIG_NAMESPACE, "no-operator"), e -> e.stream().anyMatch(m ->
        m.startsWith("Warning InvalidConfiguration")
            && m.contains("spec.serviceAllocation.namespaceSelectors[0].matchExpressions[0].operator is missing")));
    await().atMost(SOON).until(() -> cluster.events(MockCluster.CONFIG_NAMESPACE, "empty-entry"), e -> e.stream().anyMatch(m ->
        m.startsWith("Warning InvalidConfiguration") && m.contains("spec.addresses entry \"\" is empty")));
  }

  @Test
  void duplicatesMetalLbRefusesAreRefusedAndTheConfigurationStateSaysSo() throws Exception {
    // Without the CRDs' schema (the lab's API server) these reach the controller: it must refuse them as MetalLB does.
    cluster.pool("dup-values", new IPAddressPoolSpec(List.of("198.51.100.100/30"), null, null, new IPAddressPoolSpec.ServiceAllocation(
        null, null, List.of(new LabelSelectorBuilder().addNewMatchExpression().withKey("team").withOperator("In")
            .withValues("bar", "bar").endMatchExpression().build()), null)));
    cluster.pool("spaced-cidr", " 198.51.100.104/30");
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    startController();

    await().atMost(SOON).until(() -> cluster.events(MockCluster.CONFIG_NAMESPACE, "dup-values"), e -> e.stream().anyMatch(m ->
        m.startsWith("Warning InvalidConfiguration: IPAddressPool dup-values: spec.serviceAllocation.namespaceSelectors[0]"
            + ".matchExpressions[0]: duplicate definition of match expression value in label selector \"bar\"")));
    await().atMost(SOON).until(() -> cluster.events(MockCluster.CONFIG_NAMESPACE, "spaced-cidr"), e -> e.stream().anyMatch(m ->
        m.startsWith("Warning InvalidConfiguration: IPAddressPool spaced-cidr: spec.addresses entry \" 198.51.100.104/30\" is not a valid CIDR")));
    await().atMost(SOON).until(() -> configurationState("controller"), st -> st != null && "Invalid".equals(st.result()));
    assertThat(configurationState("controller").errorSummary().split("\n")).hasSize(2)
        .allSatisfy(line -> assertThat(line).startsWith("configuration error: IPAddressPool "));
    cluster.create(loadBalancer("default", "web").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "web"), ips -> ips.equals(List.of("198.51.100.200")));

    for (String name : List.of("dup-values", "spaced-cidr")) {
      cluster.client().resources(IPAddressPool.class).inNamespace(MockCluster.CONFIG_NAMESPACE).withName(name).delete();
    }
    await().atMost(SOON).until(() -> configurationState("controller").result(), "Valid"::equals);
  }

  private ConfigurationState.Status configurationState(String name) {
    ConfigurationState o = cluster.client().resources(ConfigurationState.class).inNamespace(MockCluster.CONFIG_NAMESPACE)
        .withName(name).get();
    return o == null ? null : o.getStatus();
  }

  @Test
  void anInvalidEditKeepsThePoolsLastValidConfiguration() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    startController();
    cluster.create(loadBalancer("default", "web").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "web"), ips -> ips.equals(List.of("198.51.100.200")));

    cluster.client().resources(IPAddressPool.class).inNamespace(MockCluster.CONFIG_NAMESPACE).withName("lan-pool").edit(p -> {
      p.setSpec(new IPAddressPoolSpec(List.of("198.51.100.220-198.51.100.200"), null, null, null));
      return p;
    });

    await().atMost(SOON).until(() -> cluster.events(MockCluster.CONFIG_NAMESPACE, "lan-pool"), e -> e.stream().anyMatch(m ->
        m.startsWith("Warning InvalidConfiguration") && m.contains("198.51.100.220-198.51.100.200")
            && m.contains("last valid configuration")));
    cluster.create(loadBalancer("default", "later").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "later"), ips -> ips.equals(List.of("198.51.100.201")));
    assertThat(cluster.ingress("default", "web")).containsExactly("198.51.100.200");
  }

  @Test
  void aConflictReportMovesAnAutoAssignedServiceAndKeepsTheAddressOutOfUse() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.202");
    startController();
    cluster.create(loadBalancer("default", "web").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "web"), ips -> ips.equals(List.of("198.51.100.200")));
    awaitPoolAnnotation("web");

    // What a speaker writes when its probe finds another device on the address.
    cluster.client().services().inNamespace("default").withName("web").edit(s -> {
      s.getMetadata().getAnnotations().put("ironlb.io/ip-conflict", "198.51.100.200 02:00:00:00:00:50");
      return s;
    });

    await().atMost(SOON).until(() -> cluster.ingress("default", "web"), ips -> ips.equals(List.of("198.51.100.201")));
    cluster.create(loadBalancer("default", "next").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "next"), ips -> ips.equals(List.of("198.51.100.202")));
    await().atMost(SOON).untilAsserted(() -> assertThat(pool("lan-pool").getStatus()).isNotNull()
        .satisfies(st -> assertThat(st.availableIPv4()).isZero()));
  }

  @Test
  void anExplicitlyRequestedAddressInConflictIsNotHandedOut() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.202");
    startController();
    cluster.create(loadBalancer("default", "pinned").editMetadata()
        .withAnnotations(Map.of("metallb.io/loadBalancerIPs", "198.51.100.201")).endMetadata().build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "pinned"), ips -> ips.equals(List.of("198.51.100.201")));
    awaitPoolAnnotation("pinned");

    cluster.client().services().inNamespace("default").withName("pinned").edit(s -> {
      s.getMetadata().getAnnotations().put("ironlb.io/ip-conflict", "198.51.100.201 02:00:00:00:00:50");
      return s;
    });
    await().atMost(SOON).until(() -> cluster.events("default", "pinned"),
        e -> e.stream().anyMatch(m -> m.startsWith("Warning AllocationFailed") && m.contains("02:00:00:00:00:50")));
    assertThat(cluster.ingress("default", "pinned")).isEmpty();

    // The speaker removes its report once a probe finds the address free again.
    cluster.client().services().inNamespace("default").withName("pinned").edit(s -> {
      s.getMetadata().getAnnotations().remove("ironlb.io/ip-conflict");
      return s;
    });
    await().atMost(SOON).until(() -> cluster.ingress("default", "pinned"), ips -> ips.equals(List.of("198.51.100.201")));
  }

  record BadInput(String name, Map<String, String> annotations, String specLoadBalancerIp, String expectedReason, String expectedText) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<BadInput> badInputs() {
    return Stream.of(
        new BadInput("annotation that is not an IP", Map.of("metallb.io/loadBalancerIPs", "banana"), null,
            "LoadBalancerFailed", "banana"),
        new BadInput("three IPs", Map.of("metallb.io/loadBalancerIPs", "198.51.100.201,198.51.100.202,2001:db8:86::201"), null,
            "LoadBalancerFailed", "198.51.100.202"),
        new BadInput("two IPs of one family", Map.of("metallb.io/loadBalancerIPs", "198.51.100.201,198.51.100.202"), null,
            "LoadBalancerFailed", "198.51.100.202"),
        new BadInput("IP outside every pool", Map.of("metallb.io/loadBalancerIPs", "203.0.113.9"), null,
            "AllocationFailed", "203.0.113.9"),
        new BadInput("IP held by a service it may not share with", Map.of("metallb.io/loadBalancerIPs", "198.51.100.200"), null,
            "AllocationFailed", "198.51.100.200"),
        new BadInput("both the annotation and spec.loadBalancerIP", Map.of("metallb.io/loadBalancerIPs", "198.51.100.205"),
            "198.51.100.205", "LoadBalancerFailed", "loadBalancerIP"),
        new BadInput("a pool that does not exist", Map.of("metallb.io/address-pool", "nope"), null,
            "AllocationFailed", "nope"),
        new BadInput("a deprecated annotation that is not an IP, named as written", Map.of("metallb.universe.tf/loadBalancerIPs", "banana"),
            null, "LoadBalancerFailed", "metallb.universe.tf/loadBalancerIPs: \"banana\" is not an IP address"));
  }

  @ParameterizedTest
  @MethodSource("badInputs")
  void badInputGetsAWarningNamingItAndDisturbsNoOne(BadInput c) throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220", "2001:db8:86::200-2001:db8:86::220");
    startController();
    cluster.create(loadBalancer("default", "holder").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "holder"), ips -> ips.equals(List.of("198.51.100.200")));

    cluster.create(loadBalancer("default", "bad").editMetadata().withAnnotations(c.annotations()).endMetadata()
        .editSpec().withLoadBalancerIP(c.specLoadBalancerIp()).endSpec().build());
    cluster.create(loadBalancer("default", "after").build());

    await().atMost(SOON).until(() -> cluster.events("default", "bad"),
        e -> e.stream().anyMatch(m -> m.startsWith("Warning " + c.expectedReason()) && m.contains(c.expectedText())));
    await().atMost(SOON).until(() -> cluster.ingress("default", "after"), ips -> ips.equals(List.of("198.51.100.201")));
    assertThat(cluster.ingress("default", "bad")).isEmpty();
    assertThat(cluster.ingress("default", "holder")).containsExactly("198.51.100.200");
  }

  /**
   * A Service as MetalLB's controller meets it (controller_test.go and service.go; notes section 3):
   * the event it must get, with MetalLB's type, reason and message, and the addresses it ends with.
   */
  record EdgeCase(String name, String policy, List<String> families, List<String> clusterIps, List<String> ingressBefore,
      String event, List<String> ingressAfter) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<EdgeCase> serviceEdgeCases() {
    return Stream.of(
        new EdgeCase("RequireDualStack with one ClusterIP is refused with MetalLB's warning and gets no address",
            "RequireDualStack", List.of("IPv4"), List.of("10.96.0.10"), List.of(),
            "Warning not enough clusterips: Service requires dual stack but not enough clusterips [10.96.0.10]", List.of()),
        new EdgeCase("RequireDualStack with one ClusterIP loses the addresses it had",
            "RequireDualStack", List.of("IPv4", "IPv6"), List.of("10.96.0.10"), List.of("198.51.100.200", "2001:db8:86::200"),
            "Warning not enough clusterips: Service requires dual stack but not enough clusterips [10.96.0.10]", List.of()),
        new EdgeCase("RequireDualStack with one family and no ClusterIPs (an API server that assigns none) is refused too",
            "RequireDualStack", List.of("IPv4"), List.of(), List.of(),
            "Warning not enough clusterips: Service requires dual stack but not enough clusterips [] (no ClusterIPs; "
                + "spec.ipFamilies lists [IPv4])", List.of()),
        new EdgeCase("RequireDualStack with two ClusterIPs gets one address of each family",
            "RequireDualStack", List.of("IPv4", "IPv6"), List.of("10.96.0.10", "fd00::10"), List.of(),
            "Normal IPAllocated: Assigned IP [198.51.100.200, 2001:db8:86::200]", List.of("198.51.100.200", "2001:db8:86::200")),
        new EdgeCase("three ingress addresses: warning nolbIPsIPFamily, then a fresh allocation (controller_test.go)",
            "SingleStack", List.of("IPv4"), List.of("10.96.0.10"), List.of("198.51.100.200", "198.51.100.201", "198.51.100.202"),
            "Warning nolbIPsIPFamily: Failed to retrieve LBIPs IPFamily for [\"198.51.100.200\" \"198.51.100.201\" \"198.51.100.202\"]:"
                + " IPFamilyForAddresses: invalid ips length 3 [\"198.51.100.200\" \"198.51.100.201\" \"198.51.100.202\"]",
            List.of("198.51.100.200")),
        new EdgeCase("two ingress addresses of one family: warning nolbIPsIPFamily, then a fresh allocation",
            "SingleStack", List.of("IPv4"), List.of("10.96.0.10"), List.of("198.51.100.205", "198.51.100.206"),
            "Warning nolbIPsIPFamily: Failed to retrieve LBIPs IPFamily for [\"198.51.100.205\" \"198.51.100.206\"]:"
                + " IPFamilyForAddresses: same address family [\"198.51.100.205\" \"198.51.100.206\"]",
            List.of("198.51.100.200")),
        new EdgeCase("an ingress entry that is not an address: warning nolbIPsIPFamily, then a fresh allocation",
            "SingleStack", List.of("IPv4"), List.of("10.96.0.10"), List.of("not-an-ip"),
            "Warning nolbIPsIPFamily: Failed to retrieve LBIPs IPFamily for [\"<nil>\"]: IPFamilyForAddresses: Invalid address [\"<nil>\"]",
            List.of("198.51.100.200")));
  }

  @ParameterizedTest
  @MethodSource("serviceEdgeCases")
  void serviceEdgeCasesGetMetalLbsEventAndOutcome(EdgeCase c) throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220", "2001:db8:86::200-2001:db8:86::220");
    Service created = cluster.create(loadBalancer("default", "edge").editSpec().withIpFamilyPolicy(c.policy())
        .withIpFamilies(c.families()).withClusterIPs(c.clusterIps()).endSpec().build());
    if (!c.ingressBefore().isEmpty()) {
      // What another controller (or an older IronLB) left in the status before this one starts.
      cluster.client().services().resource(created).editStatus(svc -> {
        svc.setStatus(new ServiceStatusBuilder().withNewLoadBalancer().withIngress(c.ingressBefore().stream()
            .map(ip -> new LoadBalancerIngressBuilder().withIp(ip).build()).toList()).endLoadBalancer().build());
        return svc;
      });
    }
    startController();

    await().atMost(SOON).until(() -> cluster.events("default", "edge"), e -> e.contains(c.event()));
    await().atMost(SOON).until(() -> cluster.ingress("default", "edge"), ips -> ips.equals(c.ingressAfter()));
    if (c.ingressAfter().isEmpty()) {
      assertThat(cluster.events("default", "edge")).noneMatch(e -> e.contains("IPAllocated"));
    }
  }

  @Test
  void aServiceHoldingAnAddressKeepsItWhenItsRequestBecomesUnreadable() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    startController();
    cluster.create(loadBalancer("default", "web").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "web"), ips -> ips.equals(List.of("198.51.100.200")));
    awaitPoolAnnotation("web");

    cluster.client().services().inNamespace("default").withName("web").edit(s -> {
      s.getMetadata().getAnnotations().put("metallb.io/loadBalancerIPs", "banana");
      return s;
    });

    // MetalLB keeps serving the Service and says why it ignores the request.
    await().atMost(SOON).until(() -> cluster.events("default", "web"), e -> e.stream().anyMatch(m -> m.startsWith(
        "Warning LoadBalancerFailed: invalid requested loadbalancer IPs: metallb.io/loadBalancerIPs: \"banana\" is not an IP address")));
    assertThat(cluster.ingress("default", "web")).containsExactly("198.51.100.200");
    cluster.create(loadBalancer("default", "other").build());
    await().atMost(SOON).until(() -> cluster.ingress("default", "other"), ips -> ips.equals(List.of("198.51.100.201")));
  }

  @Test
  void anAllocationCostsOneStatusPatchOneAnnotationPatchAndOneEventWithNoRead() throws Exception {
    cluster.pool("lan-pool", "198.51.100.0/24");
    String agent = "ironlb-test/controller";
    var config = new ConfigBuilder(cluster.client().getConfiguration()).withUserAgent(agent).build();
    startController(new KubernetesClientBuilder().withConfig(config).build());
    await().atMost(SOON).until(() -> pool("lan-pool").getStatus() != null);
    drain(agent);

    int n = 20;
    for (int i = 0; i < n; i++) {
      cluster.create(loadBalancer("default", "svc-" + i).build());
    }
    await().atMost(SOON).until(() -> pool("lan-pool").getStatus().assignedIPv4() == n);

    Map<String, Long> requests = drain(agent);
    assertThat(requests).as("requests of the controller for %d allocations", n).containsOnlyKeys(
        "PATCH services/NAME/status", "PATCH services/NAME", "POST events", "PATCH ipaddresspools/NAME/status");
    assertThat(requests.get("PATCH services/NAME/status")).isEqualTo(n);
    assertThat(requests.get("PATCH services/NAME")).isEqualTo(n);
    assertThat(requests.get("POST events")).isEqualTo(n);
    // Pool status at most about once a second: a burst of 20 allocations is a few writes, not 20.
    assertThat(requests.get("PATCH ipaddresspools/NAME/status")).isLessThan(n / 2);
  }

  @Test
  void aPoolStatusWriteOrANodeHeartbeatDoesNotReconcileEveryService() throws Exception {
    cluster.pool("lan-pool", "198.51.100.0/24");
    cluster.node("node-a", "203.0.113.11");
    AllocationController controller = startController();
    int n = 30;
    for (int i = 0; i < n; i++) {
      cluster.create(loadBalancer("default", "svc-" + i).build());
    }
    await().atMost(SOON).until(() -> pool("lan-pool").getStatus() != null && pool("lan-pool").getStatus().assignedIPv4() == n);
    long before = controller.serviceReconciles();

    // One more Service: its reconcile, then the pool status write it causes comes back as a pool update.
    cluster.create(loadBalancer("default", "one-more").build());
    await().atMost(SOON).until(() -> pool("lan-pool").getStatus().assignedIPv4() == n + 1);
    // A Node update that leaves its addresses alone (kubelet status, a speaker's annotation).
    cluster.client().nodes().withName("node-a").edit(node -> {
      node.getMetadata().setAnnotations(Map.of("ironlb.io/mac-addresses", "eth0=02:00:00:00:00:01"));
      return node;
    });
    // A pool edit that changes what can be handed out still reconciles them all, once.
    cluster.client().resources(IPAddressPool.class).inNamespace(MockCluster.CONFIG_NAMESPACE).withName("lan-pool").edit(p -> {
      p.setSpec(new IPAddressPoolSpec(List.of("198.51.100.0/24", "203.0.113.128/28"), null, null, null));
      return p;
    });
    await().atMost(SOON).until(() -> controller.serviceReconciles() - before >= n + 2);

    // The new Service is reconciled for its creation and for the echoes of its two writes (1 to 3),
    // then every Service once for the pool edit; a pool status write or the Node update would add n + 1 each.
    assertThat(controller.serviceReconciles() - before).isBetween(1L + (n + 1), 3L + (n + 1));
  }

  private Map<String, Long> drain(String agent) throws InterruptedException {
    Map<String, Long> out = new TreeMap<>();
    RecordedRequest r;
    while ((r = cluster.server().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (agent.equals(r.getHeader("User-Agent"))) {
        String path = r.getPath().replaceAll("\\?.*", "");
        String kind = path.replaceAll("^/apis?/(v1/|[^/]+/[^/]+/)(namespaces/[^/]+/)?", "").replaceAll("^([a-z0-9]+)/[^/]+", "$1/NAME");
        if (!r.getMethod().equals("GET") || kind.contains("/NAME")) {
          out.merge(r.getMethod() + " " + kind, 1L, Long::sum);
        }
      }
    }
    return out;
  }

  /** The controller's last write for a new assignment; editing before it would race with it. */
  private void awaitPoolAnnotation(String service) {
    await().atMost(SOON).until(() -> cluster.service("default", service).getMetadata().getAnnotations(),
        a -> a != null && a.containsKey("metallb.io/ip-allocated-from-pool"));
  }

  private IPAddressPool pool(String name) {
    return cluster.client().resources(IPAddressPool.class).inNamespace(MockCluster.CONFIG_NAMESPACE).withName(name).get();
  }
}
