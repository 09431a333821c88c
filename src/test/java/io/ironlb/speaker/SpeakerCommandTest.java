package io.ironlb.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SpeakerCommandTest {

  @Test
  void aClaimEpisodeEndsBeforeTheSplitBrainEvidenceItGaveRunsOut() {
    // Otherwise a node that re-announces when the evidence runs out is not noticed by the claimant.
    assertThat(SpeakerCommand.layer2Config().claimQuietPeriod()).isPositive().isLessThan(Speaker.CLAIM_EVIDENCE);
  }

  @Test
  void thePeerListNeverWaitsForAnApiServerThatDoesNotAnswer() throws Exception {
    InetSocketAddress peer = new InetSocketAddress("198.51.100.12", 7946);
    CountDownLatch apiBack = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    SpeakerCommand.PeerCache cache = new SpeakerCommand.PeerCache(() -> {
      if (calls.incrementAndGet() > 1) {
        try {
          apiBack.await(); // the API server is stopped: the call hangs
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return List.of(peer);
    });
    Thread.sleep(2_100); // the first answer is stale now
    long t0 = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      assertThat(cache.get()).containsExactly(peer);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
    apiBack.countDown();
  }
}
