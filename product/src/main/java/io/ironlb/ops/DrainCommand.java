package io.ironlb.ops;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ironlb.k8s.NodeDrainAnnotation;
import io.ironlb.k8s.ServiceL2Status;
import io.ironlb.k8s.Writes;
import io.ironlb.runtime.DurationConverter;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ironlb drain NODE}: moves every address off a node before maintenance, make-before-break
 * (the new owner answers first, then the node goes quiet), and keeps them off until
 * {@code ironlb drain --undo NODE}. Waits until no ServiceL2Status names the node.
 */
@Command(
    name = "drain",
    mixinStandardHelpOptions = true,
    description = {
      "Move every Service address off NODE before maintenance, with no failed request: each new owner answers",
      "ARP/NDP first, then NODE goes quiet. The addresses stay off NODE until `ironlb drain --undo NODE`. An address",
      "no other node can take stays on NODE. Waits (--wait) until no ServiceL2Status names NODE.",
      "Exit code 1 when addresses are still on NODE after --wait, 2 when the API server cannot be reached."
    })
public final class DrainCommand implements Callable<Integer> {
  @CommandLine.Mixin ClusterOptions cluster;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NODE", description = "The node's Kubernetes name.")
  String node;

  @Option(names = "--undo", description = "Let NODE announce again (its addresses may move back to it).")
  boolean undo;

  @Option(names = "--wait", defaultValue = "60s", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "How long to wait for the addresses to move; 0s returns at once (default: ${DEFAULT-VALUE}).")
  Duration waitFor;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (KubernetesClient client = cluster.client()) {
      Node n = client.nodes().withName(node).get();
      if (n == null) {
        err.println("ironlb drain: no Node \"" + node + "\" (kubectl get nodes lists the names)");
        return 1;
      }
      Writes.retryOnConflict(() -> client.nodes().withName(node).edit(x -> {
        Map<String, String> a = new LinkedHashMap<>(x.getMetadata().getAnnotations() == null ? Map.of() : x.getMetadata().getAnnotations());
        if (undo) {
          a.remove(NodeDrainAnnotation.KEY);
        } else {
          a.putIfAbsent(NodeDrainAnnotation.KEY, NodeDrainAnnotation.format(Instant.now()));
        }
        x.getMetadata().setAnnotations(a);
        return x;
      }));
      if (undo) {
        out.println("node " + node + " may announce again (" + NodeDrainAnnotation.KEY + " removed)");
        return 0;
      }
      List<String> on = announcedOn(client);
      out.println("draining node " + node + " (" + NodeDrainAnnotation.KEY + " set): " + on.size() + " services announced there"
          + (on.isEmpty() ? "" : ": " + String.join(", ", on)));
      Instant deadline = Instant.now().plus(waitFor);
      while (!on.isEmpty() && Instant.now().isBefore(deadline)) {
        Thread.sleep(200); // an operator's command watching the API; a watch would be more code for the same wait
        on = announcedOn(client);
      }
      if (!on.isEmpty()) {
        out.println("still on " + node + " after " + waitFor + ": " + String.join(", ", on)
            + " (no other node can take them? see `ironlb status`; they move as soon as one can)");
        return 1;
      }
      out.println("node " + node + " announces nothing; `ironlb drain --undo " + node + "` when maintenance is done");
      return 0;
    } catch (KubernetesClientException e) {
      err.println("ironlb drain: cannot reach the API server: " + e.getMessage());
      return 2;
    }
  }

  /** The Services whose ServiceL2Status names the node. */
  private List<String> announcedOn(KubernetesClient client) {
    return client.resources(ServiceL2Status.class).inNamespace(cluster.namespace).list().getItems().stream()
        .filter(s -> s.getStatus() != null && node.equals(s.getStatus().node()))
        .map(s -> s.getStatus().serviceNamespace() + "/" + s.getStatus().serviceName()).sorted().toList();
  }
}
