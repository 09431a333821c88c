package io.ironlb.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The install manifests as a cluster receives them: {@code kubectl kustomize deploy/default}. Where
 * kubectl is missing (CI installs it), the resources the kustomization lists are read as they are,
 * which gives the same objects because every file already names its namespace.
 */
final class Manifests {
  static final Path BASE = Path.of("deploy/default");
  static final String NAMESPACE = "metallb-system";

  private final List<JsonNode> objects;
  private final boolean renderedByKubectl;

  private Manifests(List<JsonNode> objects, boolean renderedByKubectl) {
    this.objects = List.copyOf(objects);
    this.renderedByKubectl = renderedByKubectl;
  }

  static Manifests load() {
    return load(BASE);
  }

  static Manifests load(Path dir) {
    Optional<String> rendered = kustomize(dir);
    if (rendered.isPresent()) {
      return new Manifests(parseYaml(rendered.get()), true);
    }
    return new Manifests(readResources(dir), false);
  }

  boolean renderedByKubectl() {
    return renderedByKubectl;
  }

  List<JsonNode> all() {
    return objects;
  }

  List<JsonNode> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.path("kind").asString())).toList();
  }

  JsonNode one(String kind, String name) {
    return objects.stream()
        .filter(o -> kind.equals(o.path("kind").asString()) && name.equals(o.path("metadata").path("name").asString()))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + BASE));
  }

  /** The single container of a workload's pod template. */
  static JsonNode container(JsonNode workload) {
    JsonNode containers = workload.path("spec").path("template").path("spec").path("containers");
    if (containers.size() != 1) {
      throw new AssertionError(workload.path("metadata").path("name").asString() + " should have one container");
    }
    return containers.get(0);
  }

  /** A container's port number by the port's name. */
  static int port(JsonNode container, String name) {
    for (JsonNode p : container.path("ports")) {
      if (name.equals(p.path("name").asString())) {
        return p.path("containerPort").asInt();
      }
    }
    throw new AssertionError("container " + container.path("name").asString() + " has no port named " + name);
  }

  /** The resourceNames a Role's rules name for one resource. */
  static List<String> resourceNames(JsonNode role, String resource) {
    List<String> out = new ArrayList<>();
    for (JsonNode rule : role.path("rules")) {
      if (strings(rule.path("resources")).contains(resource)) {
        out.addAll(strings(rule.path("resourceNames")));
      }
    }
    return out;
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }

  /** The output of {@code kubectl kustomize dir}, or empty when kubectl is not installed. */
  static Optional<String> kustomize(Path dir) {
    if (!kubectlInstalled()) {
      return Optional.empty();
    }
    try {
      Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
      byte[] out = p.getInputStream().readAllBytes();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("kubectl kustomize " + dir + " failed: " + err);
      }
      return Optional.of(new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static boolean kubectlInstalled() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(":")) {
      if (Files.isExecutable(Path.of(dir, "kubectl"))) {
        return true;
      }
    }
    return false;
  }

  private static List<JsonNode> readResources(Path dir) {
    JsonNode kustomization = readYaml(dir.resolve("kustomization.yaml")).getFirst();
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode r : kustomization.path("resources")) {
      Path p = dir.resolve(r.asString()).normalize();
      out.addAll(Files.isDirectory(p) ? readResources(p) : readYaml(p));
    }
    return out;
  }

  /**
   * Its own YAML reader rather than CrdValidator's: the lab module's tests read the manifests too
   * (LabJvmFlagsTest) without the CRD validator's test dependencies (re2j, CEL) on their class path.
   */
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private static List<JsonNode> readYaml(Path file) {
    try {
      return parseYaml(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<JsonNode> parseYaml(String yaml) {
    return YAML.readValues(YAML.createParser(yaml), JsonNode.class).readAll().stream().filter(node -> node != null && node.isObject()).toList();
  }
}
