package io.ironlb.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * What a ServiceAccount may do according to the manifests, evaluated as the API server's RBAC
 * authorizer does: a rule of a ClusterRole bound by a ClusterRoleBinding applies everywhere; a rule
 * bound by a RoleBinding only in that binding's namespace; {@code resourceNames} limits a rule to
 * requests that name one of those objects (so never to list, watch or create).
 */
final class Rbac {

  /** One rule of a role, with where it applies (null: everywhere, through a ClusterRoleBinding). */
  record Grant(String role, String namespace, List<String> groups, List<String> resources, List<String> verbs,
      List<String> resourceNames) {

    boolean allows(ApiCall c) {
      return (namespace == null || namespace.equals(c.namespace()))
          && matches(groups, c.group()) && matches(resources, c.resource()) && matches(verbs, c.verb())
          && (resourceNames.isEmpty() || (c.name() != null && resourceNames.contains(c.name())));
    }

    private static boolean matches(List<String> allowed, String value) {
      return allowed.contains("*") || allowed.contains(value);
    }

    /** Every single permission this rule hands out, one per group, resource and verb (and name). */
    List<String> atoms() {
      List<String> out = new ArrayList<>();
      for (String g : groups) {
        for (String r : resources) {
          for (String v : verbs) {
            String base = v + " " + (g.isEmpty() ? "" : g + "/") + r;
            if (resourceNames.isEmpty()) {
              out.add(base);
            } else {
              resourceNames.forEach(n -> out.add(base + " named " + n));
            }
          }
        }
      }
      return out;
    }

    @Override
    public String toString() {
      return role + (namespace == null ? " (cluster-wide)" : " (in " + namespace + ")") + ": " + atoms();
    }
  }

  private final List<Grant> grants;

  private Rbac(List<Grant> grants) {
    this.grants = List.copyOf(grants);
  }

  static Rbac forServiceAccount(Manifests manifests, String namespace, String serviceAccount) {
    List<Grant> grants = new ArrayList<>();
    for (String bindingKind : List.of("ClusterRoleBinding", "RoleBinding")) {
      for (JsonNode binding : manifests.ofKind(bindingKind)) {
        boolean bound = false;
        for (JsonNode s : binding.path("subjects")) {
          bound |= "ServiceAccount".equals(s.path("kind").asString()) && serviceAccount.equals(s.path("name").asString())
              && namespace.equals(s.path("namespace").asString());
        }
        if (!bound) {
          continue;
        }
        String bindingNamespace = bindingKind.equals("RoleBinding") ? binding.path("metadata").path("namespace").asString() : null;
        String roleKind = binding.path("roleRef").path("kind").asString();
        String roleName = binding.path("roleRef").path("name").asString();
        JsonNode role = manifests.all().stream()
            .filter(o -> roleKind.equals(o.path("kind").asString()) && roleName.equals(o.path("metadata").path("name").asString())
                && (roleKind.equals("ClusterRole") || Objects.equals(bindingNamespace, o.path("metadata").path("namespace").asString())))
            .findFirst().orElseThrow(() -> new AssertionError(bindingKind + " " + binding.path("metadata").path("name").asString()
                + " refers to a missing " + roleKind + " " + roleName));
        for (JsonNode rule : role.path("rules")) {
          grants.add(new Grant(roleKind + " " + roleName, bindingNamespace, Manifests.strings(rule.path("apiGroups")),
              Manifests.strings(rule.path("resources")), Manifests.strings(rule.path("verbs")),
              Manifests.strings(rule.path("resourceNames"))));
        }
      }
    }
    return new Rbac(grants);
  }

  List<Grant> grants() {
    return grants;
  }

  boolean allows(ApiCall call) {
    return grants.stream().anyMatch(g -> g.allows(call));
  }
}
