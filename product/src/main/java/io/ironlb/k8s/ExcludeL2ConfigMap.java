package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.ironlb.l2.ExcludedInterfaces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * MetalLB's {@code metallb-excludel2} ConfigMap: interface-name patterns no speaker announces on,
 * on top of IronLB's built-in exclusions. Same name, key and format as MetalLB
 * ({@code excludel2.yaml: "announcedInterfacesToExclude: [^docker.*, ...]"}), so a MetalLB
 * install's ConfigMap carries over. Read once at start, as MetalLB does: a change needs a
 * speaker restart.
 *
 * <p>No ConfigMap, no key or no list means no patterns (MetalLB: a missing file excludes
 * nothing). Unlike MetalLB, which exits on a malformed one, a malformed ConfigMap is reported and
 * the speaker runs with the built-in exclusions alone.
 */
public final class ExcludeL2ConfigMap {
  public static final String NAME = "metallb-excludel2";
  public static final String KEY = "excludel2.yaml";
  public static final String FIELD = "announcedInterfacesToExclude";

  private ExcludeL2ConfigMap() {}

  /** What the ConfigMap says. */
  public sealed interface Result {
    /** The patterns to exclude (none when the ConfigMap or its list is missing); {@code source} says where they came from. */
    record Loaded(ExcludedInterfaces excluded, String source) implements Result {}

    /**
     * The ConfigMap cannot be used: {@code problem} names it, the key and what is wrong.
     *
     * @param configMap the object, for an event on it; empty when it could not be read at all
     */
    record Invalid(String problem, Optional<ConfigMap> configMap) implements Result {}
  }

  /** Reads the ConfigMap in {@code namespace}, waiting up to {@code patience} for an unavailable API server. */
  public static Result read(KubernetesClient client, String namespace, Duration patience) throws InterruptedException {
    String where = "ConfigMap " + namespace + "/" + NAME;
    ConfigMap configMap;
    try {
      configMap = ApiRetry.whileUnavailable("reading " + where, patience,
          () -> client.configMaps().inNamespace(namespace).withName(NAME).get());
    } catch (KubernetesClientException e) {
      return new Result.Invalid(where + " cannot be read (HTTP " + e.getCode() + ": " + e.getMessage() + ")", Optional.empty());
    }
    if (configMap == null) {
      return new Result.Loaded(ExcludedInterfaces.none(), "no " + where);
    }
    String yaml = configMap.getData() == null ? null : configMap.getData().get(KEY);
    if (yaml == null) {
      return new Result.Loaded(ExcludedInterfaces.none(), where + " has no key " + KEY);
    }
    return switch (parse(yaml)) {
      case Parsed.Patterns(ExcludedInterfaces excluded) -> new Result.Loaded(excluded, where + ", key " + KEY);
      case Parsed.Malformed(String problem) -> new Result.Invalid(where + ", key " + KEY + ": " + problem, Optional.of(configMap));
    };
  }

  /** The content of key {@value #KEY}, parsed. */
  sealed interface Parsed {
    record Patterns(ExcludedInterfaces excluded) implements Parsed {}

    record Malformed(String problem) implements Parsed {}
  }

  static Parsed parse(String yaml) {
    Object document;
    try {
      document = yaml.isBlank() ? null : new KubernetesSerialization().unmarshal(yaml, Object.class);
    } catch (RuntimeException e) {
      return new Parsed.Malformed("is not valid YAML (" + rootMessage(e) + ")");
    }
    if (document == null) {
      return new Parsed.Patterns(ExcludedInterfaces.none());
    }
    if (!(document instanceof Map<?, ?> map)) {
      return new Parsed.Malformed("is not a YAML mapping; write \"" + FIELD + ":\" followed by a list of patterns");
    }
    Object list = map.get(FIELD);
    if (list == null) {
      return new Parsed.Patterns(ExcludedInterfaces.none());
    }
    if (!(list instanceof List<?> entries)) {
      return new Parsed.Malformed(FIELD + " is not a list; write one pattern per line, as \"- ^docker.*\"");
    }
    List<String> patterns = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      if (!(entries.get(i) instanceof String p)) {
        return new Parsed.Malformed(FIELD + "[" + i + "] is " + (entries.get(i) == null ? "empty" : "not a string: " + entries.get(i))
            + "; quote it or remove it");
      }
      if (p.isEmpty()) {
        return new Parsed.Malformed(FIELD + "[" + i + "] is an empty pattern, which would match every interface; remove it");
      }
      patterns.add(p);
    }
    try {
      return new Parsed.Patterns(ExcludedInterfaces.of(patterns));
    } catch (IllegalArgumentException e) {
      return new Parsed.Malformed(FIELD + ": " + e.getMessage());
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}
