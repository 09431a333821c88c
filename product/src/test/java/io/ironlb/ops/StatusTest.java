package io.ironlb.ops;

import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ironlb.cli.Main;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IPAddressPoolStatus;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.MetalLb;
import io.ironlb.k8s.ServiceL2Status;
import io.ironlb.model.ServiceKey;
import io.ironlb.ops.StatusReport.ServiceRow;
import io.ironlb.testing.MockCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code ironlb status} against the mock API server: what a user sees for each situation of a Service. */
class StatusTest {

  /** @param row the expected row of default/openwebui; @param prints text the rendered report contains */
  record Case(String name, Consumer<MockCluster> setup, ServiceRow row, List<String> prints) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final ServiceKey OPENWEBUI = new ServiceKey("default", "openwebui");

  static Stream<Case> cases() {
    return Stream.of(
        new Case("announced: node, interface and the node's one MAC", c -> {
          service(c, "192.168.86.200", Map.of());
          l2Status(c, "l2-default-openwebui", "spark-2959", "enP7s7");
        }, new ServiceRow(OPENWEBUI, List.of("192.168.86.200"), "lan-pool", "spark-2959", List.of("enP7s7"),
            List.of("02:00:00:00:00:11"), null),
            List.of("default/openwebui  192.168.86.200  lan-pool  spark-2959    enP7s7     02:00:00:00:00:11  -")),
        new Case("announced by a node with two links: the MAC of the announcing interface, as arp -n shows it", c -> {
          OpsFixture.node(c, "spark-ba63", "192.168.86.12", Map.of(), "enP7s7=02:00:00:00:00:12,enp1s0f0np0=02:00:00:00:01:12");
          service(c, "192.168.86.200", Map.of());
          l2Status(c, "l2-default-openwebui", "spark-ba63", "enP7s7");
        }, new ServiceRow(OPENWEBUI, List.of("192.168.86.200"), "lan-pool", "spark-ba63", List.of("enP7s7"),
            List.of("02:00:00:00:00:12"), null),
            List.of("spark-ba63    enP7s7     02:00:00:00:00:12", "enP7s7=02:00:00:00:00:12,enp1s0f0np0=02:00:00:00:01:12")),
        new Case("announced by a node whose older speaker published bare MACs: all of them", c -> {
          OpsFixture.node(c, "spark-ba63", "192.168.86.12", Map.of(), "02:00:00:00:00:12,02:00:00:00:01:12");
          service(c, "192.168.86.200", Map.of());
          l2Status(c, "l2-default-openwebui", "spark-ba63", "enP7s7");
        }, new ServiceRow(OPENWEBUI, List.of("192.168.86.200"), "lan-pool", "spark-ba63", List.of("enP7s7"),
            List.of("02:00:00:00:00:12", "02:00:00:00:01:12"), null),
            List.of("02:00:00:00:00:12,02:00:00:00:01:12")),
        new Case("MetalLB's ServiceL2Status, found by its status rather than its name", c -> {
          service(c, "192.168.86.200", Map.of());
          l2Status(c, "l2-9kx7q", "spark-2959", "enP7s7");
        }, new ServiceRow(OPENWEBUI, List.of("192.168.86.200"), "lan-pool", "spark-2959", List.of("enP7s7"),
            List.of("02:00:00:00:00:11"), null), List.of("spark-2959")),
        new Case("an address but nobody announces it, and why", c -> {
          service(c, "192.168.86.200", Map.of());
          OpsFixture.event(c, "default", "openwebui", "Warning", "announceFailed", "no interface on node \"spark-2959\" can announce "
              + "[192.168.86.200]", Instant.now().minusSeconds(90));
        }, new ServiceRow(OPENWEBUI, List.of("192.168.86.200"), "lan-pool", null, List.of(), List.of(), null),
            List.of("<none>", "default/openwebui  1m ago  announceFailed: no interface on node")),
        new Case("no address yet, with the controller's reason", c -> {
          c.create(loadBalancer("default", "openwebui").build());
          OpsFixture.event(c, "default", "openwebui", "Warning", "AllocationFailed",
              "Failed to allocate IP for \"default/openwebui\": no available IPs", Instant.now());
        }, new ServiceRow(OPENWEBUI, List.of(), null, null, List.of(), List.of(), null),
            List.of("default/openwebui  <pending>", "AllocationFailed: Failed to allocate IP")),
        new Case("a conflict: the report on the Service and the speaker's event", c -> {
          service(c, "192.168.86.201", Map.of(IronLb.ANNOTATION_IP_CONFLICT, "192.168.86.200 3c:22:fb:00:00:50"));
          l2Status(c, "l2-default-openwebui", "spark-2959", "enP7s7");
          OpsFixture.event(c, "default", "openwebui", "Warning", "IPConflict", "IP 192.168.86.200 is in use by a device outside the "
              + "cluster (MAC 3c:22:fb:00:00:50, seen on enP7s7 by node \"spark-2959\"); not announcing it", Instant.now());
        }, new ServiceRow(OPENWEBUI, List.of("192.168.86.201"), "lan-pool", "spark-2959", List.of("enP7s7"),
            List.of("02:00:00:00:00:11"), "192.168.86.200 3c:22:fb:00:00:50"),
            List.of("192.168.86.200 held by 3c:22:fb:00:00:50", "Conflicts (IPConflict events, newest first):",
                "default/openwebui  0s ago  IP 192.168.86.200 is in use by a device outside the cluster (MAC 3c:22:fb:00:00:50")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void serviceRow(Case c) {
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      c.setup().accept(cluster);

      StatusReport report = StatusReport.of(ClusterSnapshot.read(cluster.client(), OpsFixture.NS));
      StringWriter text = new StringWriter();
      report.print(new PrintWriter(text, true), Instant.now());

      assertThat(report.services()).containsExactly(c.row());
      assertThat(text.toString()).as(text.toString()).contains(c.prints());
    }
  }

  @Test
  void poolsShowUseFromTheirStatusAndWhyTheyAreOutOfService() {
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      poolStatus(cluster, "lan-pool", new IPAddressPoolStatus(2L, 0L, 19L, 0L, List.of(new ConditionBuilder().withType("Ready")
          .withStatus("True").withReason("Valid").withMessage("pool is in service").build())));
      cluster.pool("bad", "192.168.86.0/28");
      poolStatus(cluster, "bad", new IPAddressPoolStatus(0L, 0L, 0L, 0L, List.of(new ConditionBuilder().withType("Ready")
          .withStatus("False").withReason("Invalid").withMessage("192.168.86.0/28 contains node IP 192.168.86.11").build())));

      StringWriter text = new StringWriter();
      StatusReport.of(ClusterSnapshot.read(cluster.client(), OpsFixture.NS)).print(new PrintWriter(text, true), Instant.now());

      assertThat(text.toString()).contains(
          "lan-pool  192.168.86.200-192.168.86.220  2/19            -               True",
          "bad       192.168.86.0/28                -               -               False: 192.168.86.0/28 contains node IP 192.168.86.11");
    }
  }

  @Test
  void eachProcessesConfigurationStateIsShownWithItsFirstError() {
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      OpsFixture.configurationState(cluster, "speaker-spark-2959", "Invalid",
          "configuration error: L2Advertisement a: bad\nconfiguration error: L2Advertisement b: bad");

      StatusReport report = StatusReport.of(ClusterSnapshot.read(cluster.client(), OpsFixture.NS));
      StringWriter text = new StringWriter();
      report.print(new PrintWriter(text, true), Instant.now());

      assertThat(report.configuration()).containsExactly(
          new StatusReport.ConfigurationRow("controller", "Valid", List.of()),
          new StatusReport.ConfigurationRow("speaker-spark-2959", "Invalid",
              List.of("configuration error: L2Advertisement a: bad", "configuration error: L2Advertisement b: bad")));
      assertThat(text.toString()).contains("CONFIGURATION       RESULT   ERRORS", "controller          Valid    -",
          "speaker-spark-2959  Invalid  configuration error: L2Advertisement a: bad (+1 more)");
    }
  }

