package io.ironlb.l2;

import io.ironlb.l2.packet.MacAddress;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets at three levels: per requester MAC and requested address, per requester MAC, and
 * one for everything. The first keeps one host asking again and again for one address to a small
 * share; the second, larger, lets a gateway resolve hundreds of different addresses at once while
 * still bounding one MAC that asks for everything; the global one bounds the work a flood of forged
 * source MACs can cause (those each get fresh buckets). An answer takes a token from all three or
 * from none. The tables are bounded: the least recently seen entry is forgotten first.
 */
public final class RateLimiter {

  /**
   * @param perAddressPerSecond answers per second to one requester about one address
   * @param perRequesterPerSecond answers per second to one requester, all addresses together
   * @param maxTracked requesters remembered (and four times as many requester-address pairs)
   */
  public record Config(double perAddressPerSecond, double perAddressBurst, double perRequesterPerSecond, double perRequesterBurst,
      double globalPerSecond, double globalBurst, int maxTracked) {

    public Config {
      for (double rate : new double[] {perAddressPerSecond, perAddressBurst, perRequesterPerSecond, perRequesterBurst, globalPerSecond, globalBurst}) {
        if (!(rate >= 1)) {
          throw new IllegalArgumentException("rates and bursts must be at least 1, got " + rate);
        }
      }
      if (maxTracked < 1) {
        throw new IllegalArgumentException("maxTracked must be at least 1, got " + maxTracked);
      }
    }

    /**
     * 50/s per requester and address (burst 50); 500/s per requester (burst 1,000, so a gateway
     * that resolves 1,000 addresses at once is answered); 5,000/s in all (burst 2,000); 4,096
     * requesters.
     */
    public static Config defaults() {
      return new Config(50, 50, 500, 1_000, 5_000, 2_000, 4_096);
    }
  }

  /** Whether an answer may go out, and if not, which bucket was empty. */
  public enum Verdict {
    ALLOWED,
    /** This requester asked for this address too often. */
    PER_ADDRESS,
    /** This requester asked for too many answers, over all addresses. */
    PER_REQUESTER,
    /** Everyone together asked for too many answers. */
    GLOBAL
  }

  private static final class Bucket {
    double tokens;
    long stamp;

    Bucket(double tokens, long stamp) {
      this.tokens = tokens;
      this.stamp = stamp;
    }

    void refill(double rate, double burst, long now) {
      tokens = Math.min(burst, tokens + (now - stamp) * rate / 1e9);
      stamp = now;
    }
  }

  private record Pair(long requester, InetAddress address) {}

  private final Config config;
  private final LongSupplier nanoTime;
  private final Bucket global;
  private final Map<Long, Bucket> perRequester;
  private final Map<Pair, Bucket> perAddress;

  public RateLimiter(Config config, LongSupplier nanoTime) {
    this.config = config;
    this.nanoTime = nanoTime;
    this.global = new Bucket(config.globalBurst(), nanoTime.getAsLong());
    this.perRequester = bounded(config.maxTracked());
    this.perAddress = bounded(4 * config.maxTracked());
  }

  private static <K> Map<K, Bucket> bounded(int max) {
    return new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, Bucket> eldest) {
        return size() > max;
      }
    };
  }

  /** May {@code requester} get one more answer about {@code address} now? Takes the tokens when it may. */
  public synchronized Verdict allow(MacAddress requester, InetAddress address) {
    long now = nanoTime.getAsLong();
    Bucket pair = perAddress.computeIfAbsent(new Pair(requester.bits(), address), k -> new Bucket(config.perAddressBurst(), now));
    Bucket mac = perRequester.computeIfAbsent(requester.bits(), k -> new Bucket(config.perRequesterBurst(), now));
    pair.refill(config.perAddressPerSecond(), config.perAddressBurst(), now);
    mac.refill(config.perRequesterPerSecond(), config.perRequesterBurst(), now);
    global.refill(config.globalPerSecond(), config.globalBurst(), now);
    if (pair.tokens < 1) {
      return Verdict.PER_ADDRESS;
    }
    if (mac.tokens < 1) {
      return Verdict.PER_REQUESTER;
    }
    if (global.tokens < 1) {
      return Verdict.GLOBAL;
    }
    pair.tokens -= 1;
    mac.tokens -= 1;
    global.tokens -= 1;
    return Verdict.ALLOWED;
  }
}
