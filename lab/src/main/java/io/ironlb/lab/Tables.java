package io.ironlb.lab;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Server-side printing: turns an object or a list into the {@code meta.k8s.io/v1} Table kubectl
 * asks for, with the columns a real API server prints ({@code kubectl get svc} shows TYPE,
 * CLUSTER-IP, EXTERNAL-IP, PORT(S), AGE; pods READY/STATUS/...; custom resources their CRD's
 * {@code additionalPrinterColumns}). kubectl itself no longer knows these columns.
 */
public final class Tables {

  private Tables() {}

  public record Column(String name, String type, int priority, java.util.function.Function<Object, Object> cell) {}

  public static Map<String, Object> table(Object listOrObject, Discovery.Resource res, boolean includeObject, Instant now) {
    List<Object> items = "List".equals(suffix(Json.str(listOrObject, "kind"))) || Json.at(listOrObject, "items") instanceof List
        ? Json.list(listOrObject, "items") : List.of(listOrObject);
    List<Column> cols = columns(res, now);
    List<Object> defs = new ArrayList<>();
    for (Column c : cols) {
      defs.add(Json.obj("name", c.name(), "type", c.type(), "format", c.name().equals("Name") ? "name" : "",
          "description", "", "priority", c.priority()));
    }
    List<Object> rows = new ArrayList<>();
    for (Object item : items) {
      List<Object> cells = new ArrayList<>();
      for (Column c : cols) {
        Object v = c.cell().apply(item);
        cells.add(v == null ? "<none>" : v);
      }
      Object obj = includeObject ? item : Json.obj("kind", "PartialObjectMetadata", "apiVersion", "meta.k8s.io/v1",
          "metadata", Json.map(item, "metadata"));
      rows.add(Json.obj("cells", cells, "object", obj));
    }
    Map<String, Object> meta = Json.obj();
    Object rv = Json.at(listOrObject, "metadata.resourceVersion");
    if (rv != null) {
      meta.put("resourceVersion", rv);
    }
    return Json.obj("kind", "Table", "apiVersion", "meta.k8s.io/v1", "metadata", meta, "columnDefinitions", defs, "rows", rows);
  }

  private static String suffix(String kind) {
    return kind != null && kind.endsWith("List") ? "List" : kind;
  }

