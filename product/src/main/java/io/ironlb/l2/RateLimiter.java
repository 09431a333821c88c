package io.ironlb.l2;

import io.ironlb.l2.packet.MacAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets per requester MAC, plus one global bucket. The per-requester bucket keeps one
 * noisy host from starving the others; the global one bounds the work a flood of forged source
 * MACs can cause (those each get a fresh bucket). The table of requesters is bounded: the least
 * recently seen is forgotten first.
 */
public final class RateLimiter {

  /** Defaults: 50 answers/s per requester (burst 50), 5,000/s in all (burst 1,000), 4,096 requesters. */
  public record Config(double perRequesterPerSecond, double perRequesterBurst, double globalPerSecond, double globalBurst, int maxRequesters) {
    public static Config defaults() {
      return new Config(50, 50, 5_000, 1_000, 4_096);
    }
  }

  private static final class Bucket {
    double tokens;
    long stamp;

    Bucket(double tokens, long stamp) {
      this.tokens = tokens;
      this.stamp = stamp;
    }

    boolean take(double rate, double burst, long now) {
      tokens = Math.min(burst, tokens + (now - stamp) * rate / 1e9);
      stamp = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }

  private final Config config;
  private final LongSupplier nanoTime;
  private final Bucket global;
  private final Map<Long, Bucket> perRequester;

  public RateLimiter(Config config, LongSupplier nanoTime) {
    this.config = config;
    this.nanoTime = nanoTime;
    this.global = new Bucket(config.globalBurst(), nanoTime.getAsLong());
    this.perRequester = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Bucket> eldest) {
        return size() > config.maxRequesters();
      }
    };
  }

  /** True when {@code requester} may get one more answer now. */
  public synchronized boolean allow(MacAddress requester) {
    long now = nanoTime.getAsLong();
    Bucket b = perRequester.get(requester.bits());
    if (b == null) {
      b = new Bucket(config.perRequesterBurst(), now);
      perRequester.put(requester.bits(), b);
    }
    if (!b.take(config.perRequesterPerSecond(), config.perRequesterBurst(), now)) {
      return false;
    }
    return global.take(config.globalPerSecond(), config.globalBurst(), now);
  }
}
