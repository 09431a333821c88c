package io.ironlb.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.controller.ControllerMetricsSamples;
import io.ironlb.runtime.MetricsServer;
import io.ironlb.speaker.SpeakerMetricsSamples;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code metallb_*} family a MetalLB Layer 2 user's dashboards and alerts can query, as a
 * scrape of the real {@code /metrics} of each process shows it: MetalLB's exposed name, type and
 * labels (MetalLB's allocator/stats.go, k8s controllers/stats.go, speaker/main.go, layer2/stats.go;
 * notes section 7). And the docs name exactly what is exported.
 */
class MetalLbMetricsTest {

  record Family(String process, String name, String type, Set<String> labels) {
    @Override
    public String toString() {
      return process + " " + name;
    }
  }

  private static final String CONTROLLER = "controller";
  private static final String SPEAKER = "speaker";

  static Stream<Family> metallbFamilies() {
    Set<String> pool = Set.of("pool");
    Set<String> none = Set.of();
    return Stream.of(
        new Family(CONTROLLER, "metallb_allocator_addresses_total", "gauge", pool),
        new Family(CONTROLLER, "metallb_allocator_ipv4_addresses_total", "gauge", pool),
        new Family(CONTROLLER, "metallb_allocator_ipv6_addresses_total", "gauge", pool),
        new Family(CONTROLLER, "metallb_allocator_addresses_in_use_total", "gauge", pool),
        new Family(CONTROLLER, "metallb_allocator_ipv4_addresses_in_use_total", "gauge", pool),
        new Family(CONTROLLER, "metallb_allocator_ipv6_addresses_in_use_total", "gauge", pool),
        new Family(CONTROLLER, "metallb_k8s_client_updates_total", "counter", none),
        new Family(CONTROLLER, "metallb_k8s_client_update_errors_total", "counter", none),
        new Family(CONTROLLER, "metallb_k8s_client_config_loaded_bool", "gauge", none),
        new Family(CONTROLLER, "metallb_k8s_client_config_stale_bool", "gauge", none),
        new Family(SPEAKER, "metallb_speaker_announced", "gauge", Set.of("service", "protocol", "node", "ip")),
        new Family(SPEAKER, "metallb_layer2_requests_received", "counter", Set.of("ip")),
        new Family(SPEAKER, "metallb_layer2_responses_sent", "counter", Set.of("ip")),
        new Family(SPEAKER, "metallb_layer2_gratuitous_sent", "counter", Set.of("ip")));
  }

  private static final Map<String, Consumer<PrometheusRegistry>> PROCESSES = Map.of(
      CONTROLLER, ControllerMetricsSamples::filled, SPEAKER, SpeakerMetricsSamples::filled);

  private static String scrape(String process) throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    PROCESSES.get(process).accept(registry);
    try (MetricsServer server = MetricsServer.start(0, registry, Optional::empty); HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      return r.body();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("metallbFamilies")
  void theProcessExportsMetalLbsFamilyWithItsNameTypeAndLabels(Family expected) throws Exception {
    Map<String, ExportedMetrics.Family> exported = ExportedMetrics.families(scrape(expected.process()));

    assertThat(exported).as("families of the %s", expected.process()).containsKey(expected.name());
    assertThat(exported.get(expected.name()).type()).isEqualTo(expected.type());
    assertThat(exported.get(expected.name()).labels()).isEqualTo(expected.labels());
  }

  @Test
  void metalLbsUnsetFamilyIsNotExportedEither() throws Exception {
    // Registered by MetalLB's allocator but never set, so never shown: a dashboard cannot rely on it.
    assertThat(scrape(CONTROLLER)).doesNotContain("metallb_allocator_services_allocated_total");
  }

  /** A whole name (a family prefix such as {@code metallb_k8s_client_*} is not one). */
  private static final Pattern METALLB_NAME = Pattern.compile("\\bmetallb_[a-z0-9_]*[a-z0-9]\\b(?!_?\\*)");
  /** MetalLB's names IronLB does not export, which a doc may name as such: BGP's, and the allocator gauge MetalLB never sets. */
  private static final Set<String> NOT_EXPORTED = Set.of("metallb_allocator_services_allocated_total", "metallb_bgp_session_up",
      "metallb_bgp_updates_total", "metallb_bgp_announced_prefixes_total", "metallb_bgp_pending_prefixes_total");

  @ParameterizedTest
  @MethodSource("docs")
  void theDocsNameOnlyMetalLbMetricsTheProcessesExport(String doc) throws Exception {
    Set<String> exported = new TreeSet<>();
    for (String process : PROCESSES.keySet()) {
      exported.addAll(ExportedMetrics.families(scrape(process)).keySet());
    }
    Set<String> named = new TreeSet<>();
    Matcher m = METALLB_NAME.matcher(Files.readString(Path.of(doc)));
    while (m.find()) {
      named.add(m.group());
    }

    assertThat(exported).doesNotContainAnyElementsOf(NOT_EXPORTED);
    Set<String> known = new TreeSet<>(exported);
    known.addAll(NOT_EXPORTED);
    assertThat(named).as("metallb_* names in %s", doc).isNotEmpty().isSubsetOf(known);
  }

  static List<String> docs() {
    return List.of("README.md", "docs/configuration.md", "docs/migrating-from-metallb.md");
  }

  @Test
  void theConfigurationReferenceNamesEveryMetalLbFamily() throws Exception {
    String doc = Files.readString(Path.of("docs/configuration.md"));

    metallbFamilies().forEach(f -> assertThat(doc).as(f.name()).contains("`" + f.name() + "`"));
  }
}
