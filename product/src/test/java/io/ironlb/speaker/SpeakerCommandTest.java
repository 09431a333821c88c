package io.ironlb.speaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ironlb.l2.Announcer;
import io.ironlb.l2.Layer2Config;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

class SpeakerCommandTest {

  @Test
  void aClaimEpisodeEndsBeforeTheSplitBrainEvidenceItGaveRunsOut() {
    // Otherwise a node that re-announces when the evidence runs out is not noticed by the claimant.
    assertThat(SpeakerCommand.layer2Config(Announcer.Config.defaults()).claimQuietPeriod()).isPositive().isLessThan(Speaker.CLAIM_EVIDENCE);
  }

  @Test
  void withoutGratuitousFlagsTheDataPlaneDefaultsApply() {
    assertThat(parse().gratuitous()).isEqualTo(Announcer.Config.defaults());
  }

  @Test
  void theGratuitousFlagsReachTheDataPlane() {
    Announcer.Config c = parse("--gratuitous-burst", "0s,200ms,1.5s", "--gratuitous-refresh", "2m", "--gratuitous-rate", "250").gratuitous();

    assertThat(c).isEqualTo(new Announcer.Config(List.of(Duration.ZERO, Duration.ofMillis(200), Duration.ofMillis(1_500)), Duration.ofMinutes(2), 250));
    assertThat(SpeakerCommand.layer2Config(c).announce()).isEqualTo(c);
    assertThat(parse("--gratuitous-refresh", "0s").gratuitous().refresh()).isZero();
  }

  record Refused(String name, List<String> args, String message) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Refused> refusals() {
    return Stream.of(
        new Refused("a burst that does not start at the takeover", List.of("--gratuitous-burst", "1s,2s"),
            "--gratuitous-burst 1s,2s: the first round goes out at the takeover, so the list starts with 0s"),
        new Refused("burst times out of order", List.of("--gratuitous-burst", "0s,2s,1s"),
            "--gratuitous-burst 0s,2s,1s: the times must increase (each counts from the takeover), e.g. 0s,500ms,1s,2s"),
        new Refused("a burst time given twice", List.of("--gratuitous-burst", "0s,1s,1s"),
            "--gratuitous-burst 0s,1s,1s: the times must increase (each counts from the takeover), e.g. 0s,500ms,1s,2s"),
        new Refused("a burst longer than a minute", List.of("--gratuitous-burst", "0s,90s"),
            "--gratuitous-burst 0s,90s: the last round must come within 60s of the takeover; later ones are the refresh's job (--gratuitous-refresh)"),
        new Refused("seventeen burst rounds", List.of("--gratuitous-burst", "0s,1s,2s,3s,4s,5s,6s,7s,8s,9s,10s,11s,12s,13s,14s,15s,16s"),
            "--gratuitous-burst 0s,1s,2s,3s,4s,5s,6s,7s,8s,9s,10s,11s,12s,13s,14s,15s,16s: give 1 to 16 times, e.g. 0s,500ms,1s,2s"),
        new Refused("a refresh under a second", List.of("--gratuitous-refresh", "500ms"),
            "--gratuitous-refresh 500ms: give 0s (no refresh) or 1s to 3600s; keep it below your switches' MAC ageing time (often 300s)"),
        new Refused("a refresh over an hour", List.of("--gratuitous-refresh", "PT2H"),
            "--gratuitous-refresh 7200s: give 0s (no refresh) or 1s to 3600s; keep it below your switches' MAC ageing time (often 300s)"),
        new Refused("a rate of zero", List.of("--gratuitous-rate", "0"), "--gratuitous-rate 0: give 10 to 100000 frames per second"),
        new Refused("a rate beyond the bound", List.of("--gratuitous-rate", "1000000"), "--gratuitous-rate 1000000: give 10 to 100000 frames per second"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void aBadGratuitousFlagIsRefusedWithAMessageNamingItsValueAndTheFix(Refused r) {
    SpeakerCommand cmd = parse(r.args().toArray(String[]::new));

    assertThatThrownBy(cmd::gratuitous).isInstanceOf(CommandLine.ParameterException.class).hasMessage(r.message());
  }

  @Test
  void aBurstTimeThatIsNotADurationIsRefusedByTheParser() {
    assertThatThrownBy(() -> parse("--gratuitous-burst", "0s,soon")).isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("\"soon\" is not a duration; write it like 500ms, 15s or 2m");
  }

  static SpeakerCommand parse(String... args) {
    SpeakerCommand cmd = new SpeakerCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd;
  }

  @Test
  void theDataPlaneKeepsItsOtherDefaults() {
    Layer2Config defaults = Layer2Config.defaults();

    assertThat(SpeakerCommand.layer2Config(defaults.announce()).withClaimQuietPeriod(defaults.claimQuietPeriod())).isEqualTo(defaults);
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
