package io.ironlb.l2;

import java.time.Duration;

/**
 * Timings and limits of the data plane.
 *
 * @param claimQuietPeriod how long without a foreign claim ends a conflict episode
 * @param excludedInterfaces interfaces the operator excludes by name, on top of the built-in exclusions
 */
public record Layer2Config(Announcer.Config announce, ConflictProbe.Config probe, RateLimiter.Config rateLimit, Duration claimQuietPeriod,
    ExcludedInterfaces excludedInterfaces) {

  public static Layer2Config defaults() {
    return new Layer2Config(Announcer.Config.defaults(), ConflictProbe.Config.defaults(), RateLimiter.Config.defaults(),
        Duration.ofSeconds(10), ExcludedInterfaces.none());
  }

  public Layer2Config withAnnounce(Announcer.Config a) {
    return new Layer2Config(a, probe, rateLimit, claimQuietPeriod, excludedInterfaces);
  }

  public Layer2Config withRateLimit(RateLimiter.Config r) {
    return new Layer2Config(announce, probe, r, claimQuietPeriod, excludedInterfaces);
  }

  public Layer2Config withClaimQuietPeriod(Duration d) {
    return new Layer2Config(announce, probe, rateLimit, d, excludedInterfaces);
  }

  public Layer2Config withExcludedInterfaces(ExcludedInterfaces e) {
    return new Layer2Config(announce, probe, rateLimit, claimQuietPeriod, e);
  }
}
