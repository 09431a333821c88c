package io.ironlb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PercentilesTest {

  @Test
  void nearestRankOfTenTrialsIsTheFifthAndNinthSmallest() {
    long[] ms = {900, 100, 800, 200, 700, 300, 600, 400, 500, 1000};
    assertThat(Percentiles.of(ms, 50)).isEqualTo(500);
    assertThat(Percentiles.of(ms, 90)).isEqualTo(900);
    assertThat(Percentiles.of(ms, 100)).isEqualTo(1000);
    assertThat(Percentiles.summary(ms)).isEqualTo("p50 500 ms, p90 900 ms, max 1000 ms (10 trials)");
  }

  @Test
  void oneTrialIsEveryPercentileAndNoTrialSaysSo() {
    assertThat(Percentiles.summary(new long[] {42})).isEqualTo("p50 42 ms, p90 42 ms, max 42 ms (1 trial)");
    assertThat(Percentiles.summary(new long[0])).isEqualTo("no successful trial");
  }
}
