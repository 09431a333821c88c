package io.ironlb.deploy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.ironlb.testing.MockCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a component's code against the mock API server with a client of its own, told apart by
 * its User-Agent, and collects the requests that client made: what the component's
 * ServiceAccount must be allowed to do.
 */
final class Exercise {
  private final MockCluster cluster;
  private final String agent;
  private final List<ApiCall> calls = new ArrayList<>();

  Exercise(MockCluster cluster, String component) {
    this.cluster = cluster;
    this.agent = "ironlb-rbac-exercise/" + component;
  }

  /** A client whose every request is recorded as this component's. */
  KubernetesClient client() {
    Config config = new ConfigBuilder(cluster.client().getConfiguration()).withUserAgent(agent).build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** The component's requests so far (the test's own set-up requests are left out). */
  List<ApiCall> calls() throws InterruptedException {
    RecordedRequest r;
    while ((r = cluster.server().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (agent.equals(r.getHeader("User-Agent"))) {
        ApiCall call = ApiCall.of(r.getMethod(), r.getPath());
        if (call != null) {
          calls.add(call);
        }
      }
    }
    return List.copyOf(calls);
  }
}
