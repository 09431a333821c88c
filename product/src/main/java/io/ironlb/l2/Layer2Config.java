package io.ironlb.l2;

import java.time.Duration;

/**
 * Timings and limits of the data plane.
 *
 * @param claimQuietPeriod how long without a foreign claim ends a conflict episode
 */
public record Layer2Config(Announcer.Config announce, ConflictProbe.Config probe, RateLimiter.Config rateLimit, Duration claimQuietPeriod) {

  public static Layer2Config defaults() {
    return new Layer2Config(Announcer.Config.defaults(), ConflictProbe.Config.defaults(), RateLimiter.Config.defaults(),
        Duration.ofSeconds(10));
  }

  public Layer2Config withAnnounce(Announcer.Config a) {
    return new Layer2Config(a, probe, rateLimit, claimQuietPeriod);
  }

  public Layer2Config withRateLimit(RateLimiter.Config r) {
    return new Layer2Config(announce, probe, r, claimQuietPeriod);
  }

  public Layer2Config withClaimQuietPeriod(Duration d) {
    return new Layer2Config(announce, probe, rateLimit, d);
  }
}
