package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.ironlb.testing.MockCluster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ConfigurationState a process keeps, against the mock API server, as MetalLB's processes write theirs. */
class ConfigurationStateReporterTest {
  private static final Duration SOON = Duration.ofSeconds(10);

  private static ConfigurationState read(MockCluster cluster, String name) {
    return cluster.client().resources(ConfigurationState.class).inNamespace(MockCluster.CONFIG_NAMESPACE).withName(name).get();
  }

  private static ConfigurationStateReporter controller(KubernetesClient client) {
    return new ConfigurationStateReporter(client, MockCluster.CONFIG_NAMESPACE, "controller",
        Map.of(ConfigurationState.COMPONENT_LABEL, "controller"), null, "poolReconcilerValid", Clock.systemUTC(),
        Duration.ofMillis(50));
  }

  @Test
  void errorsMakeItInvalidWithOneLinePerErrorAndNoneMakeItValid() {
    var invalid = ConfigurationStateReporter.statusFor(List.of("IPAddressPool a: bad", "IPAddressPool b: worse"),
        "poolReconcilerValid", "2025-01-01T00:00:00Z");
    var valid = ConfigurationStateReporter.statusFor(List.of(), "poolReconcilerValid", "2025-01-01T00:00:00Z");

    assertThat(invalid.result()).isEqualTo("Invalid");
    assertThat(invalid.errorSummary()).isEqualTo("configuration error: IPAddressPool a: bad\nconfiguration error: IPAddressPool b: worse");
    assertThat(invalid.conditions()).singleElement().satisfies(c -> {
      assertThat(c.getType()).isEqualTo("poolReconcilerValid");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("ConfigurationError");
      assertThat(c.getMessage()).isEqualTo(invalid.errorSummary());
    });
    assertThat(valid.result()).isEqualTo("Valid");
    assertThat(valid.errorSummary()).isNull();
    assertThat(valid.conditions()).singleElement().satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("Reconciled");
    });
  }

  @Test
  void theObjectFollowsTheReportsWithLabelsAndOwner() {
    try (MockCluster cluster = new MockCluster(); KubernetesClient client = cluster.newClient();
        var reporter = new ConfigurationStateReporter(client, MockCluster.CONFIG_NAMESPACE, "speaker-node-a",
            Map.of(ConfigurationState.COMPONENT_LABEL, "speaker", ConfigurationState.NODE_LABEL, "node-a"),
            new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node").withName("node-a").withUid("uid-a").build(),
            "configReconcilerValid", Clock.systemUTC(), Duration.ofMillis(50))) {
      reporter.report(List.of("L2Advertisement lan: duplicate definition of ipAddressPools \"lan-pool\""));

      await().atMost(SOON).until(() -> read(cluster, "speaker-node-a"), o -> o != null && o.getStatus() != null
          && "Invalid".equals(o.getStatus().result()));
      ConfigurationState o = read(cluster, "speaker-node-a");
      assertThat(o.getStatus().errorSummary()).isEqualTo("configuration error: L2Advertisement lan: duplicate definition of ipAddressPools \"lan-pool\"");
      assertThat(o.getMetadata().getLabels()).containsEntry("metallb.io/component-type", "speaker").containsEntry("metallb.io/node-name", "node-a");
      assertThat(o.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> assertThat(r.getName()).isEqualTo("node-a"));

      reporter.report(List.of());
      await().atMost(SOON).until(() -> read(cluster, "speaker-node-a").getStatus().result(), "Valid"::equals);
      assertThat(read(cluster, "speaker-node-a").getStatus().errorSummary()).isNull();
    }
  }

  @Test
  void theSameReportIsWrittenOnceAndAnExistingObjectIsTakenOver() throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      String agent = "ironlb-test/configuration-state";
      Config config = new ConfigBuilder(cluster.client().getConfiguration()).withUserAgent(agent).build();
      try (KubernetesClient first = cluster.newClient(); var before = controller(first)) {
        before.report(List.of("IPAddressPool a: bad"));
        await().atMost(SOON).until(before::settled);
      }
      cluster.takeRequests(agent);
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build(); var reporter = controller(client)) {
        for (int i = 0; i < 50; i++) {
          reporter.report(List.of());
        }
        await().atMost(SOON).until(reporter::settled);
        reporter.report(List.of());

        assertThat(read(cluster, "controller").getStatus().result()).isEqualTo("Valid");
        // A restarted process: one create (refused, 409: the object is there) and one status patch, however often it reports.
        assertThat(cluster.takeRequests(agent)).containsExactly(
            "POST /apis/metallb.io/v1beta1/namespaces/metallb-system/configurationstates",
            "PATCH /apis/metallb.io/v1beta1/namespaces/metallb-system/configurationstates/controller/status");
      }
    }
  }

  @Test
  void reportsMadeWhileTheApiServerIsAwayAreWrittenWhenItAnswers() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Config config = new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + port).withNamespace("default")
        .withRequestRetryBackoffLimit(0).withConnectionTimeout(500).withRequestTimeout(500).build();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build(); var reporter = controller(client)) {
      reporter.report(List.of("IPAddressPool a: first problem"));
      reporter.report(List.of("IPAddressPool a: second problem"));
      assertThat(reporter.settled()).isFalse();

      KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
          new KubernetesCrudDispatcher(), false);
      server.init(InetAddress.getLoopbackAddress(), port);
      try (KubernetesClient admin = server.createClient()) {
        for (var crd : IronLbCrds.all()) {
          admin.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
        await().atMost(SOON).until(reporter::settled);
        ConfigurationState o = admin.resources(ConfigurationState.class).inNamespace(MockCluster.CONFIG_NAMESPACE)
            .withName("controller").get();
        assertThat(o.getStatus().errorSummary()).isEqualTo("configuration error: IPAddressPool a: second problem");
      } finally {
        server.destroy();
      }
    }
  }
}
