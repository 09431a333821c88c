package io.ironlb.l2;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.l2.RateLimiter.Verdict;
import io.ironlb.l2.packet.Addresses;
import io.ironlb.l2.packet.MacAddress;
import java.net.InetAddress;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The responder's rate limits, one row per rule, with the default limits unless a row says otherwise. */
class RateLimiterTest {

  /**
   * {@code count} requests at {@code atMillis} from requester number {@code requester} (or from
   * {@code count} different requesters when {@code manyRequesters}), for address number
   * {@code address} (or {@code count} different addresses when {@code manyAddresses}). Only the
   * verdicts of steps with {@code counted} make up the result.
   */
  record Step(long atMillis, int requester, boolean manyRequesters, int address, boolean manyAddresses, int count, boolean counted) {}

  record Case(String name, RateLimiter.Config config, List<Step> steps, Map<Verdict, Integer> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Step same(long atMillis, int requester, int address, int count) {
    return new Step(atMillis, requester, false, address, false, count, true);
  }

  static Step spread(long atMillis, int requester, int count) {
    return new Step(atMillis, requester, false, 0, true, count, true);
  }

  static Step uncounted(Step s) {
    return new Step(s.atMillis(), s.requester(), s.manyRequesters(), s.address(), s.manyAddresses(), s.count(), false);
  }

  static Map<Verdict, Integer> verdicts(Object... pairs) {
    Map<Verdict, Integer> m = new EnumMap<>(Verdict.class);
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((Verdict) pairs[i], (Integer) pairs[i + 1]);
    }
    return m;
  }

  static final RateLimiter.Config DEFAULTS = RateLimiter.Config.defaults();
  /** An address outside the ranges the {@code spread} steps ask for. */
  static final int FLOODED = 5_000;

  static Stream<Case> cases() {
    return Stream.of(
        new Case("a gateway resolving 500 different addresses within a second gets all 500 answers", DEFAULTS,
            List.of(spread(0, 1, 500)), verdicts(Verdict.ALLOWED, 500)),
        new Case("a flood for one address from one requester gets its burst of 50, the rest is limited", DEFAULTS,
            List.of(same(0, 1, 1, 1_000)), verdicts(Verdict.ALLOWED, 50, Verdict.PER_ADDRESS, 950)),
        new Case("a flooded address refills at 50/s", DEFAULTS,
            List.of(uncounted(same(0, 1, 1, 1_000)), same(100, 1, 1, 100)), verdicts(Verdict.ALLOWED, 5, Verdict.PER_ADDRESS, 95)),
        new Case("a requester flooding one address is still answered for the others", DEFAULTS,
            List.of(uncounted(same(0, 1, FLOODED, 1_000)), spread(0, 1, 500)), verdicts(Verdict.ALLOWED, 500)),
        new Case("another requester is answered for the address one requester floods", DEFAULTS,
            List.of(uncounted(same(0, 1, 1, 1_000)), same(0, 2, 1, 1)), verdicts(Verdict.ALLOWED, 1)),
        new Case("one requester asking for 2,000 different addresses at once stops at its ceiling of 1,000", DEFAULTS,
            List.of(spread(0, 1, 2_000)), verdicts(Verdict.ALLOWED, 1_000, Verdict.PER_REQUESTER, 1_000)),
        new Case("the requester ceiling refills at 500/s", DEFAULTS,
            List.of(uncounted(spread(0, 1, 2_000)), spread(1_000, 1, 1_000)), verdicts(Verdict.ALLOWED, 500, Verdict.PER_REQUESTER, 500)),
        new Case("refused requests take no tokens: a requester's flood of one address leaves its ceiling whole", DEFAULTS,
            List.of(uncounted(same(0, 1, FLOODED, 100_000)), spread(0, 1, 950)), verdicts(Verdict.ALLOWED, 950)),
        new Case("3,000 forged requesters at once: the global burst of 2,000 is answered, the rest is limited", DEFAULTS,
            List.of(new Step(0, 0, true, 1, false, 3_000, true)), verdicts(Verdict.ALLOWED, 2_000, Verdict.GLOBAL, 1_000)),
        new Case("the global cap refills at 5,000/s", DEFAULTS,
            List.of(uncounted(new Step(0, 0, true, 1, false, 3_000, true)), new Step(100, 10_000, true, 1, false, 1_000, true)),
            verdicts(Verdict.ALLOWED, 500, Verdict.GLOBAL, 500)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void verdicts(Case c) {
    AtomicLong clock = new AtomicLong(5_000_000_000L);
    long start = clock.get();
    RateLimiter limiter = new RateLimiter(c.config(), clock::get);
    Map<Verdict, Integer> seen = new EnumMap<>(Verdict.class);
    for (Step s : c.steps()) {
      clock.set(start + s.atMillis() * 1_000_000L);
      for (int i = 0; i < s.count(); i++) {
        MacAddress requester = new MacAddress(0x0200_0000_0000L + (s.manyRequesters() ? s.requester() + i : s.requester()));
        Verdict v = limiter.allow(requester, address(s.manyAddresses() ? s.address() + i : s.address()));
        if (s.counted()) {
          seen.merge(v, 1, Integer::sum);
        }
      }
    }
    assertThat(seen).isEqualTo(c.expected());
  }

  /** Address number {@code n}: 198.51.100.0/24, then 203.0.113.0/24, then 2001:db8::n. */
  static InetAddress address(int n) {
    if (n < 256) {
      return Addresses.inet4(new byte[] {(byte) 198, 51, 100, (byte) n});
    }
    if (n < 512) {
      return Addresses.inet4(new byte[] {(byte) 203, 0, 113, (byte) (n - 256)});
    }
    byte[] a = new byte[16];
    a[0] = 0x20;
    a[1] = 0x01;
    a[2] = 0x0d;
    a[3] = (byte) 0xb8;
    a[12] = (byte) (n >>> 24);
    a[13] = (byte) (n >>> 16);
    a[14] = (byte) (n >>> 8);
    a[15] = (byte) n;
    return Addresses.inet6(a);
  }
}
