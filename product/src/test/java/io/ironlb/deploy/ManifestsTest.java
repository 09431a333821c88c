package io.ironlb.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ironlb.cli.Main;
import io.ironlb.runtime.MetricsServer;
import io.ironlb.crds.CrdValidator;
import io.ironlb.k8s.MembershipSecret;
import io.ironlb.membership.MembershipConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/** deploy/default and the code agree: commands, flags, ports, probes, image, security and the seed's config. */
class ManifestsTest {
  private static final Manifests MANIFESTS = Manifests.load();

  record Workload(String component, String kind, String name, String serviceAccount) {
    JsonNode object() {
      return MANIFESTS.one(kind, name);
    }

    JsonNode container() {
      return Manifests.container(object());
    }

    JsonNode podSpec() {
      return object().path("spec").path("template").path("spec");
    }

    /** The init container that makes the JVM's AOT cache. */
    JsonNode aotCacheInit() {
      JsonNode inits = podSpec().path("initContainers");
      assertThat(inits.size()).as(name + " init containers").isEqualTo(1);
      assertThat(inits.get(0).path("name").asString()).isEqualTo("aot-cache");
      return inits.get(0);
    }

    /** The ironlb arguments (subcommand first). */
    List<String> args() {
      return Manifests.strings(container().path("args"));
    }

    CommandLine.ParseResult parsed() {
      return Main.commandLine().parseArgs(args().toArray(String[]::new)).subcommand();
    }

    int port(String name) {
      return Manifests.port(container(), name);
    }
  }

  private static final Workload CONTROLLER = new Workload("controller", "Deployment", "ironlb-controller", "ironlb-controller");
  private static final Workload SPEAKER = new Workload("speaker", "DaemonSet", "ironlb-speaker", "ironlb-speaker");

  static Stream<Workload> workloads() {
    return Stream.of(CONTROLLER, SPEAKER);
  }

  @Test
  void kubectlKustomizeRendersTheBase() {
    assumeTrue(Manifests.kubectlInstalled(), "kubectl is not installed (.ci/run installs it): the base was read file by file instead");

    assertThat(MANIFESTS.renderedByKubectl()).isTrue();
    assertThat(MANIFESTS.all()).extracting(o -> o.path("kind").asString()).contains(
        "Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
        "Deployment", "DaemonSet");
  }

