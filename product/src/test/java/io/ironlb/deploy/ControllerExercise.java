package io.ironlb.deploy;

import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.controller.AllocationController;
import io.ironlb.controller.ControllerCommand.ControllerRunner;
import io.ironlb.controller.ControllerMetrics;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IronLb;
import io.ironlb.testing.MockCluster;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The controller's whole life against the mock API server: it wins the Lease, creates the
 * membership Secret, allocates (with a deprecated annotation and a bad pool on the way), moves a
 * service off an address a speaker reported as taken, releases one that stops being a
 * LoadBalancer, and gives the Lease back on shutdown.
 */
final class ControllerExercise {
  private static final Duration SOON = Duration.ofSeconds(10);

  private ControllerExercise() {}

  static List<ApiCall> run(MockCluster cluster) throws Exception {
    Exercise exercise = new Exercise(cluster, "controller");
    cluster.namespace("apps", Map.of());
    cluster.node("node-a", "198.51.100.11");
    cluster.pool("lan-pool", "198.51.100.200-198.51.100.220");
    cluster.pool("pool-on-a-node", "198.51.100.11/32");
    cluster.create(loadBalancer("apps", "web")
        .editMetadata().addToAnnotations("metallb.universe.tf/address-pool", "lan-pool").endMetadata().build());

    try (KubernetesClient client = exercise.client();
        ControllerRunner runner = new ControllerRunner(client, new AllocationController.Config(MockCluster.CONFIG_NAMESPACE, ""),
            "controller-0", "ironlb-controller", Duration.ofSeconds(15), new ControllerMetrics(new PrometheusRegistry()), "memberlist")) {
      runner.start();
      await().atMost(SOON).until(() -> runner.controller() != null && runner.controller().awaitReady(Duration.ofMillis(100)));
      await().atMost(SOON).until(() -> cluster.ingress("apps", "web"), ips -> ips.equals(List.of("198.51.100.200")));
      await().atMost(SOON).until(() -> poolStatusWritten(cluster, "lan-pool") && poolStatusWritten(cluster, "pool-on-a-node"));

      // A speaker found a foreign device on .200: the service moves.
      cluster.client().services().inNamespace("apps").withName("web").edit(s -> {
        s.getMetadata().getAnnotations().put(IronLb.ANNOTATION_IP_CONFLICT, "198.51.100.200 02:00:00:00:00:99");
        return s;
      });
      await().atMost(SOON).until(() -> cluster.ingress("apps", "web"), ips -> ips.equals(List.of("198.51.100.201")));

      // No longer a LoadBalancer: address and pool annotation are taken back.
      cluster.client().services().inNamespace("apps").withName("web").edit(s -> {
        s.getSpec().setType("ClusterIP");
        return s;
      });
      await().atMost(SOON).until(() -> cluster.ingress("apps", "web"), List::isEmpty);
      await().atMost(SOON).until(() -> cluster.events(MockCluster.CONFIG_NAMESPACE, "pool-on-a-node"), e -> !e.isEmpty());
    }
    return exercise.calls();
  }

  private static boolean poolStatusWritten(MockCluster cluster, String pool) {
    IPAddressPool p = cluster.client().resources(IPAddressPool.class).inNamespace(MockCluster.CONFIG_NAMESPACE).withName(pool).get();
    return p != null && p.getStatus() != null;
  }
}
