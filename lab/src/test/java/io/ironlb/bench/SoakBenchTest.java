package io.ironlb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoakBenchTest {

  private static final Instant START = Instant.parse("2026-12-06T18:00:00Z");
  private static final Instant STOP = START.plusSeconds(600);

  private static NeighbourWatch.Change at(int second, String mac) {
    return new NeighbourWatch.Change(START.plusSeconds(second), mac);
  }

  @Test
  void theSameMacReportedAgainIsNoMove() {
    // `ip monitor neigh` reports REACHABLE, STALE, DELAY with the MAC each time.
    List<NeighbourWatch.Change> changes = List.of(at(-5, "aa"), at(10, "aa"), at(200, "aa"), at(400, "aa"));
    assertThat(SoakBench.macMoves(changes, START, STOP)).isZero();
  }

  @Test
  void aMoveAwayAndBackIsTwoMovesCountedOnlyInsideThePhase() {
    List<NeighbourWatch.Change> changes = List.of(at(-30, "aa"), at(-20, "bb"), at(-10, "aa"), at(100, "aa"), at(101, "bb"),
        at(105, "bb"), at(300, "aa"), at(700, "bb"));
    assertThat(SoakBench.macMoves(changes, START, STOP)).isEqualTo(2);
  }

  @Test
  void theFirstReportIsNoMove() {
    assertThat(SoakBench.macMoves(List.of(at(50, "aa")), START, STOP)).isZero();
  }
}
