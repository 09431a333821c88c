package io.ironlb.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * JSON merge patch (RFC 7386) and the part of Kubernetes' strategic merge patch that kubectl
 * sends ({@code apply}, {@code label}, {@code annotate}, {@code patch}), applied to JSON trees held
 * as {@code Map}/{@code List}/scalars. The mock API server appends arrays on merge patch and
 * refuses strategic merge patch; the lab's API server applies both here and stores the result
 * with an update.
 *
 * <p>Strategic merge, as implemented: maps merge recursively; {@code null} deletes a key; lists of
 * maps merge by the Kubernetes merge key of their field ({@code containers}/{@code env}/... by
 * {@code name}, Service {@code ports} by {@code port}, container {@code ports} by
 * {@code containerPort}, {@code conditions} and node {@code addresses} by {@code type}, ...), other
 * lists are replaced; directives {@code $patch: replace|delete}, {@code $retainKeys},
 * {@code $setElementOrder/FIELD} and {@code $deleteFromPrimitiveList/FIELD} are honoured.
 * Not implemented: per-type patch strategies beyond that table (a field the table does not know is
 * replaced, as in a merge patch).
 */
public final class Patches {

  private Patches() {}

  /** RFC 7386: objects merge, {@code null} removes, anything else (arrays too) replaces. */
  @SuppressWarnings("unchecked")
  public static Object mergePatch(Object target, Object patch) {
    if (!(patch instanceof Map<?, ?> p)) {
      return copy(patch);
    }
    Map<String, Object> result = target instanceof Map<?, ?> t ? copyMap((Map<String, Object>) t) : new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : ((Map<String, Object>) p).entrySet()) {
      if (e.getValue() == null) {
        result.remove(e.getKey());
      } else {
        result.put(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
      }
    }
    return result;
  }

  /** Applies a strategic merge patch to {@code target}; see the class comment for what is covered. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> strategicMergePatch(Map<String, Object> target, Map<String, Object> patch) {
    Object r = smpMap(target, patch);
    return r == null ? new LinkedHashMap<>() : (Map<String, Object>) r;
  }

  @SuppressWarnings("unchecked")
  private static Object smpMap(Map<String, Object> target, Map<String, Object> patch) {
    Object directive = patch.get("$patch");
    if ("delete".equals(directive)) {
      return null;
    }
    if ("replace".equals(directive)) {
      Map<String, Object> r = copyMap(patch);
      r.remove("$patch");
      return stripDirectives(r);
    }
    Map<String, Object> result = target == null ? new LinkedHashMap<>() : copyMap(target);
    for (Map.Entry<String, Object> e : patch.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      if (key.startsWith("$")) {
        continue;
      }
      if (value == null) {
        result.remove(key);
      } else if (value instanceof Map<?, ?> vm) {
        Object old = result.get(key);
        Object merged = smpMap(old instanceof Map<?, ?> om ? (Map<String, Object>) om : null, (Map<String, Object>) vm);
        if (merged == null) {
          result.remove(key);
        } else {
          result.put(key, merged);
        }
      } else if (value instanceof List<?> vl) {
        Object old = result.get(key);
        List<Object> order = patch.get("$setElementOrder/" + key) instanceof List<?> l ? (List<Object>) l : null;
        result.put(key, smpList(key, old instanceof List<?> ol ? (List<Object>) ol : List.of(), (List<Object>) vl, order));
      } else {
        result.put(key, copy(value));
      }
    }
    for (Map.Entry<String, Object> e : patch.entrySet()) {
      String key = e.getKey();
      if (key.startsWith("$setElementOrder/") && !patch.containsKey(key.substring("$setElementOrder/".length()))) {
        // Only the order changed (or items were deleted elsewhere): reorder what is there.
        String field = key.substring("$setElementOrder/".length());
        if (result.get(field) instanceof List<?> l) {
          result.put(field, reorder(field, (List<Object>) l, (List<Object>) e.getValue()));
        }
      } else if (key.startsWith("$deleteFromPrimitiveList/") && e.getValue() instanceof List<?> del) {
        String field = key.substring("$deleteFromPrimitiveList/".length());
        if (result.get(field) instanceof List<?> l) {
          List<Object> kept = new ArrayList<>(l);
          kept.removeIf(del::contains);
          result.put(field, kept);
        }
      }
    }
    if (patch.get("$retainKeys") instanceof List<?> retain) {
      result.keySet().removeIf(k -> !retain.contains(k));
    }
    return result;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> smpList(String field, List<Object> target, List<Object> patch, List<Object> order) {
    String key = mergeKey(field, patch.isEmpty() ? target : patch);
    boolean mapsWithKey = key != null && patch.stream().allMatch(o -> o instanceof Map<?, ?> m && m.containsKey(key));
    if (!mapsWithKey) {
      boolean primitives = patch.stream().noneMatch(o -> o instanceof Map || o instanceof List);
      if (primitives && order != null) {
        // A primitive list with the merge strategy (finalizers): patch holds additions only.
        List<Object> union = new ArrayList<>(target);
        patch.stream().filter(o -> !union.contains(o)).forEach(union::add);
        return reorder(field, union, order);
      }
      List<Object> replaced = new ArrayList<>();
      for (Object o : patch) {
        if (o instanceof Map<?, ?> m) {
          if (!"delete".equals(m.get("$patch"))) {
            replaced.add(stripDirectives(copyMap((Map<String, Object>) m)));
          }
        } else {
          replaced.add(copy(o));
        }
      }
      return replaced;
    }
    if (patch.size() == 1 && patch.getFirst() instanceof Map<?, ?> only && "replace".equals(only.get("$patch"))) {
      return new ArrayList<>();
    }
    List<Object> result = new ArrayList<>();
    target.forEach(o -> result.add(copy(o)));
    for (Object o : patch) {
      Map<String, Object> pm = (Map<String, Object>) o;
      Object k = pm.get(key);
      int idx = indexOf(result, key, k);
      if ("delete".equals(pm.get("$patch"))) {
        if (idx >= 0) {
          result.remove(idx);
        }
      } else if (idx >= 0) {
        result.set(idx, smpMap((Map<String, Object>) result.get(idx), pm));
      } else {
        result.add(smpMap(null, pm));
      }
    }
    return order == null ? result : reorder(field, result, order);
  }

  /** Orders {@code list} as {@code order} says; elements it does not name keep their place at the end. */
  @SuppressWarnings("unchecked")
  private static List<Object> reorder(String field, List<Object> list, List<Object> order) {
    String key = order.isEmpty() || !(order.getFirst() instanceof Map<?, ?>) ? null : mergeKey(field, order);
    List<Object> rest = new ArrayList<>(list);
    List<Object> result = new ArrayList<>();
    for (Object o : order) {
      Object wanted = key == null ? o : ((Map<String, Object>) o).get(key);
      for (int i = 0; i < rest.size(); i++) {
        Object item = rest.get(i);
        Object id = key == null ? item : (item instanceof Map<?, ?> m ? m.get(key) : null);
        if (Objects.equals(normalise(id), normalise(wanted))) {
          result.add(rest.remove(i));
          break;
        }
      }
    }
    result.addAll(rest);
    return result;
  }

