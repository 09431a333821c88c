package io.ironlb.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.testing.MockCluster;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the controller's {@code /-/ready} answers: the leader once it has rebuilt its state, and a
 * standby once it sees a leader, so a rolling update's new replica can become ready while the old
 * one still holds the Lease.
 */
class ControllerReadinessTest {

  private final MockCluster cluster = new MockCluster();

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void theLeaderIsReadyOnceRebuiltAndAStandbyOnceItSeesTheLeader() throws Exception {
    try (KubernetesClient a = cluster.newClient(); KubernetesClient b = cluster.newClient();
        var first = Runners.replica(a, "first"); var second = Runners.replica(b, "second")) {
      assertThat(first.notReadyBecause()).hasValueSatisfying(why -> assertThat(why).contains("no leader elected yet"));

      first.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> first.controller() != null && first.controller().isReady());
      assertThat(first.notReadyBecause()).isEmpty();

      second.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> second.notReadyBecause().isEmpty());
      assertThat(second.controller()).as("the standby does not lead").isNull();
      assertThat(first.notReadyBecause()).isEqualTo(Optional.empty());
    }
  }
}
