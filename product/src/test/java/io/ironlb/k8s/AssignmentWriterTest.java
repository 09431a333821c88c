package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.ironlb.testing.MockCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The controller's Service writes: one PATCH per field that differs, never a read, never the same write twice. */
class AssignmentWriterTest {
  private static final String AGENT = "ironlb-test/assignment-writer";

  @Test
  void anAssignmentIsTwoPatchesAndARepeatBeforeTheEchoIsNone() throws Exception {
    try (MockCluster cluster = new MockCluster();
        KubernetesClient client = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(cluster.client().getConfiguration()).withUserAgent(AGENT).build()).build()) {
      Service cached = cluster.create(MockCluster.loadBalancer("default", "web").build());
      AssignmentWriter writer = new AssignmentWriter(client);
      cluster.takeRequests(AGENT);

      assertThat(writer.write(cached, List.of("198.51.100.200"), "lan-pool").requests()).isEqualTo(2);
      // A second reconcile before the informer has the write: the same copy, the same decision.
      assertThat(writer.write(cached, List.of("198.51.100.200"), "lan-pool").requests()).isZero();
      Service echoed = cluster.service("default", "web");
      assertThat(MockCluster.ingress(echoed)).containsExactly("198.51.100.200");
      assertThat(echoed.getMetadata().getAnnotations()).containsEntry(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL, "lan-pool");
      assertThat(writer.write(echoed, List.of("198.51.100.200"), "lan-pool").requests()).isZero();

      assertThat(writer.write(echoed, List.of(), null).requests()).isEqualTo(2);
      Service cleared = cluster.service("default", "web");
      assertThat(MockCluster.ingress(cleared)).isEmpty();
      assertThat(cleared.getMetadata().getAnnotations()).doesNotContainKey(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL);

      assertThat(cluster.takeRequests(AGENT)).containsExactly(
          "PATCH /api/v1/namespaces/default/services/web/status", "PATCH /api/v1/namespaces/default/services/web",
          "PATCH /api/v1/namespaces/default/services/web/status", "PATCH /api/v1/namespaces/default/services/web");
    }
  }

  @Test
  void theEchoOfTheStatusWriteArrivingBeforeThatOfTheAnnotationWriteSendsNothing() throws Exception {
    try (MockCluster cluster = new MockCluster();
        KubernetesClient client = new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(cluster.client().getConfiguration()).withUserAgent(AGENT).build()).build()) {
      Service cached = cluster.create(MockCluster.loadBalancer("default", "web").build());
      List<Service> echoes = new CopyOnWriteArrayList<>();
      AssignmentWriter writer = new AssignmentWriter(client);
      try (Watch watch = cluster.client().services().inNamespace("default").withName("web").watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, Service s) {
          if (action == Action.MODIFIED) {
            echoes.add(s);
          }
        }

        @Override
        public void onClose(WatcherException cause) {}
      })) {
        cluster.takeRequests(AGENT);
        assertThat(writer.write(cached, List.of("198.51.100.200"), "lan-pool").requests()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> echoes.size() == 2);
      }
      // The informer's copy between the two echoes: the ingress is there, the annotation not yet.
      Service between = echoes.getFirst();
      assertThat(MockCluster.ingress(between)).containsExactly("198.51.100.200");
      assertThat(between.getMetadata().getAnnotations()).doesNotContainKey(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL);
      cluster.takeRequests(AGENT);
      // The writer that wrote both knows the annotation is on its way and sends nothing.
      assertThat(writer.write(between, List.of("198.51.100.200"), "lan-pool").requests()).isZero();
      // One that did not (a restarted controller) completes it.
      assertThat(new AssignmentWriter(client).write(between, List.of("198.51.100.200"), "lan-pool").requests()).isEqualTo(1);
      assertThat(cluster.takeRequests(AGENT)).containsExactly("PATCH /api/v1/namespaces/default/services/web");
    }
  }
}
