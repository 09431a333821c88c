package io.ironlb.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.cli.Main;
import io.ironlb.crds.CrdValidator;
import io.ironlb.deploy.ExportedMetrics;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.MetalLb;
import io.ironlb.l2.DropReason;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/** docs/configuration.md cannot drift from the code: each thing a user can set or read is on the page. */
class ConfigurationDocTest {
  private static final Path DOC = Path.of("docs/configuration.md");

  private static String doc() throws IOException {
    return Files.readString(DOC);
  }

  @Test
  void everyOptionOfEveryVisibleCommandIsDocumented() throws IOException {
    List<String> missing = new ArrayList<>();
    options(Main.commandLine(), "ironlb", doc(), missing);

    assertThat(missing).as("commands and flags missing from " + DOC).isEmpty();
  }

  private static void options(CommandLine command, String path, String doc, List<String> missing) {
    command.getSubcommands().forEach((name, sub) -> {
      if (sub.getCommandSpec().usageMessage().hidden() || name.equals("help")) {
        return;
      }
      String here = path + " " + name;
      if (!doc.contains("`" + here)) {
        missing.add(here);
      }
      for (var option : sub.getCommandSpec().options()) {
        String flag = option.longestName();
        if (!option.hidden() && !flag.equals("--help") && !flag.equals("--version") && !doc.contains("`" + flag)) {
          missing.add(here + " " + flag);
        }
      }
      options(sub, here, doc, missing);
    });
  }

  @Test
  void everyMetricIsDocumentedWithTheSeriesPrometheusShows() throws IOException {
    String doc = doc();

    ExportedMetrics.ironlb().forEach((name, type) -> {
      assertThat(doc).as("metric %s", name).contains("`" + name + "`");
      List<String> series = ExportedMetrics.series(name, type);
      assertThat(doc).as("series of %s", name).contains("`" + series.getFirst() + "`");
    });
  }

  @Test
  void everyDropReasonOfTheFramesDroppedMetricIsDocumented() throws IOException {
    String doc = doc();

    assertThat(DropReason.values()).allSatisfy(r -> assertThat(doc).as("reason %s", r).contains("`" + r.name() + "`"));
  }

  @Test
  void everyAnnotationIsDocumented() throws Exception {
    List<String> annotations = new ArrayList<>();
    for (Class<?> c : List.of(MetalLb.class, IronLb.class)) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("ANNOTATION_")) {
          annotations.add((String) f.get(null));
        }
      }
    }

    assertThat(annotations).hasSizeGreaterThanOrEqualTo(7);
    String doc = doc();
    assertThat(annotations).allSatisfy(a -> assertThat(doc).contains("`" + a + "`"));
  }

  @Test
  void everyCustomResourceFieldIsDocumented() throws IOException {
    Set<String> fields = new TreeSet<>();
    try (Stream<Path> files = Files.list(Path.of("deploy/crds"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith("metallb.io_")).toList()) {
        JsonNode crd = CrdValidator.readYaml(f).getFirst();
        JsonNode schema = crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
        walk(schema.path("properties").path("spec"), "spec", fields);
        walk(schema.path("properties").path("status"), "status", fields);
      }
    }
    String doc = doc();

    assertThat(fields).contains("spec.addresses", "spec.serviceAllocation.priority", "status.interfaces[].name");
    assertThat(fields).allSatisfy(field -> assertThat(doc).as(field).contains("`" + field + "`"));
  }

  /** Field paths a user writes or reads; the insides of label selectors and of conditions are Kubernetes' own. */
  private static void walk(JsonNode schema, String path, Set<String> out) {
    if (schema.path("type").asString().equals("array")) {
      walk(schema.path("items"), path + "[]", out);
      return;
    }
    if (path.endsWith("Selectors[]") || path.equals("status.conditions[]")) {
      return;
    }
    schema.path("properties").properties().forEach(e -> {
      String p = path + "." + e.getKey();
      out.add(p);
      walk(e.getValue(), p, out);
    });
  }

  @Test
  void everyEventReasonAndEnvironmentVariableIsDocumented() throws IOException {
    Set<String> reasons = new TreeSet<>();
    Set<String> env = new TreeSet<>();
    // Type.Normal, "reason" and the controller's refuse(service, key, "reason", ...); a reason may have spaces (MetalLB's do).
    Pattern reason = Pattern.compile("(?:Type\\.(?:Normal|Warning)|refuse\\(\\w+, \\w+), \"([A-Za-z][A-Za-z ]*)\"");
    // System.getenv("X"), and picocli's default from the environment, "${env:X:-default}".
    Pattern getenv = Pattern.compile("getenv\\(\"([A-Z_]+)\"\\)|\\$\\{env:([A-Z_]+)");
    try (Stream<Path> files = Files.walk(Path.of("product/src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String src = Files.readString(f);
        Matcher m = reason.matcher(src);
        while (m.find()) {
          reasons.add(m.group(1));
        }
        m = getenv.matcher(src);
        while (m.find()) {
          env.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
      }
    }
    String doc = doc();

    assertThat(reasons).contains("IPAllocated", "IPConflict", "nodeAssigned", "AllocationFailed", "not enough clusterips");
    assertThat(reasons).allSatisfy(r -> assertThat(doc).contains("`" + r + "`"));
    assertThat(env).contains("NODE_NAME", "IRONLB_HEARTBEAT_TIMEOUT");
    assertThat(env).allSatisfy(v -> assertThat(doc).contains("`" + v + "`"));
  }
}
