package io.ironlb.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpeakerCommandTest {

  @Test
  void aClaimEpisodeEndsBeforeTheSplitBrainEvidenceItGaveRunsOut() {
    // Otherwise a node that re-announces when the evidence runs out is not noticed by the claimant.
    assertThat(SpeakerCommand.layer2Config().claimQuietPeriod()).isPositive().isLessThan(Speaker.CLAIM_EVIDENCE);
  }
}
