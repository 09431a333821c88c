package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The indexed store answers every request as fabric8's own CRUD mock does: the same script of
 * creates, reads, patches, status writes, conflicts and deletes, run against both, gives the same
 * transcript, and no request had to fall back to scanning.
 */
class IndexedCrudDispatcherTest {
  /** The mock logs every request at INFO; held here so the setting sticks. */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  @Test
  void answersAsTheMockDoes() throws Exception {
    IndexedCrudDispatcher indexed = new IndexedCrudDispatcher();
    List<String> expected = script(new KubernetesCrudDispatcher());
    List<String> actual = script(indexed);

    assertThat(actual).isEqualTo(expected);
    assertThat(indexed.indexed()).as("every request used the index").isTrue();
    // The script means something: it read objects back, and a conflict and a missing object were seen.
    assertThat(expected).contains("get a/web: web a app=web,tier=front 203.0.113.7", "get a/missing: none",
        "create a/web again: error 409", "get a/web after delete: none", "get b/web after delete of a/web: web b app=web -");
  }

  private static List<String> script(KubernetesCrudDispatcher store) throws Exception {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), store, false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    List<String> t = new ArrayList<>();
    try (KubernetesClient client = Kube.client(Kube.url(server.getPort()))) {
      for (String ns : List.of("a", "b")) {
        client.services().inNamespace(ns).resource(service("web")).create();
      }
      client.nodes().resource(new NodeBuilder().withNewMetadata().withName("web").endMetadata().build()).create();
      t.add("get a/web: " + show(client.services().inNamespace("a").withName("web").get()));
      t.add("get node web: " + show(client.nodes().withName("web").get()));
      t.add("get a/missing: " + show(client.services().inNamespace("a").withName("missing").get()));
      t.add("create a/web again: " + outcome(() -> client.services().inNamespace("a").resource(service("web")).create()));

      t.add("merge patch a/web: " + outcome(() -> client.services().inNamespace("a").withName("web")
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"tier\":\"front\"}}}")));
      Service current = client.services().inNamespace("a").withName("web").get();
      current.getStatus().getLoadBalancer().setIngress(List.of(new LoadBalancerIngressBuilder().withIp("203.0.113.7").build()));
      t.add("status of a/web: " + outcome(() -> client.services().inNamespace("a").resource(current).updateStatus()));
      t.add("get a/web: " + show(client.services().inNamespace("a").withName("web").get()));
      Service stale = new ServiceBuilder(current).editMetadata().withResourceVersion("1").endMetadata().build();
      t.add("update a/web from a stale copy: " + outcome(() -> client.services().inNamespace("a").resource(stale).update()));
      t.add("list services: " + client.services().inAnyNamespace().list().getItems().size());

      t.add("delete a/web: " + outcome(() -> client.services().inNamespace("a").withName("web").delete()));
      t.add("delete a/missing: " + outcome(() -> client.services().inNamespace("a").withName("missing").delete()));
      t.add("get a/web after delete: " + show(client.services().inNamespace("a").withName("web").get()));
      t.add("get b/web after delete of a/web: " + show(client.services().inNamespace("b").withName("web").get()));
      t.add("create a/web again: " + outcome(() -> client.services().inNamespace("a").resource(service("web")).create()));
      t.add("get a/web: " + show(client.services().inNamespace("a").withName("web").get()));

      Service guarded = new ServiceBuilder(service("held")).editMetadata().withFinalizers("lab.ironlb.io/test").endMetadata().build();
      client.services().inNamespace("a").resource(guarded).create();
      t.add("delete a/held (finalizer): " + outcome(() -> client.services().inNamespace("a").withName("held").delete()));
      Service marked = client.services().inNamespace("a").withName("held").get();
      t.add("a/held marked for deletion: " + (marked != null && marked.getMetadata().getDeletionTimestamp() != null));
      t.add("finalizer removed: " + outcome(() -> client.services().inNamespace("a").withName("held")
          .edit(s -> new ServiceBuilder(s).editMetadata().withFinalizers(List.of()).endMetadata().build())));
      t.add("get a/held: " + show(client.services().inNamespace("a").withName("held").get()));
    } finally {
      server.destroy();
    }
    return t;
  }

  private static Service service(String name) {
    return new ServiceBuilder().withNewMetadata().withName(name).addToLabels("app", name).endMetadata()
        .withNewSpec().withType("LoadBalancer").endSpec().withNewStatus().withNewLoadBalancer().endLoadBalancer().endStatus().build();
  }

  private static String show(HasMetadata o) {
    if (o == null) {
      return "none";
    }
    String labels = o.getMetadata().getLabels() == null ? "" : String.join(",", o.getMetadata().getLabels().entrySet().stream()
        .sorted(java.util.Map.Entry.comparingByKey()).map(e -> e.getKey() + "=" + e.getValue()).toList());
    String ip = o instanceof Service s && s.getStatus() != null && s.getStatus().getLoadBalancer() != null
        && s.getStatus().getLoadBalancer().getIngress() != null && !s.getStatus().getLoadBalancer().getIngress().isEmpty()
        ? s.getStatus().getLoadBalancer().getIngress().getFirst().getIp() : "-";
    return String.join(" ", o.getMetadata().getName(), String.valueOf(o.getMetadata().getNamespace()), labels, ip).strip();
  }

  private static String outcome(Supplier<?> write) {
    try {
      Object r = write.get();
      return r instanceof HasMetadata h ? "ok " + h.getMetadata().getName() : "ok";
    } catch (KubernetesClientException e) {
      return "error " + e.getCode();
    }
  }
}
