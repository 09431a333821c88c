package io.ironlb.ops;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ironlb check}, also {@code kubectl ironlb check}. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Preflight and health check: kube-proxy's strictARP in IPVS mode, IronLB's CRDs, MetalLB left running,",
      "a running speaker on every node, pools (valid, clear of node addresses and of each other, advertised),",
      "advertisements (existing pools, usable interfaces), the nodes' interfaces (Wi-Fi, bond or bridge members,",
      "subnets; as each speaker publishes them) and address conflicts. Each problem comes with its fix.",
      "Exit code 0 when nothing is wrong, 1 when something is, 2 when the API server cannot be read."
    })
public final class CheckCommand implements Callable<Integer> {
  @CommandLine.Mixin ClusterOptions cluster;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (KubernetesClient client = cluster.client()) {
      ClusterSnapshot snap = cluster.read(client, "check", err);
      if (snap == null) {
        return 2;
      }
      List<Finding> findings = Checks.all(snap);
      print(out, findings);
      out.flush();
      return findings.stream().anyMatch(f -> f.level() == Finding.Level.PROBLEM) ? 1 : 0;
    }
  }

  static void print(PrintWriter out, List<Finding> findings) {
    int width = 0;
    for (Finding.Check c : Finding.Check.values()) {
      width = Math.max(width, c.title().length());
    }
    String indent = " ".repeat(10 + width + 1);
    for (Finding f : findings) {
      String tag = switch (f.level()) {
        case OK -> "[ok]";
        case NOTE -> "[note]";
        case WARNING -> "[warning]";
        case PROBLEM -> "[PROBLEM]";
      };
      out.println(String.format("%-9s %-" + width + "s %s", tag, f.check().title(),
          (f.subject().isEmpty() ? "" : f.subject() + ": ") + f.message()).stripTrailing());
      if (!f.fix().isEmpty()) {
        String[] lines = f.fix().split("\n");
        out.println(indent + "fix: " + lines[0]);
        for (int i = 1; i < lines.length; i++) {
          out.println(indent + "     " + lines[i]);
        }
      }
    }
    long problems = count(findings, Finding.Level.PROBLEM);
    String others = counted(count(findings, Finding.Level.WARNING), "warning") + counted(count(findings, Finding.Level.NOTE), "note");
    out.println();
    out.println(problems == 0
        ? "ironlb check: no problems" + (others.isEmpty() ? "" : " (" + others.substring(2) + ")")
            + "; `ironlb status` shows what is announced where"
        : "ironlb check: " + problems + " problem" + (problems == 1 ? "" : "s") + others);
  }

  private static long count(List<Finding> findings, Finding.Level level) {
    return findings.stream().filter(f -> f.level() == level).count();
  }

  /** ", 2 warnings", or "" for none. */
  private static String counted(long n, String what) {
    return n == 0 ? "" : ", " + n + " " + what + (n == 1 ? "" : "s");
  }
}
