package io.ironlb.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * deploy/helm/ironlb as {@code helm template} renders it, through Helm's own Go library (helm-java).
 * The first render in a JVM loads the library (about a second); renders are kept per release and values.
 */
final class HelmChart {
  static final Path CHART = Path.of("deploy/helm/ironlb");
  static final String RELEASE = "ironlb";
  /** The chart's kubeVersion floor (the CRDs' CEL IP/CIDR functions); helm template assumes an older one. */
  static final String KUBE_VERSION = "v1.31.0";
  // A key given twice in one mapping is a template bug that kubectl refuses; Jackson would keep the last.
  private static final YAMLMapper YAML = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final Map<String, Rendered> RENDERED = new ConcurrentHashMap<>();

  private HelmChart() {}

  /** The objects one render produced. */
  record Rendered(List<JsonNode> objects) {
    List<JsonNode> ofKind(String kind) {
      return objects.stream().filter(o -> kind.equals(o.path("kind").asString())).toList();
    }

    JsonNode one(String kind, String name) {
      return objects.stream()
          .filter(o -> kind.equals(o.path("kind").asString()) && name.equals(o.path("metadata").path("name").asString()))
          .findFirst().orElseThrow(() -> new AssertionError("the chart rendered no " + kind + " " + name));
    }
  }

  static Rendered render(Map<String, String> values) {
    return render(RELEASE, values);
  }

  static Rendered render(String release, Map<String, String> values) {
    Map<String, String> sorted = new TreeMap<>(values);
    return RENDERED.computeIfAbsent(release + " " + sorted, k -> new Rendered(parse(template(release, sorted))));
  }

  /** A render with a values file (then {@code values} on top, as {@code --set} does). */
  static Rendered render(Path valuesFile, Map<String, String> values) {
    Map<String, String> sorted = new TreeMap<>(values);
    return RENDERED.computeIfAbsent(valuesFile + " " + sorted, k -> {
      TemplateCommand t = command(RELEASE, sorted).withValuesFile(valuesFile);
      return new Rendered(parse(t.call()));
    });
  }

  /** The error {@code helm template} ends with for these values; fails the test if it renders. */
  static String failure(Map<String, String> values) {
    try {
      template(RELEASE, values);
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
    throw new AssertionError("the chart rendered with " + values + " but should have refused them");
  }

  private static String template(String release, Map<String, String> values) {
    return command(release, values).call();
  }

  private static TemplateCommand command(String release, Map<String, String> values) {
    TemplateCommand t = new Helm(CHART).template().withName(release).withNamespace(Manifests.NAMESPACE).withKubeVersion(KUBE_VERSION);
    for (Map.Entry<String, String> v : values.entrySet()) {
      t = t.set(v.getKey(), v.getValue());
    }
    return t;
  }

  private static List<JsonNode> parse(String yaml) {
    return YAML.readValues(YAML.createParser(yaml), JsonNode.class).readAll().stream()
        .filter(node -> node != null && node.isObject())
        .toList();
  }
}
