package io.ironlb.deploy;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * One request to the API server, in RBAC's terms: the verb the authorizer checks, the API group,
 * the resource (with its subresource, as {@code services/status}), the namespace and the object name.
 *
 * @param namespace null for a cluster-scoped object or a request across all namespaces
 * @param name null for a collection (list, watch, create)
 */
record ApiCall(String verb, String group, String resource, String namespace, String name) {

  /** Discovery and version paths: every authenticated user may read them (system:discovery). */
  static final List<String> NON_RESOURCE_PREFIXES = List.of("/version", "/openapi", "/healthz", "/livez", "/readyz");

  /**
   * Maps an HTTP request to what RBAC checks, as the API server's request-info resolver does:
   * GET of an object is {@code get}, of a collection {@code list} or, with {@code watch=true},
   * {@code watch}; POST {@code create}; PUT {@code update}; PATCH {@code patch}; DELETE of an object
   * {@code delete}, of a collection {@code deletecollection}. Null for non-resource paths.
   */
  static ApiCall of(String method, String pathAndQuery) {
    URI uri = URI.create(pathAndQuery);
    String path = uri.getPath();
    String query = uri.getQuery() == null ? "" : uri.getQuery();
    String[] s = path.replaceAll("^/+|/+$", "").split("/");
    String group;
    int i;
    if (s[0].equals("api") && s.length >= 2) {
      group = "";
      i = 2;
    } else if (s[0].equals("apis") && s.length >= 3) {
      group = s[1];
      i = 3;
    } else {
      return null;
    }
    if (i >= s.length) {
      return null; // discovery of a group version
    }
    String namespace = null;
    if (s[i].equals("namespaces") && s.length >= i + 3) {
      namespace = s[i + 1];
      i += 2;
    }
    String resource = s[i];
    String name = s.length > i + 1 ? s[i + 1] : null;
    if (s.length > i + 2) {
      resource = resource + "/" + s[i + 2];
    }
    boolean watch = List.of(query.split("&")).contains("watch=true");
    String verb = switch (method.toUpperCase(Locale.ROOT)) {
      case "GET" -> name != null ? "get" : watch ? "watch" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name != null ? "delete" : "deletecollection";
      default -> throw new IllegalArgumentException("unexpected method " + method + " " + pathAndQuery);
    };
    return new ApiCall(verb, group, resource, namespace, name);
  }

  /** {@code "patch services/status"} or with a group {@code "list coordination.k8s.io/leases"}. */
  String verbAndResource() {
    return verb + " " + (group.isEmpty() ? "" : group + "/") + resource;
  }

  @Override
  public String toString() {
    return verbAndResource() + (namespace == null ? "" : " in " + namespace) + (name == null ? "" : " named " + name);
  }
}
