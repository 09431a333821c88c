package io.ironlb.lab;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ironlb.runtime.SteadyThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * A stand-in for a pod's container ({@code ironlb lab app}): an HTTP server on every address of its
 * node namespace that answers every path with one line naming the app and the node, plus who asked
 * — what a test (or a person with curl) needs to see which node served a request.
 */
public final class AppServer {

  /** Requests answered at once: the soak's clients keep ~4 in flight; a stalled backend is not what the lab shows. */
  static final int APP_THREADS = 16;

  private AppServer() {}

  /** Serves on each of {@code ports}, every one answered by the same threads. */
  public static List<HttpServer> start(String app, String node, List<Integer> ports) throws IOException {
    ExecutorService threads = SteadyThreads.pool("app", APP_THREADS);
    List<HttpServer> servers = new ArrayList<>();
    for (int port : ports) {
      HttpServer server = HttpServer.create(new InetSocketAddress(port), 128);
      server.createContext("/", ex -> answer(ex, app, node));
      server.setExecutor(threads);
      server.start();
      servers.add(server);
      System.out.println("{\"ts\":\"" + Instant.now() + "\",\"level\":\"INFO\",\"msg\":\"" + app + " listening on port " + port + " on node " + node + "\"}");
    }
    return List.copyOf(servers);
  }

  private static void answer(HttpExchange ex, String app, String node) throws IOException {
    String client = Cidr.canonical(ex.getRemoteAddress().getAddress().getHostAddress().replaceAll("%.*", ""));
    String local = Cidr.canonical(ex.getLocalAddress().getAddress().getHostAddress().replaceAll("%.*", ""));
    String body = app + " on " + node + ": hello from the IronLB lab (you are " + client + ", served on " + local
        + ", path " + ex.getRequestURI().getPath() + ")\n";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.getResponseHeaders().set("X-Served-By", app + "@" + node);
    ex.sendResponseHeaders(200, ex.getRequestMethod().equals("HEAD") ? -1 : bytes.length);
    if (!ex.getRequestMethod().equals("HEAD")) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
    ex.close();
    System.out.println("{\"ts\":\"" + Instant.now() + "\",\"level\":\"INFO\",\"msg\":\"" + ex.getRequestMethod() + " "
        + ex.getRequestURI().getPath().replace("\"", "") + " from " + client + "\"}");
  }
}