  public static List<Column> columns(Discovery.Resource res, Instant now) {
    Column name = new Column("Name", "string", 0, o -> Json.str(o, "metadata.name"));
    Column age = new Column("Age", "string", 0, o -> age(Json.str(o, "metadata.creationTimestamp"), now));
    if (!res.printerColumns().isEmpty()) {
      List<Column> cols = new ArrayList<>(List.of(name));
      for (Map<String, Object> pc : res.printerColumns()) {
        String path = String.valueOf(pc.get("jsonPath"));
        String type = String.valueOf(pc.getOrDefault("type", "string"));
        int prio = pc.get("priority") instanceof Number n ? n.intValue() : 0;
        cols.add(new Column(String.valueOf(pc.get("name")), type.equals("date") ? "string" : type, prio, o -> {
          Object v = Json.at(o, path.replaceAll("^\\.", ""));
          if (v == null) {
            return "";
          }
          if (type.equals("date")) {
            return age(String.valueOf(v), now);
          }
          return v instanceof Map || v instanceof List ? Json.write(v) : v;
        }));
      }
      if (res.printerColumns().stream().noneMatch(pc -> "date".equals(pc.get("type")))) {
        cols.add(age);
      }
      return cols;
    }
    return switch (res.kind()) {
      case "Service" -> List.of(name,
          new Column("Type", "string", 0, o -> Json.str(o, "spec.type") == null ? "ClusterIP" : Json.str(o, "spec.type")),
          new Column("Cluster-IP", "string", 0, o -> Json.str(o, "spec.clusterIP")),
          new Column("External-IP", "string", 0, Tables::externalIp),
          new Column("Port(s)", "string", 0, Tables::ports),
          age,
          new Column("Selector", "string", 1, o -> Json.map(o, "spec.selector").entrySet().stream()
              .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","))));
      case "Pod" -> List.of(name,
          new Column("Ready", "string", 0, Tables::podReady),
          new Column("Status", "string", 0, o -> Json.str(o, "status.phase") == null ? "Pending" : Json.str(o, "status.phase")),
          new Column("Restarts", "string", 0, o -> String.valueOf(Json.list(o, "status.containerStatuses").stream()
              .mapToLong(c -> Json.at(c, "restartCount") instanceof Number n ? n.longValue() : 0).sum())),
          age,
          new Column("IP", "string", 1, o -> Json.str(o, "status.podIP")),
          new Column("Node", "string", 1, o -> Json.str(o, "spec.nodeName")));
      case "Node" -> List.of(name,
          new Column("Status", "string", 0, Tables::nodeStatus),
          new Column("Roles", "string", 0, Tables::nodeRoles),
          age,
          new Column("Version", "string", 0, o -> Json.str(o, "status.nodeInfo.kubeletVersion")),
          new Column("Internal-IP", "string", 1, o -> nodeAddress(o, "InternalIP")),
          new Column("External-IP", "string", 1, o -> nodeAddress(o, "ExternalIP")),
          new Column("OS-Image", "string", 1, o -> Json.str(o, "status.nodeInfo.osImage")),
          new Column("Kernel-Version", "string", 1, o -> Json.str(o, "status.nodeInfo.kernelVersion")));
      case "EndpointSlice" -> List.of(name,
          new Column("AddressType", "string", 0, o -> Json.str(o, "addressType")),
          new Column("Ports", "string", 0, o -> Json.list(o, "ports").stream().map(p -> String.valueOf(Json.at(p, "port")))
              .collect(Collectors.joining(","))),
          new Column("Endpoints", "string", 0, o -> Json.list(o, "endpoints").stream()
              .flatMap(e -> Json.list(e, "addresses").stream()).map(String::valueOf).collect(Collectors.joining(","))),
          age);
      case "Endpoints" -> List.of(name,
          new Column("Endpoints", "string", 0, Tables::endpoints), age);
      case "Event" -> List.of(
          new Column("Last Seen", "string", 0, o -> age(firstNonNull(Json.str(o, "lastTimestamp"), Json.str(o, "eventTime"),
              Json.str(o, "metadata.creationTimestamp")), now)),
          new Column("Type", "string", 0, o -> Json.str(o, "type")),
          new Column("Reason", "string", 0, o -> Json.str(o, "reason")),
          new Column("Object", "string", 0, o -> lower(Json.str(o, "involvedObject.kind")) + "/" + Json.str(o, "involvedObject.name")),
          new Column("Message", "string", 0, o -> firstNonNull(Json.str(o, "message"), Json.str(o, "note"), "")),
          new Column("Source", "string", 1, o -> firstNonNull(Json.str(o, "source.component"), Json.str(o, "reportingComponent"), "")),
          new Column("Count", "string", 1, o -> firstNonNull(Json.str(o, "count"), "1")),
          new Column("Name", "string", 1, o -> Json.str(o, "metadata.name")));
      case "Namespace" -> List.of(name,
          new Column("Status", "string", 0, o -> firstNonNull(Json.str(o, "status.phase"), "Active")), age);
      case "Lease" -> List.of(name,
          new Column("Holder", "string", 0, o -> firstNonNull(Json.str(o, "spec.holderIdentity"), "")), age);
      case "CustomResourceDefinition" -> List.of(name,
          new Column("Created At", "string", 0, o -> Json.str(o, "metadata.creationTimestamp")));
      case "DaemonSet", "Deployment" -> List.of(name, age);
      default -> List.of(name, age);
    };
  }

  public static String externalIp(Object svc) {
    List<String> ips = new ArrayList<>();
    for (Object ing : Json.list(svc, "status.loadBalancer.ingress")) {
      String ip = firstNonNull(Json.str(ing, "ip"), Json.str(ing, "hostname"));
      if (ip != null) {
        ips.add(ip);
      }
    }
    Json.list(svc, "spec.externalIPs").forEach(ip -> ips.add(String.valueOf(ip)));
    if (!ips.isEmpty()) {
      return String.join(",", ips);
    }
    return "LoadBalancer".equals(Json.str(svc, "spec.type")) ? "<pending>" : "<none>";
  }

  private static String ports(Object svc) {
    List<Object> ports = Json.list(svc, "spec.ports");
    if (ports.isEmpty()) {
      return "<none>";
    }
    return ports.stream().map(p -> {
      String proto = firstNonNull(Json.str(p, "protocol"), "TCP");
      Object node = Json.at(p, "nodePort");
      return Json.at(p, "port") + (node == null ? "" : ":" + node) + "/" + proto;
    }).collect(Collectors.joining(","));
  }

  private static String podReady(Object pod) {
    List<Object> statuses = Json.list(pod, "status.containerStatuses");
    int total = statuses.isEmpty() ? Json.list(pod, "spec.containers").size() : statuses.size();
    long ready = statuses.stream().filter(s -> Boolean.TRUE.equals(Json.at(s, "ready"))).count();
    return ready + "/" + total;
  }

  private static String nodeStatus(Object node) {
    for (Object c : Json.list(node, "status.conditions")) {
      if ("Ready".equals(Json.str(c, "type"))) {
        String s = "True".equals(Json.str(c, "status")) ? "Ready" : "NotReady";
        return Boolean.TRUE.equals(Json.at(node, "spec.unschedulable")) ? s + ",SchedulingDisabled" : s;
      }
    }
    return "Unknown";
  }

  private static String nodeRoles(Object node) {
    List<String> roles = Json.map(node, "metadata.labels").keySet().stream()
        .filter(k -> k.startsWith("node-role.kubernetes.io/")).map(k -> k.substring("node-role.kubernetes.io/".length())).sorted().toList();
    return roles.isEmpty() ? "<none>" : String.join(",", roles);
  }

  private static String nodeAddress(Object node, String type) {
    return Json.list(node, "status.addresses").stream().filter(a -> type.equals(Json.str(a, "type")))
        .map(a -> Json.str(a, "address")).findFirst().orElse("<none>");
  }

  private static String endpoints(Object ep) {
    List<String> out = new ArrayList<>();
    for (Object subset : Json.list(ep, "subsets")) {
      for (Object a : Json.list(subset, "addresses")) {
        for (Object p : Json.list(subset, "ports")) {
          String ip = Json.str(a, "ip");
          out.add((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + Json.at(p, "port"));
        }
      }
    }
    return out.isEmpty() ? "<none>" : String.join(",", out);
  }

  /** kubectl's human duration: 45s, 3m12s, 42m, 5h3m, 30h, 3d4h, 12d. */
  public static String age(String timestamp, Instant now) {
    if (timestamp == null) {
      return "<unknown>";
    }
    Duration d;
    try {
      d = Duration.between(Instant.parse(timestamp), now);
    } catch (java.time.format.DateTimeParseException e) {
      return "<unknown>";
    }
    long s = Math.max(0, d.toSeconds());
    if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return m + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    }
    if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return h + "h" + (m % 60 == 0 ? "" : (m % 60) + "m");
    }
    if (h < 48) {
      return h + "h";
    }
    if (h < 24 * 8) {
      return (h / 24) + "d" + (h % 24 == 0 ? "" : (h % 24) + "h");
    }
    return (h / 24) + "d";
  }

  private static String lower(String s) {
    return s == null ? "" : s.toLowerCase(java.util.Locale.ROOT);
  }

  @SafeVarargs
  private static <T> T firstNonNull(T... values) {
    for (T v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }
}
