package io.ironlb.membership;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplayWindowTest {

  @Test
  void eachSequenceNumberIsTakenOnceAndReorderedOnesWithinTheWindowStillCount() {
    ReplayWindow w = new ReplayWindow();
    assertThat(w.take(5)).isTrue();
    assertThat(w.take(5)).as("a replay").isFalse();
    assertThat(w.take(3)).as("reordered by jitter, not seen yet").isTrue();
    assertThat(w.take(3)).isFalse();
    assertThat(w.take(6)).isTrue();
    assertThat(w.take(4)).isTrue();
    assertThat(w.take(4)).isFalse();
  }

  @Test
  void aHeartbeatOlderThanTheWindowIsRefused() {
    ReplayWindow w = new ReplayWindow();
    assertThat(w.take(1000)).isTrue();
    assertThat(w.take(1000 - ReplayWindow.WIDTH + 1)).isTrue();
    assertThat(w.take(1000 - ReplayWindow.WIDTH)).isFalse();
    assertThat(w.take(-1)).isFalse();
  }

  @Test
  void aJumpForwardForgetsTheOldWindow() {
    ReplayWindow w = new ReplayWindow();
    assertThat(w.take(1)).isTrue();
    assertThat(w.take(500)).isTrue();
    assertThat(w.take(499)).isTrue();
    assertThat(w.take(1)).isFalse();
  }
}
