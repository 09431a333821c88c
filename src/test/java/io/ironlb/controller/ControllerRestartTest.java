package io.ironlb.controller;

import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.testing.MockCluster;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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

  private ControllerCommand.ControllerRunner runner(KubernetesClient client, String identity) {
    return new ControllerCommand.ControllerRunner(client, new AllocationController.Config(MockCluster.CONFIG_NAMESPACE, ""),
        identity, "ironlb-controller", Duration.ofSeconds(2), new ControllerMetrics(new PrometheusRegistry()), "memberlist");
  }

  private Map<String, List<String>> assignments() {
    Map<String, List<String>> out = new HashMap<>();
    for (Service s : cluster.client().services().inNamespace("default").list().getItems()) {
      out.put(s.getMetadata().getName(), MockCluster.ingress(s));
    }
    return out;
  }

  @Test
  void thousandServicesSurviveARestartWithZeroAddressChanges() throws Exception {
    cluster.pool("lan-pool", "198.51.100.0/24", "203.0.113.0/24", "2001:db8:86::/64");
    int count = 1000;
    try (KubernetesClient client = cluster.newClient(); var first = runner(client, "first")) {
      first.start();
      for (int i = 0; i < count; i++) {
        var b = loadBalancer("default", "svc-" + i);
        // Documentation ranges hold 512 IPv4 addresses: half the services are IPv6-only.
        if (i % 2 == 1) {
          b.editSpec().withIpFamilyPolicy("SingleStack").withIpFamilies("IPv6").endSpec();
        } else if (i % 10 == 0) {
          b.editSpec().withIpFamilyPolicy("PreferDualStack").withIpFamilies("IPv4", "IPv6").endSpec();
        }
        cluster.create(b.build());
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> assignments().values().stream().filter(ips -> !ips.isEmpty()).count() == count);
    }
    Map<String, List<String>> before = assignments();
    assertThat(before.values()).allSatisfy(ips -> assertThat(ips).isNotEmpty());
    // A newcomer created while no controller runs must not take anyone's address after the restart.
    cluster.create(loadBalancer("default", "newcomer").build());

    try (KubernetesClient client = cluster.newClient(); var second = runner(client, "second")) {
      second.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> !cluster.ingress("default", "newcomer").isEmpty());
      assertThat(second.controller().awaitReady(Duration.ofSeconds(30))).isTrue();
      Map<String, List<String>> after = assignments();
      after.remove("newcomer");
      assertThat(after).isEqualTo(before);
      assertThat(before.values()).noneMatch(ips -> ips.contains(cluster.ingress("default", "newcomer").getFirst()));
    }
  }

  @Test
  void twoReplicasNeverBothWrite() throws Exception {
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    AtomicInteger leaders = new AtomicInteger();
    try (KubernetesClient a = cluster.newClient(); KubernetesClient b = cluster.newClient();
        var one = runner(a, "one"); var two = runner(b, "two")) {
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
    var one = runner(a, "one");
    try (b; var two = runner(b, "two")) {
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
