package io.ironlb.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.l2.Layer2Config;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SpeakerCommandTest {

  @Test
  void aClaimEpisodeEndsBeforeTheSplitBrainEvidenceItGaveRunsOut() {
    // Otherwise a node that re-announces when the evidence runs out is not noticed by the claimant.
    assertThat(SpeakerCommand.layer2Config().claimQuietPeriod()).isPositive().isLessThan(Speaker.CLAIM_EVIDENCE);
  }

  @Test
  void theDataPlaneKeepsItsOtherDefaults() {
    Layer2Config defaults = Layer2Config.defaults();

    assertThat(SpeakerCommand.layer2Config().withClaimQuietPeriod(defaults.claimQuietPeriod())).isEqualTo(defaults);
  }

  @Test
  void theExcludeLabelIsHonouredUnlessMetalLbsFlagSaysOtherwise() {
    SpeakerCommand byDefault = new SpeakerCommand();
    new CommandLine(byDefault).parseArgs("--node", "n1");
    SpeakerCommand ignoring = new SpeakerCommand();
    new CommandLine(ignoring).parseArgs("--node", "n1", "--ignore-exclude-lb");

    assertThat(byDefault.ignoreExcludeLb).isFalse();
    assertThat(ignoring.ignoreExcludeLb).isTrue();
  }
}
