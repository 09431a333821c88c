package io.ironlb.ops;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.ironlb.k8s.Kube;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where {@code status} and {@code check} look: the options both share. */
final class ClusterOptions {
  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Kubeconfig file; default: $KUBECONFIG, then ~/.kube/config (as kubectl), then in-cluster.")
  Path kubeconfig;

  @Option(names = "--namespace", defaultValue = "metallb-system",
      description = "IronLB's namespace: pools, advertisements, ServiceL2Status, speaker pods (default: ${DEFAULT-VALUE}).")
  String namespace;

  KubernetesClient client() {
    // These tools print tables, not log lines: the client's own warnings would only clutter them.
    if (org.slf4j.LoggerFactory.getLogger("io.fabric8") instanceof ch.qos.logback.classic.Logger l) {
      l.setLevel(ch.qos.logback.classic.Level.ERROR);
    }
    KubernetesClient client = Kube.client(kubeconfig);
    // A person is waiting: one quick retry, not the controller's patient back-off.
    Config quick = new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(1).withRequestRetryBackoffInterval(200)
        .withConnectionTimeout(5_000).withRequestTimeout(20_000).build();
    client.close();
    return new KubernetesClientBuilder().withConfig(quick).build();
  }

  /** Reads the cluster once; null (after saying why on {@code err}) when the API server cannot be read at all. */
  ClusterSnapshot read(KubernetesClient client, String command, java.io.PrintWriter err) {
    ClusterSnapshot snap = ClusterSnapshot.read(client, namespace);
    String why = unreachable(snap);
    if (why != null) {
      err.println("ironlb " + command + ": cannot read the cluster at " + client.getMasterUrl() + ": " + why);
      err.flush();
      return null;
    }
    return snap;
  }

  /** Null when the snapshot is usable; otherwise why the API server could not be read at all. */
  static String unreachable(ClusterSnapshot snap) {
    String services = snap.unreadable().get("services");
    String nodes = snap.unreadable().get("nodes");
    return services != null && nodes != null ? services : null;
  }
}
