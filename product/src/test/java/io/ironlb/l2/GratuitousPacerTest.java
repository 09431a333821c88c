package io.ironlb.l2;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.l2.GratuitousPacer.Kind;
import io.ironlb.l2.GratuitousPacer.Round;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The pacer alone, on a clock the test moves. */
class GratuitousPacerTest {

  static final long MS = 1_000_000L;
  static final long START = 7_000 * MS;

  @Test
  void everyFirstRoundGoesBeforeAnyRepeatWhateverTheOrderTheyCameIn() {
    GratuitousPacer p = new GratuitousPacer(1_000, START);
    p.offer(round(1, Kind.REPEAT));
    p.offer(round(2, Kind.FIRST));
    p.offer(round(3, Kind.REPEAT));
    p.offer(round(4, Kind.FIRST));

    assertThat(drain(p, START)).containsExactly(round(2, Kind.FIRST), round(4, Kind.FIRST), round(1, Kind.REPEAT), round(3, Kind.REPEAT));
  }

  @Test
  void aRoundThatIsWaitingAlreadyIsNotQueuedTwice() {
    GratuitousPacer p = new GratuitousPacer(1_000, START);
    p.offer(round(1, Kind.REPEAT));
    p.offer(round(1, Kind.REPEAT));
    p.offer(round(1, Kind.FIRST));

    assertThat(p.waiting()).isEqualTo(2);
    assertThat(drain(p, START)).containsExactly(round(1, Kind.FIRST), round(1, Kind.REPEAT));
    p.offer(round(1, Kind.REPEAT));
    assertThat(p.waiting()).isEqualTo(1);
  }

  @Test
  void aRoundNoLongerWantedIsDroppedWithoutTakingTokens() {
    GratuitousPacer p = new GratuitousPacer(20, START); // the bucket holds 2 frames: one IPv4 round
    p.offer(round(1, Kind.FIRST));
    p.offer(round(2, Kind.FIRST));

    assertThat(p.poll(START, r -> !r.equals(round(1, Kind.FIRST)))).contains(round(2, Kind.FIRST));
    assertThat(p.waiting()).isZero();
  }

  @Test
  void theBucketHoldsATenthOfASecondAndRefillsAtTheRate() {
    GratuitousPacer p = new GratuitousPacer(100, START); // 10 frames: five IPv4 rounds
    for (int i = 0; i < 20; i++) {
      p.offer(round(i, Kind.FIRST));
    }

    assertThat(drain(p, START)).hasSize(5);
    assertThat(p.nanosUntilReady(START)).isEqualTo(OptionalLong.of(20 * MS)); // 2 frames at 100/s
    assertThat(drain(p, START + 19 * MS)).isEmpty();
    assertThat(drain(p, START + 20 * MS)).hasSize(1);
    assertThat(drain(p, START + 1_000 * MS)).hasSize(5); // refilled to the bucket's size, not beyond
    assertThat(drain(p, START + 2_000 * MS)).hasSize(5);
    assertThat(drain(p, START + 3_000 * MS)).hasSize(4); // the last of twenty
    assertThat(p.nanosUntilReady(START + 3_000 * MS)).isEmpty();
  }

  @Test
  void anIpv6RoundCostsOneFrame() {
    GratuitousPacer p = new GratuitousPacer(30, START); // 3 frames
    p.offer(new Round(ip("2001:db8::1"), "lan0", Kind.FIRST));
    p.offer(new Round(ip("2001:db8::2"), "lan0", Kind.FIRST));
    p.offer(new Round(ip("2001:db8::3"), "lan0", Kind.FIRST));
    p.offer(new Round(ip("2001:db8::4"), "lan0", Kind.FIRST));

    assertThat(drain(p, START)).hasSize(3);
  }

  /**
   * A takeover of 500 IPv4 addresses with the default burst (0, 0.5, 1, 2 s) at 1,000 frames/s,
   * driven the way the announcer drives it: every address's first round at once, its repeats when
   * due. Every first round goes out before any repeat (the ones due at 0.5 s wait), no second
   * holds more than the rate plus one bucket, and the first rounds are all out after
   * (1,000 - 100) / 1,000 s.
   */
  @Test
  void aMassTakeoverAnnouncesEveryAddressOnceBeforeAnyTwiceWithinTheBound() {
    int addresses = 500;
    int rate = 1_000;
    long[] burst = {0, 500 * MS, 1_000 * MS, 2_000 * MS};
    GratuitousPacer p = new GratuitousPacer(rate, START);
    for (int i = 0; i < addresses; i++) {
      p.offer(round(i, Kind.FIRST));
    }
    record Sent(long at, Round round) {}
    List<Sent> sent = new ArrayList<>();
    int nextBurst = 1;
    for (long now = START; now < START + 20_000 * MS; now += MS) {
      if (nextBurst < burst.length && now - START >= burst[nextBurst]) {
        for (int i = 0; i < addresses; i++) {
          p.offer(new Round(address(i), "lan0", Kind.REPEAT));
        }
        nextBurst++;
      }
      for (Round r : drain(p, now)) {
        sent.add(new Sent(now, r));
      }
    }

    // Each address's repeats are one queued round at a time: a repeat due while its last one still waits is merged.
    assertThat(sent.stream().filter(s -> s.round().kind() == Kind.FIRST).count()).isEqualTo(addresses);
    int lastFirst = -1;
    int firstRepeat = Integer.MAX_VALUE;
    for (int i = 0; i < sent.size(); i++) {
      if (sent.get(i).round().kind() == Kind.FIRST) {
        lastFirst = i;
      } else {
        firstRepeat = Math.min(firstRepeat, i);
      }
    }
    assertThat(lastFirst).isLessThan(firstRepeat);
    assertThat(sent.get(firstRepeat).at() - START).isGreaterThan(burst[1]);
    assertThat(sent.get(lastFirst).at() - START).isEqualTo((2 * addresses - rate / 10) * MS * 1_000 / rate);
    for (Sent s : sent) {
      long frames = sent.stream().filter(o -> o.at() >= s.at() && o.at() < s.at() + 1_000 * MS).mapToLong(o -> o.round().frames()).sum();
      assertThat(frames).as("frames in the second from %d ms", (s.at() - START) / MS).isLessThanOrEqualTo(rate + rate / 10);
    }
  }

  static List<Round> drain(GratuitousPacer p, long now) {
    List<Round> out = new ArrayList<>();
    Optional<Round> r;
    while ((r = p.poll(now, x -> true)).isPresent()) {
      out.add(r.get());
    }
    return out;
  }

  static Round round(int n, Kind kind) {
    return new Round(address(n), "lan0", kind);
  }

  /** IPv4 address number {@code n} below 512: 198.51.100.0/24, then 203.0.113.0/24. */
  static InetAddress address(int n) {
    return RateLimiterTest.address(n);
  }

  static InetAddress ip(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