  /** The patchMergeKey Kubernetes declares for a list field of a built-in type, or null (replace). */
  public static String mergeKey(String field, List<Object> sample) {
    return switch (field) {
      case "containers", "initContainers", "ephemeralContainers", "env", "volumes", "imagePullSecrets",
           "resourceClaims", "readinessGates" -> field.equals("readinessGates") ? "conditionType" : "name";
      case "volumeMounts" -> "mountPath";
      case "volumeDevices" -> "devicePath";
      case "ports" -> sample.stream().anyMatch(o -> o instanceof Map<?, ?> m && m.containsKey("containerPort")) ? "containerPort" : "port";
      case "conditions", "addresses" -> sample.stream().allMatch(o -> o instanceof Map<?, ?> m && m.containsKey("type")) ? "type" : null;
      case "ownerReferences" -> "uid";
      case "taints" -> "key";
      case "hostAliases" -> "ip";
      case "topologySpreadConstraints" -> "topologyKey";
      default -> null;
    };
  }

  private static int indexOf(List<Object> list, String key, Object value) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) instanceof Map<?, ?> m && Objects.equals(normalise(m.get(key)), normalise(value))) {
        return i;
      }
    }
    return -1;
  }

  /** JSON numbers arrive as Integer or Long; compare them by value. */
  private static Object normalise(Object o) {
    return o instanceof Number n ? (Object) n.longValue() : o;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> stripDirectives(Map<String, Object> m) {
    m.keySet().removeIf(k -> k.startsWith("$"));
    m.replaceAll((k, v) -> v instanceof Map<?, ?> vm ? stripDirectives(copyMap((Map<String, Object>) vm)) : v);
    return m;
  }

  @SuppressWarnings("unchecked")
  public static Object copy(Object o) {
    if (o instanceof Map<?, ?> m) {
      return copyMap((Map<String, Object>) m);
    }
    if (o instanceof List<?> l) {
      List<Object> c = new ArrayList<>(l.size());
      l.forEach(x -> c.add(copy(x)));
      return c;
    }
    return o;
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> copyMap(Map<String, Object> m) {
    Map<String, Object> c = new LinkedHashMap<>();
    m.forEach((k, v) -> c.put(k, copy(v)));
    return c;
  }
}
