package io.ironlb.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.ironlb.cli.Main;
import io.ironlb.crds.CrdValidator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * deploy/helm/ironlb renders, with its defaults, the objects of deploy/default (kubectl kustomize):
 * every field of every object is compared, and a difference fails unless listed in
 * {@link #DELIBERATE}. Non-default values change what they name and nothing else the test checks.
 */
class HelmChartTest {
  private static final HelmChart.Rendered DEFAULTS = HelmChart.render(Map.of());

  /** Labels Helm's conventions add to metadata (and the release to pod templates); deploy/default has none of them. */
  private static final Set<String> HELM_LABELS = Set.of("helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance",
      "app.kubernetes.io/version");

  /** Differences from deploy/default on purpose, each with its reason. */
  private static final Map<String, String> DELIBERATE = Map.of(
      "Namespace metallb-system: only in deploy/default",
      "Helm installs into a namespace that exists (README: create and label it privileged, or --create-namespace and label it)");

  @Test
  void withDefaultValuesTheChartRendersDeployDefault() {
    assumeTrue(Manifests.kubectlInstalled(), "kubectl is not installed (.ci/run installs it): deploy/default cannot be rendered");
    Map<String, JsonNode> kustomized = byKey(Manifests.load().all(), false);
    Map<String, JsonNode> charted = byKey(DEFAULTS.objects(), true);
    List<String> differences = new ArrayList<>();
    Set<String> keys = new TreeSet<>(kustomized.keySet());
    keys.addAll(charted.keySet());
    for (String key : keys) {
      JsonNode k = kustomized.get(key);
      JsonNode c = charted.get(key);
      if (c == null) {
        differences.add(key + ": only in deploy/default");
      } else if (k == null) {
        differences.add(key + ": only in the chart");
      } else {
        diff(key + " ", k, c, differences);
      }
    }

    assertThat(differences).containsExactlyInAnyOrderElementsOf(DELIBERATE.keySet());
  }

  @Test
  void theChartsVersionsAreTheProjectsAndTheImageTagFollowsThem() throws Exception {
    String version = ManifestsTest.Jib.fromPom().projectVersion();
    JsonNode chart = CrdValidator.readYaml(HelmChart.CHART.resolve("Chart.yaml")).getFirst();
    JsonNode crds = CrdValidator.readYaml(HelmChart.CHART.resolve("charts/crds/Chart.yaml")).getFirst();

    assertThat(chart.path("version").asString()).isEqualTo(version);
    assertThat(chart.path("appVersion").asString()).isEqualTo(version);
    assertThat(crds.path("version").asString()).isEqualTo(chart.path("dependencies").get(0).path("version").asString()).isEqualTo(version);
    assertThat(workloads(DEFAULTS)).allSatisfy(w -> assertThat(Manifests.container(w).path("image").asString())
        .isEqualTo("ironlb:" + version));
  }

  @Test
  void theMonitorAndTheRulesAreDeployPrometheusOnes() {
    HelmChart.Rendered r = HelmChart.render(Map.of("prometheus.podMonitor.enabled", "true", "prometheus.prometheusRule.enabled", "true"));
    Manifests shipped = Manifests.load(Path.of("deploy/prometheus"));

    assertThat(r.one("PodMonitor", "ironlb").path("spec")).isEqualTo(shipped.one("PodMonitor", "ironlb").path("spec"));
    assertThat(r.one("PrometheusRule", "ironlb").path("spec")).isEqualTo(PrometheusRules.shipped().path("spec"));
  }

  @Test
  void everyMonitorHonoursTheMetricsOwnLabels() {
    // ServiceMonitor targets carry a "service" label, which metallb_speaker_announced has too: the metric's must win.
    HelmChart.Rendered pod = HelmChart.render(Map.of("prometheus.podMonitor.enabled", "true"));
    HelmChart.Rendered service = HelmChart.render(Map.of("prometheus.serviceMonitor.enabled", "true"));
    List<JsonNode> endpoints = new ArrayList<>();
    pod.ofKind("PodMonitor").forEach(m -> m.path("spec").path("podMetricsEndpoints").forEach(endpoints::add));
    service.ofKind("ServiceMonitor").forEach(m -> m.path("spec").path("endpoints").forEach(endpoints::add));
    Manifests.load(Path.of("deploy/prometheus")).one("PodMonitor", "ironlb").path("spec").path("podMetricsEndpoints")
        .forEach(endpoints::add);

    assertThat(endpoints).hasSize(4).allSatisfy(e -> assertThat(e.path("honorLabels").asBoolean()).as(e.toString()).isTrue());
  }

  // ---- non-default values ------------------------------------------------------------------------

  /** A values case: what is set, and what must then be true of the rendered objects. */
  record Case(String name, Map<String, String> values, Consumer<HelmChart.Rendered> check) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("an image of your registry, with its tag and pull policy",
            Map.of("image.repository", "registry.example/ironlb", "image.tag", "1.2.3", "image.pullPolicy", "Always"),
            r -> assertThat(workloads(r)).allSatisfy(w -> {
              assertThat(Manifests.container(w).path("image").asString()).isEqualTo("registry.example/ironlb:1.2.3");
              assertThat(Manifests.container(w).path("imagePullPolicy").asString()).isEqualTo("Always");
              JsonNode init = w.path("spec").path("template").path("spec").path("initContainers").get(0);
              assertThat(init.path("image").asString()).as("the AOT cache's init container").isEqualTo("registry.example/ironlb:1.2.3");
              assertThat(init.path("imagePullPolicy").asString()).isEqualTo("Always");
            })),
        new Case("no AOT cache: no init container, no cache flag, no volume",
            Map.of("aotCache.enabled", "false"),
            r -> assertThat(workloads(r)).allSatisfy(w -> {
              JsonNode pod = w.path("spec").path("template").path("spec");
              assertThat(pod.has("initContainers")).isFalse();
              assertThat(Manifests.strings(Manifests.container(w).path("command"))).noneMatch(f -> f.contains("AOTCache"));
              assertThat(pod.path("volumes").valueStream().map(v -> v.path("name").asString())).containsExactly("tmp");
              assertThat(Manifests.container(w).path("volumeMounts").valueStream().map(v -> v.path("name").asString())).containsExactly("tmp");
            })),
        new Case("the speaker's resources, the controller's untouched",
            Map.of("speaker.resources.limits.memory", "512Mi", "speaker.resources.requests.cpu", "200m"),
            r -> {
              JsonNode speaker = Manifests.container(r.one("DaemonSet", "ironlb-speaker")).path("resources");
              assertThat(speaker.path("limits").path("memory").asString()).isEqualTo("512Mi");
              assertThat(speaker.path("requests").path("cpu").asString()).isEqualTo("200m");
              assertThat(speaker.path("requests").path("memory").asString()).as("other defaults stay").isEqualTo("192Mi");
              assertThat(Manifests.container(r.one("Deployment", "ironlb-controller")).path("resources"))
                  .isEqualTo(Manifests.container(DEFAULTS.one("Deployment", "ironlb-controller")).path("resources"));
            }),
        new Case("a bigger speaker heap for many Services, with the memory limit it needs",
            Map.of("speaker.heapMi", "256", "speaker.resources.limits.memory", "416Mi"),
            r -> {
              assertThat(Manifests.strings(Manifests.container(r.one("DaemonSet", "ironlb-speaker")).path("command")))
                  .contains("-Xmx256m").doesNotContain("-Xmx128m");
              assertThat(Manifests.strings(Manifests.container(r.one("Deployment", "ironlb-controller")).path("command")))
                  .contains("-Xmx128m");
            }),
        new Case("speaker tolerations after the control-plane ones",
            Map.of("speaker.tolerations[0].key", "dedicated", "speaker.tolerations[0].operator", "Equal",
                "speaker.tolerations[0].value", "lb", "speaker.tolerations[0].effect", "NoSchedule"),
            r -> assertThat(tolerations(r)).containsExactly("node-role.kubernetes.io/control-plane:Exists:NoSchedule",
                "node-role.kubernetes.io/master:Exists:NoSchedule", "dedicated:Equal:NoSchedule")),
        new Case("no control-plane tolerations with tolerateMaster false",
            Map.of("speaker.tolerateMaster", "false"),
            r -> assertThat(podSpec(r.one("DaemonSet", "ironlb-speaker")).has("tolerations")).isFalse()),
        new Case("nodeSelectors next to kubernetes.io/os",
            Map.of("speaker.nodeSelector.lan", "yes", "controller.nodeSelector.role", "infra"),
            r -> {
              assertThat(podSpec(r.one("DaemonSet", "ironlb-speaker")).path("nodeSelector").toString())
                  .isEqualTo("{\"kubernetes.io/os\":\"linux\",\"lan\":\"yes\"}");
              assertThat(podSpec(r.one("Deployment", "ironlb-controller")).path("nodeSelector").toString())
                  .isEqualTo("{\"kubernetes.io/os\":\"linux\",\"role\":\"infra\"}");
            }),
        new Case("a priority class for both",
            Map.of("speaker.priorityClassName", "system-node-critical", "controller.priorityClassName", "system-cluster-critical"),
            r -> {
              assertThat(podSpec(r.one("DaemonSet", "ironlb-speaker")).path("priorityClassName").asString()).isEqualTo("system-node-critical");
              assertThat(podSpec(r.one("Deployment", "ironlb-controller")).path("priorityClassName").asString())
                  .isEqualTo("system-cluster-critical");
            }),
        new Case("a load balancer class for both",
            Map.of("loadBalancerClass", "example.com/lan"),
            r -> assertThat(workloads(r)).allSatisfy(w -> assertThat(parsed(w).matchedOptionValue("--lb-class", ""))
                .isEqualTo("example.com/lan"))),
        new Case("extra flags reach the command",
            Map.of("speaker.extraArgs[0]", "--interfaces=eno1", "controller.extraArgs[0]", "--lease-duration=10s"),
            r -> {
              assertThat(parsed(r.one("DaemonSet", "ironlb-speaker")).matchedOptionValue("--interfaces", List.of())).isEqualTo(List.of("eno1"));
              assertThat(parsed(r.one("Deployment", "ironlb-controller")).matchedOption("--lease-duration")).isNotNull();
            }),
        new Case("another membership port moves the failure-detection port with it",
            Map.of("speaker.memberlist.mlBindPort", "7950"),
            r -> {
              JsonNode speaker = r.one("DaemonSet", "ironlb-speaker");
              assertThat(parsed(speaker).matchedOptionValue("--membership-port", 0)).isEqualTo(7950);
              assertThat(port(speaker, "membership")).isEqualTo(7950);
              assertThat(port(speaker, "membership-fd")).isEqualTo(8050);
            }),
        new Case("another membership Secret: both flags and both Roles",
            Map.of("speaker.secretName", "ironlb-memberlist"),
            r -> {
              assertThat(workloads(r)).allSatisfy(w -> assertThat(parsed(w).matchedOptionValue("--membership-secret", ""))
                  .isEqualTo("ironlb-memberlist"));
              assertThat(resourceNames(r, "ironlb-controller", "secrets")).containsExactly("ironlb-memberlist");
              assertThat(resourceNames(r, "ironlb-speaker", "secrets")).containsExactly("ironlb-memberlist");
            }),
        new Case("the metrics ports: container port, flag and scrape annotation agree",
            Map.of("speaker.metricsPort", "9473", "controller.metricsPort", "9472"),
            r -> {
              for (JsonNode w : workloads(r)) {
                int port = parsed(w).matchedOptionValue("--metrics-port", 0);
                assertThat(port).isIn(9472, 9473);
                assertThat(port(w, "metrics")).isEqualTo(port);
                assertThat(w.path("spec").path("template").path("metadata").path("annotations").path("prometheus.io/port").asString())
                    .isEqualTo(Integer.toString(port));
              }
            }),
        new Case("MetalLB's log level as IronLB's root log level, for the component it names",
            Map.of("speaker.logLevel", "debug"),
            r -> {
              assertThat(env(r.one("DaemonSet", "ironlb-speaker"))).containsEntry("IRONLB_LOG_LEVEL", "DEBUG");
              assertThat(env(r.one("Deployment", "ironlb-controller"))).doesNotContainKey("IRONLB_LOG_LEVEL");
              assertThat(logbackConfiguration()).contains("${IRONLB_LOG_LEVEL:-INFO}");
            }),
        new Case("no RBAC objects with rbac.create false",
            Map.of("rbac.create", "false"),
            r -> assertThat(Stream.of("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding").flatMap(k -> r.ofKind(k).stream()))
                .isEmpty()),
        new Case("ServiceAccounts of your own",
            Map.of("speaker.serviceAccount.create", "false", "speaker.serviceAccount.name", "lb-speaker"),
            r -> {
              assertThat(podSpec(r.one("DaemonSet", "ironlb-speaker")).path("serviceAccountName").asString()).isEqualTo("lb-speaker");
              assertThat(r.ofKind("ServiceAccount")).extracting(o -> o.path("metadata").path("name").asString())
                  .containsExactly("ironlb-controller");
              assertThat(r.one("RoleBinding", "ironlb-speaker").path("subjects").get(0).path("name").asString()).isEqualTo("lb-speaker");
            }),
        new Case("no CRDs with crds.enabled false",
            Map.of("crds.enabled", "false"),
            r -> assertThat(r.ofKind("CustomResourceDefinition")).isEmpty()),
        new Case("no scrape annotations, pod annotations and labels of your own",
            Map.of("prometheus.scrapeAnnotations", "false", "speaker.podAnnotations.team", "net", "speaker.labels.tier", "edge"),
            r -> {
              JsonNode meta = r.one("DaemonSet", "ironlb-speaker").path("spec").path("template").path("metadata");
              assertThat(meta.path("annotations").toString()).isEqualTo("{\"team\":\"net\"}");
              assertThat(meta.path("labels").path("tier").asString()).isEqualTo("edge");
              assertThat(r.one("Deployment", "ironlb-controller").path("spec").path("template").path("metadata").has("annotations")).isFalse();
            }),
        new Case("a PodMonitor that selects both components' pods on their metrics port",
            Map.of("prometheus.podMonitor.enabled", "true", "prometheus.podMonitor.additionalLabels.release", "kps"),
            r -> {
              JsonNode monitor = r.one("PodMonitor", "ironlb");
              assertThat(monitor.path("metadata").path("labels").path("release").asString()).isEqualTo("kps");
              assertThat(workloads(r)).allSatisfy(w -> {
                assertThat(selects(monitor.path("spec").path("selector").path("matchLabels"), w)).isTrue();
                assertThat(port(w, monitor.path("spec").path("podMetricsEndpoints").get(0).path("port").asString())).isPositive();
              });
            }),
        new Case("ServiceMonitors with headless Services that select each component on its metrics port",
            Map.of("prometheus.serviceMonitor.enabled", "true"),
            r -> {
              for (String component : List.of("speaker", "controller")) {
                JsonNode monitor = r.one("ServiceMonitor", "ironlb-" + component + "-monitor");
                JsonNode service = r.one("Service", "ironlb-" + component + "-monitor-service");
                JsonNode workload = r.one(component.equals("speaker") ? "DaemonSet" : "Deployment", "ironlb-" + component);
                assertThat(selects(monitor.path("spec").path("selector").path("matchLabels"), service)).isTrue();
                assertThat(selects(service.path("spec").path("selector"), workload)).isTrue();
                assertThat(service.path("spec").path("ports").get(0).path("targetPort").asString()).isEqualTo("metrics");
                assertThat(service.path("spec").path("ports").get(0).path("port").asInt()).isEqualTo(port(workload, "metrics"));
                assertThat(service.path("spec").path("clusterIP").asString()).isEqualTo("None");
              }
            }),
        new Case("alerts switched off, relabelled and added",
            Map.of("prometheus.prometheusRule.enabled", "true", "prometheus.prometheusRule.addressConflict.enabled", "false",
                "prometheus.prometheusRule.membershipFallback.labels.severity", "critical",
                "prometheus.prometheusRule.addressPoolUsage.thresholds[0].percent", "50",
                "prometheus.prometheusRule.addressPoolUsage.thresholds[0].labels.severity", "info",
                "prometheus.prometheusRule.extraAlerts[0].alert", "Mine", "prometheus.prometheusRule.extraAlerts[0].expr", "vector(1)"),
            r -> {
              Map<String, String> severity = new LinkedHashMap<>();
              r.one("PrometheusRule", "ironlb").path("spec").path("groups").get(0).path("rules")
                  .forEach(rule -> severity.put(rule.path("alert").asString(), rule.path("labels").path("severity").asString()));
              assertThat(severity).doesNotContainKey("IronLBAddressConflict").containsEntry("IronLBMembershipFallback", "critical")
                  .containsEntry("MetalLBAddressPoolUsage50Percent", "info").containsKey("Mine");
            }),
        new Case("another release name: every name, the Lease and the Roles follow it",
            Map.of("fullnameOverride", "lb"),
            r -> {
              assertThat(r.one("DaemonSet", "lb-speaker")).isNotNull();
              JsonNode controller = r.one("Deployment", "lb-controller");
              assertThat(parsed(controller).matchedOptionValue("--lease-name", "")).isEqualTo("lb-controller");
              assertThat(resourceNames(r, "lb-controller", "leases")).containsExactly("lb-controller");
              assertThat(r.one("ClusterRoleBinding", "lb:speaker").path("subjects").get(0).path("name").asString()).isEqualTo("lb-speaker");
            }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void nonDefaultValuesChangeWhatTheyName(Case c) {
    HelmChart.Rendered r = HelmChart.render(c.values());

    c.check().accept(r);
    // Whatever the values, every argument is a flag the command knows.
    workloads(r).forEach(HelmChartTest::parsed);
  }

  static Stream<List<String>> refusedValues() {
    // key, value, what the error must say
    return Stream.of(
        List.of("speaker.resources.limits.memory", "100Mi", "speaker.resources.limits.memory: 100Mi is below what the speaker's JVM needs"),
        List.of("controller.resources.limits.memory", "0.25Gi", "set at least 288Mi"),
        List.of("speaker.heapMi", "256", "below what the speaker's JVM needs (heap -Xmx256m + ~160Mi outside the heap = 416Mi)"),
        List.of("controller.heapMi", "32", "'/controller/heapMi'"),
        List.of("speaker.resources.limits.memory", "lots", "\"lots\" is not a memory quantity"),
        List.of("image.repository", "", "image.repository must name the IronLB image"),
        // values.schema.json
        List.of("controller.logLevel", "verbose", "'/controller/logLevel': value must be one of 'all', 'debug'"),
        List.of("speaker.tolerations", "NoSchedule", "'/speaker/tolerations': got string, want array"),
        List.of("speaker.memberlist.mlBindPort", "65500", "'/speaker/memberlist/mlBindPort'"),
        List.of("speaker.extraArgs[0]", "interfaces=eno1", "'/speaker/extraArgs/0'"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("refusedValues")
  void valuesThatCannotWorkAreRefusedWithTheFieldAndTheFix(List<String> c) {
    assertThat(HelmChart.failure(Map.of(c.get(0), c.get(1)))).contains(c.get(2));
  }

  @Test
  void aMetalLbValuesFileInstallsWithTheKeysThatApply() {
    HelmChart.Rendered r = HelmChart.render(Path.of("product/src/test/resources/helm/metallb-values.yaml"),
        Map.of("image.repository", "registry.example/ironlb"));
    JsonNode speaker = r.one("DaemonSet", "ironlb-speaker");
    JsonNode controller = r.one("Deployment", "ironlb-controller");

    // MetalLB's per-component images are not IronLB's: the one image value wins.
    assertThat(workloads(r)).allSatisfy(w -> assertThat(Manifests.container(w).path("image").asString()).startsWith("registry.example/ironlb:"));
    assertThat(tolerations(r)).containsExactly("node-role.kubernetes.io/control-plane:Exists:NoSchedule",
        "node-role.kubernetes.io/master:Exists:NoSchedule", "dedicated:Equal:NoSchedule");
    assertThat(podSpec(controller).path("nodeSelector").has("node-role.kubernetes.io/infra")).isTrue();
    assertThat(podSpec(controller).path("priorityClassName").asString()).isEqualTo("system-cluster-critical");
    assertThat(Manifests.container(speaker).path("resources").path("limits").path("memory").asString()).isEqualTo("512Mi");
    assertThat(env(speaker)).containsEntry("IRONLB_LOG_LEVEL", "DEBUG");
    assertThat(r.one("PodMonitor", "ironlb").path("metadata").path("labels").path("release").asString()).isEqualTo("kube-prometheus-stack");
    JsonNode rules = r.one("PrometheusRule", "ironlb");
    assertThat(rules.path("metadata").path("labels").path("release").asString()).isEqualTo("kube-prometheus-stack");
    Map<String, String> exprs = new TreeMap<>();
    rules.path("spec").path("groups").get(0).path("rules").forEach(x -> exprs.put(x.path("alert").asString(), x.path("expr").asString()));
    assertThat(exprs.get("MetalLBAddressPoolExhausted")).contains("pool!~\"test-.*\"");
    assertThat(exprs).doesNotContainKeys("MetalLBStaleConfig", "MetalLBBGPSessionDown");
    assertThat(speaker.path("spec").path("template").path("metadata").has("annotations")).as("scrapeAnnotations false").isFalse();
    workloads(r).forEach(HelmChartTest::parsed);
  }

  @Test
  void helmLintFindsNothingWrong() {
    LintResult lint = new Helm(HelmChart.CHART).lint().strict().call();

    assertThat(lint.isFailed()).as(lint.getMessages().toString()).isFalse();
    assertThat(lint.getMessages()).allSatisfy(m -> assertThat(m).startsWith("[INFO]"));
  }

  @Test
  void aPodMonitorAndServiceMonitorsTogetherAreRefused() {
    assertThat(HelmChart.failure(Map.of("prometheus.podMonitor.enabled", "true", "prometheus.serviceMonitor.enabled", "true")))
        .contains("cannot both be set");
  }

  @Test
  void aMemoryLimitOfExactlyHeapPlusNonHeapIsAccepted() {
    HelmChart.Rendered r = HelmChart.render(Map.of("speaker.resources.limits.memory", "288Mi", "controller.resources.limits.memory", "1Gi"));

    assertThat(r.ofKind("DaemonSet")).hasSize(1);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private static List<JsonNode> workloads(HelmChart.Rendered r) {
    List<JsonNode> out = new ArrayList<>(r.ofKind("Deployment"));
    out.addAll(r.ofKind("DaemonSet"));
    assertThat(out).hasSize(2);
    return out;
  }

  private static JsonNode podSpec(JsonNode workload) {
    return workload.path("spec").path("template").path("spec");
  }

  private static CommandLine.ParseResult parsed(JsonNode workload) {
    return Main.commandLine().parseArgs(Manifests.strings(Manifests.container(workload).path("args")).toArray(String[]::new)).subcommand();
  }

  private static int port(JsonNode workload, String name) {
    return Manifests.port(Manifests.container(workload), name);
  }

  private static Map<String, String> env(JsonNode workload) {
    Map<String, String> out = new TreeMap<>();
    Manifests.container(workload).path("env").forEach(e -> out.put(e.path("name").asString(), e.path("value").asString()));
    return out;
  }

  private static String logbackConfiguration() {
    try {
      return Files.readString(Path.of("product/src/main/resources/logback.xml"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> tolerations(HelmChart.Rendered r) {
    List<String> out = new ArrayList<>();
    podSpec(r.one("DaemonSet", "ironlb-speaker")).path("tolerations").forEach(t -> out.add(t.path("key").asString() + ":"
        + t.path("operator").asString() + ":" + t.path("effect").asString()));
    return out;
  }

  private static List<String> resourceNames(HelmChart.Rendered r, String role, String resource) {
    return Manifests.resourceNames(r.one("Role", role), resource);
  }

  /** Whether a selector's labels are all on the object (a workload: its pod template). */
  private static boolean selects(JsonNode matchLabels, JsonNode object) {
    JsonNode labels = object.path("spec").has("template")
        ? object.path("spec").path("template").path("metadata").path("labels") : object.path("metadata").path("labels");
    assertThat(matchLabels.size()).isPositive();
    return matchLabels.properties().stream().allMatch(e -> e.getValue().asString().equals(labels.path(e.getKey()).asString()));
  }

  /** Objects by "Kind namespace/name"; the chart's without Helm's own labels. */
  private static Map<String, JsonNode> byKey(List<JsonNode> objects, boolean fromChart) {
    Map<String, JsonNode> out = new TreeMap<>();
    for (JsonNode o : objects) {
      JsonNode copy = o.deepCopy();
      if (fromChart) {
        dropHelmLabels(copy.path("metadata").path("labels"));
        dropHelmLabels(copy.path("spec").path("template").path("metadata").path("labels"));
      }
      String ns = o.path("metadata").path("namespace").asString("");
      out.put(o.path("kind").asString() + " " + (ns.isEmpty() ? "" : ns + "/") + o.path("metadata").path("name").asString(), copy);
    }
    return out;
  }

  private static void dropHelmLabels(JsonNode labels) {
    if (labels instanceof ObjectNode l) {
      HELM_LABELS.forEach(l::remove);
      // deploy/default names the app only on workloads; Helm's convention puts it on every object.
      if (!l.has("app.kubernetes.io/component")) {
        l.remove("app.kubernetes.io/name");
      }
    }
  }

  private static void diff(String path, JsonNode kustomized, JsonNode charted, List<String> out) {
    if (kustomized.isObject() && charted.isObject()) {
      Set<String> fields = new TreeSet<>(kustomized.propertyNames());
      fields.addAll(charted.propertyNames());
      for (String f : fields) {
        JsonNode k = kustomized.path(f);
        JsonNode c = charted.path(f);
        String at = path.endsWith(" ") ? path + f : path + "." + f;
        if (k.isMissingNode()) {
          out.add(at + ": only in the chart: " + c);
        } else if (c.isMissingNode()) {
          out.add(at + ": only in deploy/default: " + k);
        } else {
          diff(at, k, c, out);
        }
      }
    } else if (kustomized.isArray() && charted.isArray() && kustomized.size() == charted.size()) {
      for (int i = 0; i < kustomized.size(); i++) {
        diff(path + "[" + i + "]", kustomized.get(i), charted.get(i), out);
      }
    } else if (!kustomized.equals(charted)) {
      out.add(path + ": deploy/default " + kustomized + ", chart " + charted);
    }
  }
}
