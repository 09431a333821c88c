package io.ironlb.lab;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lab's API server process ({@code ironlb lab apiserver}, started detached by {@code lab up}):
 * the fabric8 mock in CRUD mode behind {@link LabDispatcher}, on 127.0.0.1 in the root namespace;
 * the unix socket {@code STATE/api.sock} that node namespaces reach it through; MetalLB's CRDs;
 * the {@link KubeProxyStandIn}; and the {@link WatchCloseUnblocker} that keeps a closed watch from
 * freezing the mock. It writes {@code STATE/api.port} when it is ready to serve.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  /** The mock logs every request through java.util.logging at INFO; held here so the setting sticks. */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final Relay relay;
  private final KubeProxyStandIn proxy;
  private final WatchCloseUnblocker unblocker;
  private final int port;

  private ApiServer(KubernetesMockServer server, WatchCloseUnblocker unblocker, KubernetesClient client, Relay relay,
      KubeProxyStandIn proxy, int port) {
    this.server = server;
    this.unblocker = unblocker;
    this.client = client;
    this.relay = relay;
    this.proxy = proxy;
    this.port = port;
  }

  /** Starts everything; {@code withProxy} false leaves node namespaces alone (tests of the server alone). */
  public static ApiServer start(LabState state, int requestedPort, boolean withProxy) throws IOException {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    LabDispatcher dispatcher = new LabDispatcher(new IndexedCrudDispatcher());
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getByName("127.0.0.1"), requestedPort);
    WatchCloseUnblocker unblocker = WatchCloseUnblocker.start();
    int port = server.getPort();
    dispatcher.serverAddress("127.0.0.1:" + port);
    KubernetesClient client = Kube.client(Kube.url(port));
    MetalLbCrds.register(client);
    Relay relay = Relay.fromUnixSocket(state.socket(), new InetSocketAddress("127.0.0.1", port));
    KubeProxyStandIn proxy = withProxy ? new KubeProxyStandIn(client, state.layout()) : null;
    Path tmp = state.portFile().resolveSibling("api.port.tmp");
    Files.writeString(tmp, port + "\n");
    Files.move(tmp, state.portFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    LOG.info("lab API server listening on 127.0.0.1:{} and {}", port, state.socket());
    return new ApiServer(server, unblocker, client, relay, proxy, port);
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    if (proxy != null) {
      proxy.close();
    }
    relay.close();
    client.close();
    server.destroy();
    unblocker.close();
  }

  /** Runs until the process is told to stop (SIGTERM from {@code lab down}). */
  public static void runForever(Path stateDir, int port) throws Exception {
    LabState state = LabState.load(stateDir);
    ApiServer api = start(state, port, true);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      api.close();
      try {
        Files.deleteIfExists(state.socket());
      } catch (IOException e) {
        // lab down removes the whole directory anyway
      }
    }));
    new java.util.concurrent.CountDownLatch(1).await();
  }
}
