package io.ironlb.speaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.ServiceL2Status;
import io.ironlb.k8s.ServiceL2StatusWriter;
import io.ironlb.model.ServiceKey;
import io.ironlb.testing.MockCluster;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The speaker's API writes against the mock API server: whatever a burst of writes and deletes of
 * one Service does while earlier ones are still going out, the object ends as the last one asked,
 * and every write hears once whether it went out; many Services' writes all land.
 */
class ApiWritesTest {
  private static final String NS = MockCluster.CONFIG_NAMESPACE;
  private static final ServiceKey WEB = new ServiceKey("default", "web");

  @Test
  void aBurstOfWritesAndDeletesOfOneServiceEndsAsTheLastOneAsked() {
    try (MockCluster cluster = new MockCluster(); ApiWrites api = writes(cluster)) {
      Map<Integer, Boolean> heard = new ConcurrentHashMap<>();
      AtomicInteger calls = new AtomicInteger();
      for (int i = 0; i < 40; i++) {
        int n = i;
        api.writeStatus(WEB, List.of("eth" + i), written -> {
          calls.incrementAndGet();
          heard.put(n, written);
        });
        api.deleteStatus(WEB);
      }
      api.writeStatus(WEB, List.of("lan0"), written -> {
        calls.incrementAndGet();
        heard.put(40, written);
      });

      await().atMost(Duration.ofSeconds(20)).until(() -> heard.size() == 41);
      assertThat(calls).as("each write heard once").hasValue(41);
      assertThat(heard).as("the last write went out").containsEntry(40, true);
      ServiceL2Status s = await().atMost(Duration.ofSeconds(10)).until(() -> stored(cluster, WEB),
          o -> o != null && o.getStatus() != null && o.getStatus().interfaces().equals(List.of(new ServiceL2Status.Interface("lan0"))));
      assertThat(s.getStatus().node()).isEqualTo("n1");

      api.deleteStatus(WEB);
      await().atMost(Duration.ofSeconds(10)).until(() -> stored(cluster, WEB) == null);
    }
  }

  @Test
  void everyServicesStatusLandsWhicheverLaneItTakes() {
    try (MockCluster cluster = new MockCluster(); ApiWrites api = writes(cluster)) {
      AtomicInteger written = new AtomicInteger();
      for (int i = 0; i < 30; i++) {
        api.writeStatus(new ServiceKey("default", "svc-" + i), List.of("lan0"), ok -> {
          if (ok) {
            written.incrementAndGet();
          }
        });
      }
      await().atMost(Duration.ofSeconds(20)).untilAtomic(written, org.hamcrest.Matchers.equalTo(30));
      for (int i = 0; i < 30; i++) {
        assertThat(stored(cluster, new ServiceKey("default", "svc-" + i))).as("svc-" + i).isNotNull()
            .extracting(o -> o.getStatus().node()).isEqualTo("n1");
      }
    }
  }

  private static ApiWrites writes(MockCluster cluster) {
    KubernetesClient client = cluster.client();
    // No informer here: the writer sees no copy, so each write creates (or relabels) and patches the status.
    return new ApiWrites(client, NS, new EventRecorder(client, "ironlb-speaker", "n1", Clock.systemUTC()),
        new ServiceL2StatusWriter(client, NS, "n1", name -> null));
  }

  private static ServiceL2Status stored(MockCluster cluster, ServiceKey key) {
    return cluster.client().resources(ServiceL2Status.class).inNamespace(NS).withName(ServiceL2StatusWriter.name(key)).get();
  }
}
