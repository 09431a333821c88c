package io.ironlb.ops;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.ironlb.k8s.ConfigurationState;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IPAddressPoolStatus;
import io.ironlb.k8s.IpConflictAnnotation;
import io.ironlb.k8s.MembershipAddressAnnotation;
import io.ironlb.k8s.NodeMacsAnnotation;
import io.ironlb.k8s.VerifiedAnnotation;
import io.ironlb.k8s.MetalLb;
import io.ironlb.k8s.ServiceL2Status;
import io.ironlb.k8s.ServiceTranslation;
import io.ironlb.model.IpText;
import io.ironlb.model.ServiceKey;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code ironlb status} shows, computed from a snapshot: per LoadBalancer Service its
 * addresses, pool, announcing node, interfaces, that node's MAC and any conflict; per pool its use;
 * per node its speaker and MACs (to match what {@code arp -n} shows on a client against the cluster).
 */
public record StatusReport(List<ServiceRow> services, List<PoolRow> pools, List<NodeRow> nodes,
    List<ConfigurationRow> configuration, List<Note> conflicts, List<Note> notes, List<Note> verified) {

  /**
   * @param node the announcing node, from its ServiceL2Status; null when nobody announces
   * @param macs the MACs clients see for the address: those of the announcing interfaces, as the
   *     node's speaker published them (every MAC of the node when its speaker did not name interfaces)
   * @param conflict the {@code ironlb.io/ip-conflict} report ({@code "<ip> <mac>"}), or null
   */
  public record ServiceRow(ServiceKey service, List<String> ips, String pool, String node, List<String> interfaces,
      List<String> macs, String conflict) {}

  /** Counts from the pool's status as the controller wrote it; null when it wrote none (yet). */
  public record PoolRow(String name, List<String> addresses, Long usedIPv4, Long freeIPv4, Long usedIPv6, Long freeIPv6,
      String ready, String readyMessage) {}

  public record NodeRow(String name, String speaker, String membership, List<String> macs) {}

  /** One process's ConfigurationState: Valid, Invalid (with its errors, one per line) or Unknown. */
  public record ConfigurationRow(String name, String result, List<String> errors) {}

  /** A line under the tables: a conflict event, or why a Service has no address. */
  public record Note(String subject, Instant at, String message) {}

  private static final List<String> PENDING_REASONS = List.of("AllocationFailed", "LoadBalancerFailed", "announceFailed");

  public static StatusReport of(ClusterSnapshot snap) {
    List<ServiceRow> services = new ArrayList<>();
    List<Note> notes = new ArrayList<>();
    List<Note> verified = new ArrayList<>();
    for (Service s : snap.services()) {
      if (!ServiceTranslation.isLoadBalancer(s)) {
        continue;
      }
      ServiceKey key = ServiceTranslation.key(s);
      Map<String, String> annotations = s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
      List<String> ips = ServiceTranslation.currentIps(s).stream().map(IpText::format).toList();
      ServiceL2Status l2 = l2Status(snap, key);
      String node = l2 == null ? null : l2.getStatus().node();
      List<String> interfaces = l2 == null || l2.getStatus().interfaces() == null ? List.of()
          : l2.getStatus().interfaces().stream().map(ServiceL2Status.Interface::name).toList();
      if (l2 != null && node != null) {
        VerifiedAnnotation.read(l2.getMetadata().getAnnotations()).filter(v -> v.owner().equals(node)).ifPresent(v ->
            verified.add(new Note(key.toString(), v.at(), node + " answers for " + String.join(",", ips) + ", as seen by " + v.by())));
      }
      services.add(new ServiceRow(key, ips, annotations.get(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL), node, interfaces,
          node == null ? List.of() : macsOn(node(snap, node), interfaces), IpConflictAnnotation.raw(annotations)));
      if (ips.isEmpty() || node == null) {
        latest(snap, key, PENDING_REASONS).ifPresent(e -> notes.add(new Note(key.toString(), ClusterSnapshot.eventTime(e),
            e.getReason() + ": " + e.getMessage())));
      }
    }
    List<Note> conflicts = new ArrayList<>();
    for (Event e : snap.events("IPConflict")) {
      var o = e.getInvolvedObject();
      conflicts.add(new Note(o.getNamespace() + "/" + o.getName(), ClusterSnapshot.eventTime(e), e.getMessage()));
    }
    List<PoolRow> pools = new ArrayList<>();
    for (IPAddressPool p : snap.pools()) {
      IPAddressPoolStatus st = p.getStatus();
      Condition ready = st == null || st.conditions() == null ? null
          : st.conditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
      pools.add(new PoolRow(p.getMetadata().getName(), p.getSpec() == null || p.getSpec().addresses() == null ? List.of()
          : p.getSpec().addresses(), st == null ? null : st.assignedIPv4(), st == null ? null : st.availableIPv4(),
          st == null ? null : st.assignedIPv6(), st == null ? null : st.availableIPv6(),
          ready == null ? null : ready.getStatus(), ready == null ? null : ready.getMessage()));
    }
    List<NodeRow> nodes = new ArrayList<>();
    for (Node n : snap.nodes()) {
      Map<String, String> a = n.getMetadata().getAnnotations() == null ? Map.of() : n.getMetadata().getAnnotations();
      nodes.add(new NodeRow(n.getMetadata().getName(), speaker(snap, n.getMetadata().getName()),
          MembershipAddressAnnotation.raw(a), macs(n)));
    }
    List<ConfigurationRow> configuration = new ArrayList<>();
    for (ConfigurationState c : snap.configurationStates()) {
      var st = c.getStatus();
      configuration.add(new ConfigurationRow(c.getMetadata().getName(),
          st == null || st.result() == null ? ConfigurationState.UNKNOWN : st.result(),
          st == null || st.errorSummary() == null || st.errorSummary().isBlank() ? List.of() : List.of(st.errorSummary().split("\n"))));
    }
    return new StatusReport(services, pools, nodes, configuration, conflicts, notes, verified);
  }

  /** The speaker's ServiceL2Status for a service (MetalLB's objects carry the same status fields). */
  private static ServiceL2Status l2Status(ClusterSnapshot snap, ServiceKey key) {
    return snap.l2Statuses().stream()
        .filter(l -> l.getStatus() != null && key.name().equals(l.getStatus().serviceName())
            && key.namespace().equals(l.getStatus().serviceNamespace()))
        .findFirst().orElse(null);
  }

  private static Node node(ClusterSnapshot snap, String name) {
    return snap.nodes().stream().filter(n -> name.equals(n.getMetadata().getName())).findFirst().orElse(null);
  }

  /** Every MAC the node's speaker published, as {@code lan0=02:..} where it named the interface. */
  static List<String> macs(Node n) {
    if (n == null) {
      return List.of();
    }
    return NodeMacsAnnotation.read(n.getMetadata().getAnnotations()).stream()
        .map(m -> m.interfaceName().isEmpty() ? m.mac().toString() : m.interfaceName() + "=" + m.mac()).toList();
  }

  /** The MACs of {@code interfaces} on the node; all of its MACs when its speaker did not name interfaces. */
  static List<String> macsOn(Node n, List<String> interfaces) {
    if (n == null) {
      return List.of();
    }
    List<NodeMacsAnnotation.InterfaceMac> all = NodeMacsAnnotation.read(n.getMetadata().getAnnotations());
    List<String> named = all.stream().filter(m -> interfaces.contains(m.interfaceName())).map(m -> m.mac().toString()).distinct().toList();
    return !named.isEmpty() ? named : all.stream().map(m -> m.mac().toString()).distinct().toList();
  }

  /** "name Running" of the speaker pod on that node, or "none". */
  static String speaker(ClusterSnapshot snap, String node) {
    return Checks.speakerPods(snap).stream().filter(p -> node.equals(p.getSpec().getNodeName()))
        .map(p -> p.getMetadata().getName() + " " + Checks.podState(p)).findFirst().orElse("none");
  }

  private static java.util.Optional<Event> latest(ClusterSnapshot snap, ServiceKey key, List<String> reasons) {
    return snap.events().stream()
        .filter(e -> reasons.contains(e.getReason()) && e.getInvolvedObject() != null
            && "Service".equals(e.getInvolvedObject().getKind()) && key.name().equals(e.getInvolvedObject().getName())
            && key.namespace().equals(e.getInvolvedObject().getNamespace()))
        .max(java.util.Comparator.comparing(ClusterSnapshot::eventTime));
  }

  // ---- rendering ------------------------------------------------------------------------------

  public void print(PrintWriter out, Instant now) {
    TextTable svc = new TextTable("SERVICE", "EXTERNAL-IP", "POOL", "ANNOUNCED BY", "INTERFACE", "MAC", "CONFLICT");
    for (ServiceRow r : services) {
      svc.row(r.service().toString(), r.ips().isEmpty() ? "<pending>" : String.join(",", r.ips()), dash(r.pool()),
          r.node() == null ? "<none>" : r.node(), r.interfaces().isEmpty() ? "-" : String.join(",", r.interfaces()), mac(r),
          r.conflict() == null ? "-" : conflictText(r.conflict()));
    }
    if (svc.isEmpty()) {
      out.println("No LoadBalancer Services.");
    } else {
      svc.print(out);
    }
    out.println();
    TextTable pool = new TextTable("POOL", "ADDRESSES", "IPV4 USED/FREE", "IPV6 USED/FREE", "READY");
    for (PoolRow p : pools) {
      pool.row(p.name(), String.join(",", p.addresses()), usage(p.usedIPv4(), p.freeIPv4()), usage(p.usedIPv6(), p.freeIPv6()),
          p.ready() == null ? "-" : "True".equals(p.ready()) && p.readyMessage() != null && !p.readyMessage().equals("pool is in service")
              ? "True: " + p.readyMessage() : "True".equals(p.ready()) ? "True" : "False: " + p.readyMessage());
    }
    if (pool.isEmpty()) {
      out.println("No IPAddressPools: no Service can get an address (kubectl apply -f deploy/examples/metallb-config.yaml).");
    } else {
      pool.print(out);
    }
    out.println();
    TextTable node = new TextTable("NODE", "SPEAKER", "MEMBERSHIP", "MACS");
    for (NodeRow n : nodes) {
      node.row(n.name(), n.speaker(), dash(n.membership()), n.macs().isEmpty() ? "-" : String.join(",", n.macs()));
    }
    node.print(out);
    if (!configuration.isEmpty()) {
      out.println();
      TextTable config = new TextTable("CONFIGURATION", "RESULT", "ERRORS");
      for (ConfigurationRow c : configuration) {
        config.row(c.name(), c.result(), c.errors().isEmpty() ? "-" : c.errors().getFirst()
            + (c.errors().size() > 1 ? " (+" + (c.errors().size() - 1) + " more)" : ""));
      }
      config.print(out);
    }
    if (!conflicts.isEmpty()) {
      out.println();
      out.println("Conflicts (IPConflict events, newest first):");
      conflicts.forEach(c -> out.println("  " + c.subject() + "  " + ago(c.at(), now) + "  " + c.message()));
    }
    if (!verified.isEmpty()) {
      out.println();
      out.println("Verified (the next node in line checks that the announcing node answers ARP/NDP):");
      verified.forEach(c -> out.println("  " + c.subject() + "  " + ago(c.at(), now) + "  " + c.message()));
    }
    if (!notes.isEmpty()) {
      out.println();
      out.println("Why some Services have no address or no announcer (latest event):");
      notes.forEach(c -> out.println("  " + c.subject() + "  " + ago(c.at(), now) + "  " + c.message()));
    }
  }

  private static String mac(ServiceRow r) {
    if (r.node() == null || r.macs().isEmpty()) {
      return "-";
    }
    // One per announcing interface; an older speaker that named no interfaces leaves it ambiguous.
    return r.macs().size() == 1 ? r.macs().getFirst() : String.join(",", r.macs());
  }

  static String conflictText(String report) {
    String[] parts = report.strip().split("\\s+", 2);
    return parts.length == 2 ? parts[0] + " held by " + parts[1] : report;
  }

  private static String usage(Long used, Long free) {
    if (used == null && free == null) {
      return "-";
    }
    long u = Objects.requireNonNullElse(used, 0L);
    long f = Objects.requireNonNullElse(free, 0L);
    return u == 0 && f == 0 ? "-" : u + "/" + (f == Long.MAX_VALUE ? "2^63+" : Long.toString(f));
  }

  private static String dash(String s) {
    return s == null || s.isBlank() ? "-" : s;
  }

  static String ago(Instant at, Instant now) {
    if (at == null || at.equals(Instant.EPOCH)) {
      return "?";
    }
    Duration d = Duration.between(at, now);
    if (d.isNegative() || d.toSeconds() < 60) {
      return Math.max(0, d.toSeconds()) + "s ago";
    }
    return d.toMinutes() < 120 ? d.toMinutes() + "m ago" : d.toHours() + "h ago";
  }
}
