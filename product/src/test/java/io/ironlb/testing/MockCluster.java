package io.ironlb.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IPAddressPoolSpec;
import io.ironlb.k8s.IronLbCrds;
import io.ironlb.model.IpText;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * fabric8's mock API server in CRUD mode with the MetalLB CRDs registered: the one stand-in the
 * tests allow, talked to exactly as a real API server.
 */
public final class MockCluster implements AutoCloseable {
  public static final String CONFIG_NAMESPACE = "metallb-system";

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public MockCluster() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init();
    client = server.createClient();
    registerCrds();
    namespace(CONFIG_NAMESPACE, Map.of());
    namespace("default", Map.of());
  }

  /** A fresh client, as a second process would have. */
  public KubernetesClient newClient() {
    return server.createClient();
  }

  public KubernetesClient client() {
    return client;
  }

  /** The mock server itself, e.g. to read back the requests a component made ({@code takeRequest}). */
  public KubernetesMockServer server() {
    return server;
  }

  /**
   * Takes every request the server has recorded and returns those sent with User-Agent
   * {@code agent}, as "METHOD PATH", oldest first: what one component asked of the API server
   * (a test gives the component a client of its own with that agent).
   */
  public List<String> takeRequests(String agent) throws InterruptedException {
    List<String> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (agent.equals(r.getHeader("User-Agent"))) {
        out.add(r.getMethod() + " " + r.getPath());
      }
    }
    return out;
  }

  /** Registers the project's own CRD manifests, so the code meets the same definitions as on a cluster. */
  private void registerCrds() {
    for (CustomResourceDefinition crd : IronLbCrds.all()) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
  }

  public void namespace(String name, Map<String, String> labels) {
    Map<String, String> all = new HashMap<>(labels);
    all.put("kubernetes.io/metadata.name", name);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(all).endMetadata().build())
        .createOr(r -> r.edit(n -> {
          n.getMetadata().setLabels(all);
          return n;
        }));
  }

  public IPAddressPool pool(String name, String... addresses) {
    return pool(name, new IPAddressPoolSpec(List.of(addresses), null, null, null));
  }

  public IPAddressPool pool(String name, IPAddressPoolSpec spec) {
    IPAddressPool pool = new IPAddressPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(CONFIG_NAMESPACE).build());
    pool.setSpec(spec);
    return client.resources(IPAddressPool.class).inNamespace(CONFIG_NAMESPACE).resource(pool).create();
  }

  public Node node(String name, String ip) {
    return client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewStatus().addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus().build()).create();
  }

  /** A LoadBalancer Service builder preset with one TCP port 80, ready to customise. */
  public static ServiceBuilder loadBalancer(String namespace, String name) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withNewSpec().withType("LoadBalancer").withSelector(Map.of("app", name))
        .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort()
        .endSpec();
  }

  public Service create(Service s) {
    return client.services().resource(s).create();
  }

  public Service service(String namespace, String name) {
    return client.services().inNamespace(namespace).withName(name).get();
  }

  /** The service's ingress IPs in canonical text, empty when it has none (or does not exist). */
  public List<String> ingress(String namespace, String name) {
    return ingress(service(namespace, name));
  }

  public static List<String> ingress(Service s) {
    if (s == null || s.getStatus() == null || s.getStatus().getLoadBalancer() == null
        || s.getStatus().getLoadBalancer().getIngress() == null) {
      return List.of();
    }
    return s.getStatus().getLoadBalancer().getIngress().stream()
        .map(i -> IpText.parse(i.getIp()).map(IpText::format).orElse(i.getIp())).toList();
  }

  /** Reasons and messages of the events written about one object, oldest first. */
  public List<String> events(String namespace, String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getType() + " " + e.getReason() + ": " + e.getMessage())
        .toList();
  }

  public static InetAddress ip(String text) {
    return IpText.parse(text).orElseThrow(() -> new IllegalArgumentException(text));
  }

  @Override
  public void close() {
    client.close();
    try {
      server.destroy();
    } catch (IllegalStateException e) {
      // vert.x gives the mock server a fixed time to drain connections; on a loaded CI machine a
      // watch being torn down can outlast it. The test's assertions are already done; say so, go on.
      System.err.println("MockCluster: the mock API server did not close in time (" + e.getMessage() + "); continuing");
    }
  }
}
