package io.ironlb.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The silence rule of the UDP heartbeats as a table: time in milliseconds, timeout 150, grace 1000. */
class SilenceWatchTest {

  private static final long MS = 1_000_000L;

  /** A step: something happens at {@code atMs}. */
  sealed interface Step {
    long atMs();
  }

  record Watch(long atMs, List<String> members) implements Step {}

  record Heard(long atMs, String member, boolean sameView) implements Step {}

  record Stall(long atMs, long forMs) implements Step {}

  record Case(String name, List<Step> steps, long judgedAtMs, List<String> overdue, List<String> silent) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("a member heard in the same view is judged from then on", List.of(new Watch(0, List.of("a")), new Heard(10, "a", true)),
            160, List.of("a"), List.of("a")),
        new Case("the timeout is not reached yet", List.of(new Watch(0, List.of("a")), new Heard(10, "a", true)), 159, List.of(),
            List.of()),
        new Case("a newcomer never heard is judged when its grace period ends", List.of(new Watch(0, List.of("a"))), 999, List.of(),
            List.of()),
        new Case("a newcomer never heard is overdue once the grace period is over", List.of(new Watch(0, List.of("a"))), 1000,
            List.of("a"), List.of("a")),
        new Case("a newcomer heard only in another view (before it installed ours) keeps its grace period",
            List.of(new Watch(0, List.of("a")), new Heard(10, "a", false)), 500, List.of(), List.of()),
        new Case("a stall of the watcher is forgiven: its length is no silence of the others",
            List.of(new Watch(0, List.of("a")), new Heard(10, "a", true), new Stall(100, 300)), 400, List.of(), List.of()),
        new Case("after a forgiven stall the silence counts again", List.of(new Watch(0, List.of("a")), new Heard(10, "a", true),
            new Stall(100, 300)), 460, List.of("a"), List.of("a")),
        new Case("only the silent member is overdue", List.of(new Watch(0, List.of("a", "b")), new Heard(10, "a", true),
            new Heard(10, "b", true), new Heard(100, "b", true)), 200, List.of("a"), List.of("a")),
        new Case("a member no longer watched is never overdue", List.of(new Watch(0, List.of("a", "b")), new Heard(10, "a", true),
            new Heard(10, "b", true), new Watch(20, List.of("b")), new Heard(150, "b", true)), 200, List.of(), List.of()));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void overdueMembersAreTheOnesSilentForTheTimeout(Case c) {
    SilenceWatch<String> w = new SilenceWatch<>(Duration.ofMillis(150), Duration.ofMillis(1000));
    c.steps().forEach(apply(w));
    assertThat(w.overdue(c.judgedAtMs() * MS)).containsExactlyInAnyOrderElementsOf(c.overdue());
    for (String m : List.of("a", "b")) {
      assertThat(w.silent(m, c.judgedAtMs() * MS)).as("silent(%s)", m).isEqualTo(c.silent().contains(m));
    }
  }

  private static Consumer<Step> apply(SilenceWatch<String> w) {
    return s -> {
      switch (s) {
        case Watch x -> w.watch(x.members(), x.atMs() * MS);
        case Heard x -> w.heard(x.member(), x.atMs() * MS, x.sameView());
        case Stall x -> w.forgive(x.forMs() * MS);
      }
    };
  }

  @org.junit.jupiter.api.Test
  void anOverdueMemberIsReportedOnceAThenEveryTimeoutWhileSilentAndHearingItSaysHowLongItWasSilent() {
    SilenceWatch<String> w = new SilenceWatch<>(Duration.ofMillis(150), Duration.ofMillis(1000));
    w.watch(List.of("a"), 0);
    w.heard("a", 10 * MS, true);
    assertThat(w.overdue(160 * MS)).containsExactly("a");
    assertThat(w.overdue(200 * MS)).isEmpty();
    assertThat(w.nextDue(200 * MS)).isEqualTo(310 * MS);
    assertThat(w.overdue(310 * MS)).containsExactly("a");
    assertThat(w.heard("a", 320 * MS, true)).isEqualTo(OptionalLong.of(310 * MS));
    assertThat(w.overdue(330 * MS)).isEmpty();
    assertThat(w.heard("a", 340 * MS, true)).isEmpty(); // not reported since: nothing to withdraw
    assertThat(w.nextDue(340 * MS)).isEqualTo(490 * MS);
  }
}
