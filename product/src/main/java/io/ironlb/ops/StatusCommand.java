package io.ironlb.ops;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ironlb status}, also {@code kubectl ironlb status}. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Per LoadBalancer Service: its addresses, pool, the node announcing it, that node's interface and MAC, and",
      "any address conflict; per pool: addresses used and free; per node: its speaker and MACs (compare with",
      "`arp -n` on a client). Reads only. Exit code 2 when the API server cannot be read."
    })
public final class StatusCommand implements Callable<Integer> {
  @CommandLine.Mixin ClusterOptions cluster;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (KubernetesClient client = cluster.client()) {
      ClusterSnapshot snap = cluster.read(client, "status", err);
      if (snap == null) {
        return 2;
      }
      StatusReport.of(snap).print(out, Instant.now());
      if (!snap.unreadable().isEmpty()) {
        out.println();
        snap.unreadable().forEach((what, why) -> out.println("Not shown: " + what + " (" + why + ")"));
      }
      out.flush();
      return 0;
    }
  }
}
