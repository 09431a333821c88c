package io.ironlb.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The metrics port of the controller and the speaker: Prometheus' {@code /metrics} in the text
 * format MetalLB serves ({@link MetalLbExposition}), {@code /-/healthy} (the process answers: the
 * liveness probe) and {@code /-/ready} (it does its job: the readiness probe). A rolling update
 * waits for each replacement to be ready before it stops the next process, so ready must mean
 * working, not merely started: {@code /-/healthy} answers as soon as this server is up, seconds
 * before a speaker has joined its peers.
 */
public final class MetricsServer implements AutoCloseable {

  public static final String METRICS_PATH = "/metrics";
  public static final String HEALTHY_PATH = "/-/healthy";
  public static final String READY_PATH = "/-/ready";

  /** Why the process is not ready, or empty when it is; asked on every probe, from the server's thread. */
  @FunctionalInterface
  public interface Readiness {
    Optional<String> notReadyBecause();
  }

  private final HttpServer server;
  private final ExecutorService threads;

  private MetricsServer(HttpServer server, ExecutorService threads) {
    this.server = server;
    this.threads = threads;
  }

  /** Serves on every address at {@code port} (0: any free port) until {@link #close}. */
  public static MetricsServer start(int port, PrometheusRegistry registry, Readiness readiness) throws IOException {
    return start(new InetSocketAddress(port), registry, readiness);
  }

  /** Serves on {@code address} only (port 0: any free port) until {@link #close}. */
  public static MetricsServer start(InetSocketAddress address, PrometheusRegistry registry, Readiness readiness) throws IOException {
    HttpServer server = HttpServer.create(address, 16);
    // Two threads: a slow scrape must not hold up a probe.
    ExecutorService threads = Executors.newFixedThreadPool(2, Thread.ofPlatform().name("metrics-http-", 0).daemon().factory());
    server.setExecutor(threads);
    server.createContext("/", exchange -> answer(exchange, registry, readiness));
    server.start();
    return new MetricsServer(server, threads);
  }

  public int getPort() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  static void answer(HttpExchange exchange, PrometheusRegistry registry, Readiness readiness) throws IOException {
    String path = exchange.getRequestURI().getPath();
    try (exchange) {
      switch (path) {
        case METRICS_PATH -> reply(exchange, 200, MetalLbExposition.CONTENT_TYPE, MetalLbExposition.write(registry.scrape()));
        case HEALTHY_PATH -> reply(exchange, 200, "Exporter is healthy.\n");
        case READY_PATH -> {
          Optional<String> why;
          try {
            why = readiness.notReadyBecause();
          } catch (RuntimeException e) {
            why = Optional.of("readiness check failed: " + e);
          }
          reply(exchange, why.isEmpty() ? 200 : 503, why.map(w -> "not ready: " + w).orElse("ready") + "\n");
        }
        case "/" -> reply(exchange, 200, "IronLB: " + METRICS_PATH + ", " + HEALTHY_PATH + " (liveness), " + READY_PATH
            + " (readiness)\n");
        default -> reply(exchange, 404, "no " + path + " here: " + METRICS_PATH + ", " + HEALTHY_PATH + ", " + READY_PATH + "\n");
      }
    }
  }

  private static void reply(HttpExchange exchange, int status, String text) throws IOException {
    reply(exchange, status, "text/plain; charset=utf-8", text);
  }

  private static void reply(HttpExchange exchange, int status, String contentType, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