  @Test
  void theBaseInstallsTheProjectsCrdsAndThePrivilegedNamespace() {
    List<String> crds = MANIFESTS.ofKind("CustomResourceDefinition").stream().map(o -> o.path("metadata").path("name").asString())
        .sorted().toList();
    JsonNode namespace = MANIFESTS.one("Namespace", Manifests.NAMESPACE);

    assertThat(crds).containsExactly("configurationstates.metallb.io", "ipaddresspools.metallb.io", "l2advertisements.metallb.io",
        "servicel2statuses.metallb.io");
    // The speaker's hostNetwork and NET_RAW are allowed only at the "privileged" Pod Security level.
    assertThat(namespace.path("metadata").path("labels").path("pod-security.kubernetes.io/enforce").asString()).isEqualTo("privileged");
    for (JsonNode o : MANIFESTS.all()) {
      String kind = o.path("kind").asString();
      if (!List.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding").contains(kind)) {
        assertThat(o.path("metadata").path("namespace").asString()).as(kind + " " + o.path("metadata").path("name").asString())
            .isEqualTo(Manifests.NAMESPACE);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void everyArgumentIsAnOptionOfTheIronlbCommand(Workload w) {
    CommandLine.ParseResult sub = w.parsed(); // throws on an unknown option or a bad value

    assertThat(sub.commandSpec().name()).isEqualTo(w.component());
    assertThat(sub.matchedOptionValue("--namespace", "")).isEqualTo(Manifests.NAMESPACE);
    assertThat(sub.unmatched()).isEmpty();
  }

  /** Variables read by the runtime rather than by IronLB's code: glibc's malloc arena count. */
  static final Set<String> RUNTIME_ENVIRONMENT = Set.of("MALLOC_ARENA_MAX");

  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void everyEnvironmentVariableSetIsOneTheCodeOrTheRuntimeReads(Workload w) throws IOException {
    Set<String> read = new TreeSet<>();
    Pattern getenv = Pattern.compile("getenv\\(\"([A-Z_]+)\"\\)");
    try (Stream<Path> files = Files.walk(Path.of("product/src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = getenv.matcher(Files.readString(f));
        while (m.find()) {
          read.add(m.group(1));
        }
      }
    }
    List<String> set = new ArrayList<>();
    w.container().path("env").forEach(e -> set.add(e.path("name").asString()));
    read.addAll(RUNTIME_ENVIRONMENT);

    assertThat(read).containsAll(set);
  }

  @Test
  void eachComponentGetsTheDownwardApiValuesItNeeds() {
    assertThat(envFieldPath(SPEAKER, "NODE_NAME")).isEqualTo("spec.nodeName");
    assertThat(envFieldPath(CONTROLLER, "POD_NAME")).isEqualTo("metadata.name");
  }

  private static String envFieldPath(Workload w, String name) {
    for (JsonNode e : w.container().path("env")) {
      if (name.equals(e.path("name").asString())) {
        return e.path("valueFrom").path("fieldRef").path("fieldPath").asString();
      }
    }
    throw new AssertionError(w.name() + " sets no " + name);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void theCommandIsTheImagesEntrypointWithHeapSettings(Workload w) throws Exception {
    Jib jib = Jib.fromPom();
    List<String> command = Manifests.strings(w.container().path("command"));

    // The base's images: entry tags the image with the project's version, the tag Jib pushes by default.
    assertThat(w.container().path("image").asString())
        .isEqualTo(MANIFESTS.renderedByKubectl() ? "ironlb:" + jib.projectVersion() : "ironlb");
    assertThat(command.getFirst()).isEqualTo("java");
    assertThat(command.subList(1, 1 + jib.jvmFlags().size())).as("the image's own JVM flags come first").isEqualTo(jib.jvmFlags());
    assertThat(command.subList(command.size() - 3, command.size()))
        .containsExactly("-cp", "@" + jib.appRoot() + "/jib-classpath-file", jib.mainClass());
    assertThat(command).anyMatch(f -> f.startsWith("-Xmx")).anyMatch(f -> f.startsWith("-Xms"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void jdk25AcceptsEveryJvmFlag(Workload w) throws Exception {
    List<String> command = Manifests.strings(w.container().path("command"));
    List<String> flags = command.subList(1, command.size() - 3);
    List<String> argv = new ArrayList<>();
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.addAll(flags);
    argv.add("-version");

    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());

    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("version \"25");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void probesAskTheMetricsServerForAPathItServesAndReadinessIsNotLiveness(Workload w) throws Exception {
    int metricsPort = w.parsed().matchedOptionValue("--metrics-port", -1);
    assertThat(w.port("metrics")).isEqualTo(metricsPort);

    try (MetricsServer server = MetricsServer.start(0, new PrometheusRegistry(), Optional::empty);
        HttpClient http = HttpClient.newHttpClient()) {
      for (String probe : List.of("livenessProbe", "readinessProbe")) {
        JsonNode get = w.container().path(probe).path("httpGet");
        assertThat(get.path("port").asString()).as(probe + " port").isEqualTo("metrics");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.getPort() + get.path("path").asString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(probe + " " + get.path("path").asString()).isEqualTo(200);
      }
      assertThat(w.container().path("readinessProbe").path("httpGet").path("path").asString()).isEqualTo(MetricsServer.READY_PATH);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void workloadsRunUnderTheirOwnServiceAccountWithLimitsAboveTheHeap(Workload w) {
    List<String> command = Manifests.strings(w.container().path("command"));
    int xmxMi = command.stream().filter(f -> f.startsWith("-Xmx")).map(f -> Integer.parseInt(f.replaceAll("\\D", ""))).findFirst()
        .orElseThrow();
    JsonNode resources = w.container().path("resources");

    assertThat(w.podSpec().path("serviceAccountName").asString()).isEqualTo(w.serviceAccount());
    assertThat(MANIFESTS.one("ServiceAccount", w.serviceAccount())).isNotNull();
    // Measured non-heap (metaspace, code, CDS, threads): ~110 MiB. A limit below heap + that kills a healthy JVM.
    assertThat(mebibytes(resources.path("limits").path("memory").asString())).isGreaterThanOrEqualTo(xmxMi + 160);
    assertThat(mebibytes(resources.path("requests").path("memory").asString())).isGreaterThanOrEqualTo(160);
    assertThat(resources.path("requests").path("cpu").isMissingNode()).isFalse();
    // A CPU limit means CFS throttling: pauses that membership would take for a dead node.
    assertThat(resources.path("limits").path("cpu").isMissingNode()).isTrue();
    assertThat(w.container().path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(w.container().path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
  }

  /** Where the init container writes the AOT cache and the main container reads it. */
  static final String AOT_CACHE = "/aot/ironlb.aot";

  /**
   * The JVM refuses an AOT cache made by another JVM, class path or flags (-XX:+UseCompactObjectHeaders,
   * the collector): the init container runs the main container's image and flags, and only its
   * last flag differs (it writes the cache the main container reads).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void theInitContainerMakesTheAotCacheWithTheMainContainersImageAndFlags(Workload w) {
    JsonNode init = w.aotCacheInit();
    List<String> command = Manifests.strings(w.container().path("command"));
    List<String> flags = command.subList(1, command.size() - 3);
    List<String> expected = new ArrayList<>(command);
    expected.set(flags.size(), "-XX:AOTCacheOutput=" + AOT_CACHE);

    assertThat(flags.getLast()).isEqualTo("-XX:AOTCache=" + AOT_CACHE);
    assertThat(Manifests.strings(init.path("command"))).isEqualTo(expected);
    // Its own start-up only: a JVM started from the cache loads every class in it (the controller's
    // would otherwise carry the speaker's membership and data plane).
    assertThat(Manifests.strings(init.path("args"))).containsExactly("rehearse", "--for=" + w.component());
    Main.commandLine().parseArgs(Manifests.strings(init.path("args")).toArray(String[]::new)); // throws on a bad --for
    assertThat(init.path("image")).isEqualTo(w.container().path("image"));
    assertThat(init.path("env").toString()).isEqualTo(literalEnv(w.container()).toString());
    assertThat(mount(init, "aot").path("readOnly").asBoolean(false)).isFalse();
    assertThat(mount(w.container(), "aot").path("readOnly").asBoolean()).isTrue();
    assertThat(w.podSpec().path("volumes").valueStream().filter(v -> v.path("name").asString().equals("aot")).toList())
        .singleElement().satisfies(v -> assertThat(v.has("emptyDir")).isTrue());
  }

  /**
   * Assembling the cache runs a second JVM beside the first: measured ~520 MiB resident at the
   * peak, so the limit leaves room for it. A pod reserves the larger of its init containers'
   * requests and its containers' sum for its whole life, so the init container asks for no more
   * than the component itself; and it gets no privilege (rehearse needs none).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void theAotCacheInitContainerHasRoomToAssembleItButReservesNoMoreAndHasNoPrivilege(Workload w) {
    JsonNode init = w.aotCacheInit();
    JsonNode resources = init.path("resources");
    JsonNode own = w.container().path("resources");

    assertThat(mebibytes(resources.path("limits").path("memory").asString())).isGreaterThanOrEqualTo(600);
    assertThat(mebibytes(resources.path("requests").path("memory").asString()))
        .isLessThanOrEqualTo(mebibytes(own.path("requests").path("memory").asString()));
    assertThat(millicores(resources.path("requests").path("cpu").asString()))
        .isLessThanOrEqualTo(millicores(own.path("requests").path("cpu").asString()));
    assertThat(resources.path("limits").path("cpu").isMissingNode()).isTrue();
    assertThat(init.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(init.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(Manifests.strings(init.path("securityContext").path("capabilities").path("drop"))).containsExactly("ALL");
    assertThat(init.path("securityContext").path("capabilities").path("add").isMissingNode()).isTrue();
  }

  @Test
  void rehearseIsAHiddenCommand() {
    CommandLine.ParseResult rehearse = Main.commandLine().parseArgs("rehearse").subcommand();

    assertThat(rehearse.commandSpec().name()).isEqualTo("rehearse");
    assertThat(Main.commandLine().getUsageMessage()).contains("speaker").doesNotContain("rehearse");
  }

  private static List<JsonNode> literalEnv(JsonNode container) {
    return container.path("env").valueStream().filter(e -> e.has("value")).toList();
  }

  private static JsonNode mount(JsonNode container, String volume) {
    return container.path("volumeMounts").valueStream().filter(m -> m.path("name").asString().equals(volume)).findFirst()
        .orElseThrow(() -> new AssertionError(container.path("name").asString() + " does not mount " + volume));
  }

  private static int millicores(String quantity) {
    assertThat(quantity).endsWith("m");
    return Integer.parseInt(quantity.substring(0, quantity.length() - 1));
  }

  private static int mebibytes(String quantity) {
    assertThat(quantity).endsWith("Mi");
    return Integer.parseInt(quantity.substring(0, quantity.length() - 2));
  }

  @Test
  void speakerRunsOnEveryNodeOnTheHostNetworkWithNetRawAndSysNiceOnly() {
    JsonNode spec = SPEAKER.podSpec();
    JsonNode caps = SPEAKER.container().path("securityContext").path("capabilities");
    List<String> tolerated = new ArrayList<>();
    spec.path("tolerations").forEach(t -> tolerated.add(t.path("key").asString() + ":" + t.path("operator").asString()
        + ":" + t.path("effect").asString()));

    assertThat(spec.path("hostNetwork").asBoolean()).isTrue();
    assertThat(spec.path("dnsPolicy").asString()).isEqualTo("ClusterFirstWithHostNet");
    assertThat(Manifests.strings(caps.path("add"))).containsExactly("NET_RAW", "SYS_NICE");
    assertThat(Manifests.strings(caps.path("drop"))).containsExactly("ALL");
    assertThat(SPEAKER.container().path("securityContext").path("privileged").asBoolean(false)).isFalse();
    assertThat(tolerated).contains("node-role.kubernetes.io/control-plane:Exists:NoSchedule");
  }

  @Test
  void controllerRunsAsNonRootWithNoCapabilities() {
    JsonNode pod = CONTROLLER.podSpec().path("securityContext");

    assertThat(pod.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(Manifests.strings(CONTROLLER.container().path("securityContext").path("capabilities").path("drop"))).containsExactly("ALL");
    assertThat(CONTROLLER.container().path("securityContext").path("capabilities").path("add").isMissingNode()).isTrue();
  }

  @Test
  void membershipPortsAreTheOnesTheSpeakerListensOn() {
    int port = SPEAKER.parsed().matchedOptionValue("--membership-port", -1);

    assertThat(SPEAKER.port("membership")).isEqualTo(port);
    assertThat(SPEAKER.port("membership-hb")).isEqualTo(port); // the UDP heartbeats
    assertThat(SPEAKER.port("membership-fd")).isEqualTo(port + MembershipConfig.FD_SOCK_OFFSET);
  }

  @Test
  void theSecretAndLeaseNamesAreTheOnesTheRolesName() {
    assertThat(SPEAKER.parsed().matchedOptionValue("--membership-secret", "")).isEqualTo(MembershipSecret.DEFAULT_NAME);
    assertThat(resourceNames("ironlb-speaker", "secrets")).containsExactly(MembershipSecret.DEFAULT_NAME);
    assertThat(resourceNames("ironlb-controller", "secrets")).containsExactly(MembershipSecret.DEFAULT_NAME);
    assertThat(resourceNames("ironlb-controller", "leases"))
        .containsExactly(CONTROLLER.parsed().matchedOptionValue("--lease-name", ""));
  }

  private static List<String> resourceNames(String role, String resource) {
    return Manifests.resourceNames(MANIFESTS.one("Role", role), resource);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void podsCarryTheLabelsTheSeedsCommandsSelect(Workload w) {
    JsonNode labels = w.object().path("spec").path("template").path("metadata").path("labels");
    JsonNode selector = w.object().path("spec").path("selector").path("matchLabels");

    // kubectl get pods -n metallb-system -l component=speaker, and kubectl logs ... -l component=speaker
    assertThat(labels.path("component").asString()).isEqualTo(w.component());
    selector.properties().forEach(e -> assertThat(labels.path(e.getKey()).asString()).isEqualTo(e.getValue().asString()));
  }

  @Test
  void theSeedsConfigurationShipsUnchangedAndTheCrdsAcceptIt() {
    List<JsonNode> example = CrdValidator.readYaml(Path.of("deploy/examples/metallb-config.yaml"));
    List<JsonNode> seed = CrdValidator.readYaml(Path.of("product/src/test/resources/crds/seed-metallb-config.yaml"));
    CrdValidator validator = CrdValidator.fromKustomization(Path.of("deploy/crds"));

    assertThat(example).isEqualTo(seed);
    for (JsonNode o : example) {
      assertThat(validator.validate(o, CrdValidator.UnknownFields.STRICT).errors()).isEmpty();
    }
  }

  static Stream<List<String>> invalidPools() {
    // name, spec.addresses (YAML), what the API server's message names
    return Stream.of(
        List.of("a CIDR that is not one", "[192.168.86.300/24]", "192.168.86.300/24"),
        List.of("a range that starts after it ends", "[192.168.86.220-192.168.86.200]", "192.168.86.220-192.168.86.200"),
        List.of("no addresses at all", "[]", "addresses"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidPools")
  void theInstalledCrdsRefuseThePoolsTheControllerWouldRefuse(List<String> c) {
    CrdValidator validator = CrdValidator.fromKustomization(Path.of("deploy/crds"));
    JsonNode pool = CrdValidator.parseYaml("""
        apiVersion: metallb.io/v1beta1
        kind: IPAddressPool
        metadata: {name: lan-pool, namespace: metallb-system}
        spec:
          addresses: %s
        """.formatted(c.get(1))).getFirst();

    List<String> errors = validator.validate(pool, CrdValidator.UnknownFields.STRICT).errors();

    assertThat(errors).as(c.get(0)).isNotEmpty();
    assertThat(String.join("\n", errors)).contains(c.get(2));
  }

  /** The Jib configuration in pom.xml. */
  record Jib(String mainClass, String appRoot, List<String> jvmFlags, List<String> platforms, String baseImage,
      String projectVersion) {
    static Jib fromPom() throws Exception {
      Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("product/pom.xml").toFile());
      NodeList plugins = pom.getElementsByTagName("plugin");
      for (int i = 0; i < plugins.getLength(); i++) {
        Element plugin = (Element) plugins.item(i);
        if ("jib-maven-plugin".equals(text(plugin, "artifactId"))) {
          List<String> flags = new ArrayList<>();
          NodeList f = plugin.getElementsByTagName("jvmFlag");
          for (int j = 0; j < f.getLength(); j++) {
            flags.add(f.item(j).getTextContent().strip());
          }
          List<String> platforms = new ArrayList<>();
          NodeList p = plugin.getElementsByTagName("platform");
          for (int j = 0; j < p.getLength(); j++) {
            platforms.add(text((Element) p.item(j), "os") + "/" + text((Element) p.item(j), "architecture"));
          }
          Element from = (Element) plugin.getElementsByTagName("from").item(0);
          // The module inherits its version from the parent pom (the repository's root).
          Element parent = (Element) pom.getDocumentElement().getElementsByTagName("parent").item(0);
          String version = text(parent, "version");
          return new Jib(text(plugin, "mainClass"), text(plugin, "appRoot"), flags, platforms, text(from, "image"), version);
        }
      }
      throw new AssertionError("pom.xml has no jib-maven-plugin");
    }

    private static String text(Element parent, String tag) {
      NodeList n = parent.getElementsByTagName(tag);
      return n.getLength() == 0 ? null : n.item(0).getTextContent().strip();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workloads")
  void thePodMonitorScrapesTheMetricsPortOfEveryComponent(Workload w) {
    JsonNode monitor = Manifests.load(Path.of("deploy/prometheus")).one("PodMonitor", "ironlb");
    JsonNode labels = w.object().path("spec").path("template").path("metadata").path("labels");

    monitor.path("spec").path("selector").path("matchLabels").properties()
        .forEach(e -> assertThat(labels.path(e.getKey()).asString()).isEqualTo(e.getValue().asString()));
    assertThat(monitor.path("spec").path("podMetricsEndpoints").get(0).path("port").asString()).isEqualTo("metrics");
    assertThat(w.port("metrics")).isPositive();
    assertThat(w.object().path("spec").path("template").path("metadata").path("annotations").path("prometheus.io/port").asString())
        .isEqualTo(Integer.toString(w.port("metrics")));
  }

  @Test
  void theImageIsMultiArchOnATemurin25Jre() throws Exception {
    Jib jib = Jib.fromPom();

    assertThat(jib.platforms()).containsExactlyInAnyOrder("linux/amd64", "linux/arm64");
    assertThat(jib.baseImage()).isEqualTo("eclipse-temurin:25-jre");
    assertThat(jib.mainClass()).isEqualTo(Main.class.getName());
    assertThat(jib.jvmFlags()).contains("--enable-native-access=ALL-UNNAMED");
    assertThat(Files.readString(Manifests.BASE.resolve("kustomization.yaml"))).contains("newTag: " + jib.projectVersion());
  }
}
