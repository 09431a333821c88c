package io.ironlb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The probe and scrape paths over real HTTP, as the kubelet and Prometheus ask them. */
class MetricsServerTest {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final AtomicReference<Optional<String>> why = new AtomicReference<>(Optional.of("caches not synced yet"));
  private final HttpClient http = HttpClient.newHttpClient();
  private MetricsServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    http.close();
  }

  @Test
  void readinessFollowsTheProcessWhileLivenessAnswersFromTheStart() throws Exception {
    server = MetricsServer.start(0, registry, why::get);

    assertThat(get("/-/healthy").statusCode()).isEqualTo(200);
    HttpResponse<String> starting = get("/-/ready");
    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(starting.body()).isEqualTo("not ready: caches not synced yet\n");

    why.set(Optional.empty());
    HttpResponse<String> ready = get("/-/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ready\n");
  }

  @Test
  void aFailingReadinessCheckIsNotReadyAndTheServerKeepsAnswering() throws Exception {
    server = MetricsServer.start(0, registry, () -> {
      throw new IllegalStateException("speaker worker did not answer");
    });

    HttpResponse<String> r = get("/-/ready");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("speaker worker did not answer");
    assertThat(get("/-/healthy").statusCode()).isEqualTo(200);
  }

  @Test
  void metricsAreStillScrapedAndUnknownPathsSayWhatIsServed() throws Exception {
    Counter.builder().name("ironlb_test_total").help("test").register(registry).inc();
    Counter.builder().name(MetalLbExposition.LAYER2_REQUESTS_RECEIVED).help("Number of layer2 requests received for owned IPs")
        .labelNames("ip").register(registry).labelValues("198.51.100.200").inc();
    server = MetricsServer.start(0, registry, Optional::empty);

    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
    assertThat(metrics.body()).contains("# TYPE ironlb_test_total counter", "ironlb_test_total 1.0",
        // MetalLB's layer 2 counters keep their names: no _total, as MetalLB's Go client shows them.
        "# HELP metallb_layer2_requests_received Number of layer2 requests received for owned IPs",
        "# TYPE metallb_layer2_requests_received counter", "metallb_layer2_requests_received{ip=\"198.51.100.200\"} 1.0");
    assertThat(metrics.body()).doesNotContain("metallb_layer2_requests_received_total");
    assertThat(get("/-/healthy").body()).isEqualTo("Exporter is healthy.\n");
    HttpResponse<String> unknown = get("/-/readyz");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("/metrics", "/-/healthy", "/-/ready");
    assertThat(get("/").statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
