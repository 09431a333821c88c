package io.ironlb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's yardstick of the machine's own stalls, run as the soak runs it: a child process. */
class StallProbeTest {

  @Test
  void aProbeOfTwoSecondsOnEachCpuWakesEveryTenMillisecondsAndReportsTheLatestWakeUp() {
    List<Process> p = StallProbe.start(Duration.ofSeconds(2));
    assertThat(p).hasSize(Runtime.getRuntime().availableProcessors());
    StallProbe.Stalls s = StallProbe.result(p, Duration.ofSeconds(30)).orElseThrow();
    // 200 wake-ups a probe when nothing stalls; a stalled one is not made up for, so fewer on a busy machine.
    assertThat(s.wakeUps()).isBetween(20L * p.size(), 201L * p.size());
    assertThat(s.maxMs()).isGreaterThanOrEqualTo(0.0).isLessThan(2000.0);
    assertThat(s.over150Ms()).isLessThanOrEqualTo(s.over50Ms());
    assertThat(s.realTime()).as("root may use the real-time class").isEqualTo("root".equals(System.getProperty("user.name")));
  }
}
