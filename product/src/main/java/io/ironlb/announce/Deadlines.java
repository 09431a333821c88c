package io.ironlb.announce;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * When the core must look at something again, without being told: a wait that ends, a conflict
 * to probe again, claim evidence that runs out. Ordered by time; what is due is taken out in one go.
 */
final class Deadlines<T> {
  private final TreeMap<Instant, Set<T>> byTime = new TreeMap<>();

  void add(Instant at, T what) {
    byTime.computeIfAbsent(at, t -> new HashSet<>()).add(what);
  }

  /** Everything due at or before {@code now}, removed. */
  List<T> takeDue(Instant now) {
    List<T> due = new ArrayList<>();
    while (!byTime.isEmpty() && !byTime.firstKey().isAfter(now)) {
      Map.Entry<Instant, Set<T>> first = byTime.pollFirstEntry();
      due.addAll(first.getValue());
    }
    return due;
  }

  /** The earliest time something is due, or null when nothing is. */
  Instant next() {
    return byTime.isEmpty() ? null : byTime.firstKey();
  }
}
