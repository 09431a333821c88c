package io.ironlb.bench;

import java.util.Arrays;

/**
 * Nearest-rank percentiles of a few measurements, as the lab and the benchmarks print them. Public
 * so that the benchmark report (test scope, {@code io.ironlb.bench}) uses the same definition.
 */
public final class Percentiles {

  private Percentiles() {}

  /** The nearest-rank {@code p}-th percentile (0 < p <= 100) of {@code values}; 0 when empty. */
  public static long of(long[] values, double p) {
    if (values.length == 0) {
      return 0;
    }
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  /** {@code "p50 190 ms, p90 250 ms, max 260 ms (10 trials)"}. */
  public static String summary(long[] millis) {
    if (millis.length == 0) {
      return "no successful trial";
    }
    return "p50 " + of(millis, 50) + " ms, p90 " + of(millis, 90) + " ms, max " + of(millis, 100) + " ms (" + millis.length
        + (millis.length == 1 ? " trial)" : " trials)");
  }
}
