package io.ironlb.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.membership.HealthJudge.Reason;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The health rule as a table: each case a sequence of observations (ms, view size, unseen peers) and the last verdict. */
class HealthJudgeTest {

  private static final Set<InetSocketAddress> NONE = Set.of();
  private static final Set<InetSocketAddress> ONE = Set.of(new InetSocketAddress("198.51.100.12", 7800));

  record Seen(long ms, int viewSize, Set<InetSocketAddress> unseen) {}

  record Case(String name, List<Seen> observations, Reason expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("no view yet", List.of(new Seen(0, 0, NONE)), Reason.NO_VIEW),
        new Case("alone with nobody listed", List.of(new Seen(0, 1, NONE), new Seen(60_000, 1, NONE)), Reason.HEALTHY),
        new Case("alone with an unseen peer, within the grace", List.of(new Seen(0, 1, ONE), new Seen(4_999, 1, ONE)), Reason.HEALTHY),
        new Case("alone with an unseen peer, past the grace", List.of(new Seen(0, 1, ONE), new Seen(5_001, 1, ONE)),
            Reason.ALONE_WITH_UNSEEN_PEERS),
        new Case("in a group, an unseen peer listed", List.of(new Seen(0, 2, ONE), new Seen(60_000, 2, ONE)), Reason.HEALTHY),
        new Case("the peer joined: healthy again", List.of(new Seen(0, 1, ONE), new Seen(6_000, 1, ONE), new Seen(6_100, 2, NONE)),
            Reason.HEALTHY),
        new Case("alone again later: the grace starts over",
            List.of(new Seen(0, 1, ONE), new Seen(6_000, 2, NONE), new Seen(7_000, 1, ONE), new Seen(11_000, 1, ONE)), Reason.HEALTHY),
        new Case("a lost peer is not unseen: the caller passes none", List.of(new Seen(0, 2, NONE), new Seen(100, 1, NONE),
            new Seen(60_000, 1, NONE)), Reason.HEALTHY));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void judgesMembershipFromWhatItObserved(Case c) {
    HealthJudge judge = new HealthJudge(Duration.ofSeconds(5));
    Reason last = null;
    for (Seen s : c.observations()) {
      last = judge.judge(Duration.ofMillis(s.ms()).toNanos() + 1_000_000_000L, s.viewSize(), s.unseen());
    }
    assertThat(last).isEqualTo(c.expected());
  }
}