  @Test
  void statusCommandReadsTheKubeconfigAndExitsZero(@TempDir Path dir) throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      service(cluster, "192.168.86.200", Map.of());
      StringWriter out = new StringWriter();

      int code = Main.commandLine().setOut(new PrintWriter(out))
          .execute("status", "--kubeconfig", OpsFixture.kubeconfig(cluster, dir).toString(), "--namespace", OpsFixture.NS);

      assertThat(code).isZero();
      assertThat(out.toString()).contains("SERVICE", "default/openwebui", "POOL", "lan-pool", "NODE", "spark-2959",
          "ironlb-speaker-spark-2959 Running");
    }
  }

  @Test
  void anUnreachableApiServerExitsTwo(@TempDir Path dir) throws Exception {
    Path kubeconfig;
    try (MockCluster cluster = new MockCluster()) {
      kubeconfig = OpsFixture.kubeconfig(cluster, dir);
    }
    StringWriter err = new StringWriter();

    assertThat(Main.commandLine().setErr(new PrintWriter(err)).execute("status", "--kubeconfig", kubeconfig.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("ironlb status: cannot read the cluster");
  }

  private static void service(MockCluster c, String ip, Map<String, String> annotations) {
    c.create(loadBalancer("default", "openwebui").editMetadata().addToAnnotations(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL, "lan-pool")
        .addToAnnotations(annotations).endMetadata().withNewStatus().withNewLoadBalancer()
        .withIngress(new LoadBalancerIngressBuilder().withIp(ip).build()).endLoadBalancer().endStatus().build());
  }

  @Test
  void aVerificationOfTheCurrentAnnouncerIsShownAndOneOfAFormerAnnouncerIsNot() {
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      service(cluster, "192.168.86.200", Map.of());
      l2Status(cluster, "l2-default-openwebui", "spark-2959", "enP7s7");
      annotateL2(cluster, "owner=spark-2959 by=spark-ba63 at=" + Instant.now().minusSeconds(12));
      StatusReport report = StatusReport.of(ClusterSnapshot.read(cluster.client(), OpsFixture.NS));
      StringWriter text = new StringWriter();
      report.print(new PrintWriter(text, true), Instant.now());
      assertThat(text.toString()).contains("default/openwebui  12s ago  spark-2959 answers for 192.168.86.200, as seen by spark-ba63");

      annotateL2(cluster, "owner=spark-ba63 by=spark-2959 at=" + Instant.now());
      assertThat(StatusReport.of(ClusterSnapshot.read(cluster.client(), OpsFixture.NS)).verified()).isEmpty();
    }
  }

  private static void annotateL2(MockCluster c, String value) {
    c.client().resources(ServiceL2Status.class).inNamespace(OpsFixture.NS).withName("l2-default-openwebui").edit(o -> {
      o.getMetadata().setAnnotations(Map.of(io.ironlb.k8s.VerifiedAnnotation.KEY, value));
      return o;
    });
  }

  private static void l2Status(MockCluster c, String name, String node, String iface) {
    ServiceL2Status s = new ServiceL2Status();
    s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(OpsFixture.NS).build());
    var resource = c.client().resources(ServiceL2Status.class).inNamespace(OpsFixture.NS);
    resource.resource(s).create();
    // Status is a subresource: ignored on create, as by a real API server.
    resource.withName(name).editStatus(o -> {
      o.setStatus(new ServiceL2Status.Status(node, "openwebui", "default", List.of(new ServiceL2Status.Interface(iface))));
      return o;
    });
  }

  private static void poolStatus(MockCluster c, String pool, IPAddressPoolStatus status) {
    c.client().resources(IPAddressPool.class).inNamespace(OpsFixture.NS).withName(pool).editStatus(p -> {
      p.setStatus(status);
      return p;
    });
  }
}
