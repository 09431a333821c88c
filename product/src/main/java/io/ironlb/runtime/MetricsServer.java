package io.ironlb.runtime;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The metrics port of the controller and the speaker: Prometheus' {@code /metrics}, {@code /-/healthy}
 * (the process answers: the liveness probe) and {@code /-/ready} (it does its job: the readiness
 * probe). A rolling update waits for each replacement to be ready before it stops the next
 * process, so ready must mean working, not merely started: {@code /-/healthy} answers as soon as
 * this server is up, seconds before a speaker has joined its peers.
 */
public final class MetricsServer {

  public static final String READY_PATH = "/-/ready";

  /** Why the process is not ready, or empty when it is; asked on every probe, from the server's thread. */
  @FunctionalInterface
  public interface Readiness {
    Optional<String> notReadyBecause();
  }

  private MetricsServer() {}

  /**
   * Two threads answer: the probes and a scrape every few seconds need no more, and the library's
   * default pool keeps ten threads (their stacks and buffers) for a port nobody hammers.
   */
  private static final int THREADS = 2;

  public static HTTPServer start(int port, PrometheusRegistry registry, Readiness readiness) throws IOException {
    ExecutorService threads = Executors.newFixedThreadPool(THREADS, Thread.ofPlatform().name("metrics-http-", 0).daemon().factory());
    return HTTPServer.builder().port(port).registry(registry).executorService(threads).defaultHandler(exchange -> answer(exchange, readiness))
        .buildAndStart();
  }

  /** Everything but {@code /metrics} and {@code /-/healthy}, which Prometheus' server answers itself. */
  static void answer(HttpExchange exchange, Readiness readiness) throws IOException {
    String path = exchange.getRequestURI().getPath();
    try (exchange) {
      if (READY_PATH.equals(path)) {
        Optional<String> why;
        try {
          why = readiness.notReadyBecause();
        } catch (RuntimeException e) {
          why = Optional.of("readiness check failed: " + e);
        }
        reply(exchange, why.isEmpty() ? 200 : 503, why.map(w -> "not ready: " + w).orElse("ready"));
      } else if ("/".equals(path)) {
        reply(exchange, 200, "IronLB: /metrics, /-/healthy (liveness), " + READY_PATH + " (readiness)");
      } else {
        reply(exchange, 404, "no " + path + " here: /metrics, /-/healthy, " + READY_PATH);
      }
    }
  }

  private static void reply(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
