package io.ironlb.ipam;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The occupied addresses of one pool (held by a service or marked foreign) as merged runs, so the
 * first free address is found in a few tree look-ups whatever the pool size or fill level.
 *
 * <p>Invariant (once {@link #flush} has run): no run holds a free assignable address, and between two
 * neighbouring runs of a family there is at least one free assignable address. Runs therefore merge
 * across gaps made only of addresses the pool may not hand out (avoidBuggyIPs' .0/.255, holes
 * between entries), so a search never steps through a full /24 at a time either.
 *
 * <p>New occupants wait in {@code pending} until the next search: a restart replays thousands of
 * addresses in random order, and one sort-and-merge of them all is several times cheaper than
 * merging each into a fragmenting tree.
 */
final class Occupancy {

  private record Run(Addr start, Addr end) {}

  private final Pool pool;
  private final TreeMap<Addr, Addr> runs = new TreeMap<>();
  private final Set<Addr> pending = new HashSet<>();

  Occupancy(Pool pool) {
    this.pool = pool;
  }

  boolean occupied(Addr a) {
    if (pending.contains(a)) {
      return true;
    }
    Map.Entry<Addr, Addr> r = runs.floorEntry(a);
    return r != null && !a.isAfter(r.getValue());
  }

  /** {@code a} must be assignable in the pool and free. */
  void occupy(Addr a) {
    pending.add(a);
  }

  /** {@code a} must be occupied. */
  void free(Addr a) {
    if (pending.remove(a)) {
      return;
    }
    Map.Entry<Addr, Addr> r = runs.floorEntry(a);
    if (r == null || a.isAfter(r.getValue())) {
      throw new IllegalStateException("address " + a + " is not occupied in pool " + pool.name());
    }
    runs.remove(r.getKey());
    if (r.getKey().compareTo(a) < 0) {
      runs.put(r.getKey(), a.prev());
    }
    if (a.compareTo(r.getValue()) < 0) {
      runs.put(a.next(), r.getValue());
    }
  }

  /** The first free assignable address of the entry (lowest first), or null when the entry is full. */
  Addr firstFree(Pool.Entry e) {
    flush();
    Addr c = pool.nextAssignable(e.start());
    while (c != null && !c.isAfter(e.end())) {
      Map.Entry<Addr, Addr> r = runs.floorEntry(c);
      if (r == null || c.isAfter(r.getValue())) {
        return c;
      }
      Addr after = r.getValue().next();
      c = after == null ? null : pool.nextAssignable(after);
    }
    return null;
  }

  int runCount() {
    flush();
    return runs.size();
  }

  /** Merges pending occupants into the runs: one by one when few, by a sorted rebuild when many. */
  private void flush() {
    if (pending.isEmpty()) {
      return;
    }
    if (pending.size() <= 16 || pending.size() * 8 < runs.size()) {
      for (Addr a : pending) {
        merge(a);
      }
    } else {
      rebuild();
    }
    pending.clear();
  }

  private void merge(Addr a) {
    Addr start = a;
    Addr end = a;
    Map.Entry<Addr, Addr> left = runs.lowerEntry(a);
    if (left != null && noAssignableBetween(left.getValue(), a)) {
      start = left.getKey();
      runs.remove(left.getKey());
    }
    Map.Entry<Addr, Addr> right = runs.higherEntry(a);
    if (right != null && noAssignableBetween(a, right.getKey())) {
      end = right.getValue();
      runs.remove(right.getKey());
    }
    runs.put(start, end);
  }

  private void rebuild() {
    List<Run> all = new ArrayList<>(runs.size() + pending.size());
    runs.forEach((s, e) -> all.add(new Run(s, e)));
    pending.forEach(a -> all.add(new Run(a, a)));
    all.sort(Comparator.comparing(Run::start));
    runs.clear();
    Addr start = null;
    Addr end = null;
    for (Run r : all) {
      if (start != null && noAssignableBetween(end, r.start())) {
        if (r.end().isAfter(end)) {
          end = r.end();
        }
        continue;
      }
      if (start != null) {
        runs.put(start, end);
      }
      start = r.start();
      end = r.end();
    }
    runs.put(start, end);
  }

  /** Whether no address the pool may hand out lies strictly between {@code low} and {@code high}. */
  private boolean noAssignableBetween(Addr low, Addr high) {
    if (low.v6() != high.v6()) {
      return false;
    }
    Addr after = low.next();
    if (after == null) {
      return true;
    }
    Addr n = pool.nextAssignable(after);
    return n == null || !high.isAfter(n);
  }
}
