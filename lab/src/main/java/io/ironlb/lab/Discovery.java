package io.ironlb.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The discovery documents kubectl reads before anything else ({@code /api}, {@code /apis},
 * {@code /api/v1}, {@code /apis/GROUP/VERSION}), which the mock API server does not serve: a
 * table of built-in resources plus whatever CustomResourceDefinitions are stored.
 */
public final class Discovery {

  public static final String KUBE_VERSION_MINOR = "31";

  /** One resource as discovery names it. {@code group} is "" for the core group. */
  public record Resource(String group, String version, String plural, String singular, String kind, boolean namespaced,
                  List<String> shortNames, List<String> subresources, List<Map<String, Object>> printerColumns) {

    String groupVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }

    Resource with(String... subs) {
      return new Resource(group, version, plural, singular, kind, namespaced, shortNames, List.of(subs), printerColumns);
    }
  }

  private static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  public static final List<Resource> BUILT_IN = List.of(
      r("", "v1", "configmaps", "ConfigMap", true, "cm"),
      r("", "v1", "endpoints", "Endpoints", true, "ep"),
      r("", "v1", "events", "Event", true, "ev"),
      r("", "v1", "namespaces", "Namespace", false, "ns").with("status"),
      r("", "v1", "nodes", "Node", false, "no").with("status"),
      r("", "v1", "pods", "Pod", true, "po").with("log", "status"),
      r("", "v1", "secrets", "Secret", true),
      r("", "v1", "serviceaccounts", "ServiceAccount", true, "sa"),
      r("", "v1", "services", "Service", true, "svc").with("status"),
      r("apps", "v1", "daemonsets", "DaemonSet", true, "ds").with("status"),
      r("apps", "v1", "deployments", "Deployment", true, "deploy").with("status"),
      r("apps", "v1", "replicasets", "ReplicaSet", true, "rs").with("status"),
      r("apps", "v1", "statefulsets", "StatefulSet", true, "sts").with("status"),
      r("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
      r("coordination.k8s.io", "v1", "leases", "Lease", true),
      r("events.k8s.io", "v1", "events", "Event", true, "ev"),
      r("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, "crd", "crds").with("status"),
      r("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
      r("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
      r("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
      r("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true));

  /** What {@code kubectl get all} lists, as on a real API server. */
  private static final List<String> ALL_CATEGORY = List.of("pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets");

  private Discovery() {}

  private static Resource r(String group, String version, String plural, String kind, boolean namespaced, String... shortNames) {
    return new Resource(group, version, plural, kind.toLowerCase(java.util.Locale.ROOT), kind, namespaced,
        List.of(shortNames), List.of(), List.of());
  }

  /** The resources of the stored CustomResourceDefinitions (served versions only). */
  public static List<Resource> fromCrds(List<Object> crds) {
    List<Resource> out = new ArrayList<>();
    for (Object crd : crds) {
      String group = Json.str(crd, "spec.group");
      Map<String, Object> names = Json.map(crd, "spec.names");
      boolean namespaced = !"Cluster".equals(Json.str(crd, "spec.scope"));
      for (Object v : Json.list(crd, "spec.versions")) {
        if (Boolean.FALSE.equals(Json.at(v, "served"))) {
          continue;
        }
        List<String> subs = new ArrayList<>();
        Json.map(v, "subresources").keySet().forEach(subs::add);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cols = (List<Map<String, Object>>) (List<?>) Json.list(v, "additionalPrinterColumns");
        out.add(new Resource(group, Json.str(v, "name"), (String) names.get("plural"),
            names.getOrDefault("singular", "").toString(), (String) names.get("kind"), namespaced,
            names.get("shortNames") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of(),
            List.copyOf(subs), List.copyOf(cols)));
      }
    }
    return List.copyOf(out);
  }

  public static Map<String, Object> version() {
    return Json.obj("major", "1", "minor", KUBE_VERSION_MINOR, "gitVersion", "v1." + KUBE_VERSION_MINOR + ".0-ironlb-lab",
        "gitCommit", "0000000000000000000000000000000000000000", "gitTreeState", "clean",
        "buildDate", "2026-01-01T00:00:00Z", "goVersion", "go1.22.0", "compiler", "gc", "platform", "linux/amd64");
  }

  public static Map<String, Object> apiVersions(String serverAddress) {
    return Json.obj("kind", "APIVersions", "versions", List.of("v1"),
        "serverAddressByClientCIDRs", List.of(Json.obj("clientCIDR", "0.0.0.0/0", "serverAddress", serverAddress)));
  }

  public static Map<String, Object> groupList(List<Resource> all) {
    List<Object> groups = new ArrayList<>();
    groupsOf(all).forEach((g, versions) -> groups.add(groupDoc(g, versions)));
    return Json.obj("kind", "APIGroupList", "apiVersion", "v1", "groups", groups);
  }

  public static Optional<Map<String, Object>> group(String group, List<Resource> all) {
    List<String> versions = groupsOf(all).get(group);
    if (versions == null) {
      return Optional.empty();
    }
    Map<String, Object> g = groupDoc(group, versions);
    g.put("kind", "APIGroup");
    g.put("apiVersion", "v1");
    return Optional.of(g);
  }

  private static Map<String, Object> groupDoc(String name, List<String> versions) {
    List<Object> vs = versions.stream().map(v -> (Object) Json.obj("groupVersion", name + "/" + v, "version", v)).toList();
    return Json.obj("name", name, "versions", vs, "preferredVersion", vs.getFirst());
  }

  /** Group name to its versions, newest first (v1 before v1beta2 before v1beta1). */
  private static Map<String, List<String>> groupsOf(List<Resource> all) {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (Resource r : all) {
      if (r.group().isEmpty()) {
        continue;
      }
      List<String> vs = groups.computeIfAbsent(r.group(), k -> new ArrayList<>());
      if (!vs.contains(r.version())) {
        vs.add(r.version());
        vs.sort(Discovery::compareVersions);
      }
    }
    return groups;
  }

  /** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
  public static int compareVersions(String a, String b) {
    return Integer.compare(rank(b), rank(a));
  }

  private static int rank(String v) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("v(\\d+)(?:(alpha|beta)(\\d+))?").matcher(v);
    if (!m.matches()) {
      return 0;
    }
    int major = Integer.parseInt(m.group(1));
    int stage = m.group(2) == null ? 3 : m.group(2).equals("beta") ? 2 : 1;
    int minor = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
    return stage * 1_000_000 + major * 1000 + minor;
  }

  public static Optional<Map<String, Object>> resourceList(String groupVersion, List<Resource> all) {
    List<Object> resources = new ArrayList<>();
    for (Resource r : all) {
      if (!r.groupVersion().equals(groupVersion)) {
        continue;
      }
      Map<String, Object> e = Json.obj("name", r.plural(), "singularName", r.singular(), "namespaced", r.namespaced(),
          "kind", r.kind(), "verbs", VERBS);
      if (!r.shortNames().isEmpty()) {
        e.put("shortNames", r.shortNames());
      }
      if (ALL_CATEGORY.contains(r.plural())) {
        e.put("categories", List.of("all"));
      }
      resources.add(e);
      for (String sub : r.subresources()) {
        List<String> verbs = sub.equals("log") ? List.of("get") : List.of("get", "patch", "update");
        resources.add(Json.obj("name", r.plural() + "/" + sub, "singularName", "", "namespaced", r.namespaced(),
            "kind", sub.equals("log") ? "Pod" : r.kind(), "verbs", verbs));
      }
    }
    if (resources.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Json.obj("kind", "APIResourceList", "apiVersion", "v1", "groupVersion", groupVersion, "resources", resources));
  }

  /** The resource a request path names ({@code /api/v1/namespaces/x/services/y} gives services). */
  public static Optional<Resource> forPath(String path, List<Resource> all) {
    String[] s = path.split("/");
    // ["", "api", "v1", ...] or ["", "apis", group, version, ...]
    int i;
    String group;
    String version;
    if (s.length > 2 && s[1].equals("api")) {
      group = "";
      version = s[2];
      i = 3;
    } else if (s.length > 3 && s[1].equals("apis")) {
      group = s[2];
      version = s[3];
      i = 4;
    } else {
      return Optional.empty();
    }
    if (i + 1 < s.length && s[i].equals("namespaces") && i + 2 < s.length) {
      i += 2;
    }
    if (i >= s.length) {
      return Optional.empty();
    }
    String plural = s[i];
    return all.stream().filter(r -> r.group().equals(group) && r.version().equals(version) && r.plural().equals(plural)).findFirst();
  }

}
