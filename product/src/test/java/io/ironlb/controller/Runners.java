package io.ironlb.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.testing.MockCluster;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;

/** A controller replica as ControllerCommand runs it, against the mock cluster, with a short Lease. */
final class Runners {
  private Runners() {}

  static ControllerCommand.ControllerRunner replica(KubernetesClient client, String identity) {
    return new ControllerCommand.ControllerRunner(client, new AllocationController.Config(MockCluster.CONFIG_NAMESPACE, ""),
        identity, "ironlb-controller", Duration.ofSeconds(2), new ControllerMetrics(new PrometheusRegistry()), "memberlist");
  }
}
