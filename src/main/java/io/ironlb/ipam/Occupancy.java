package io.ironlb.ipam;

import java.util.Map;
import java.util.TreeMap;

/**
 * The occupied addresses of one pool (held by a service or marked foreign) as merged runs, so the
 * first free address is found in a few tree look-ups whatever the pool size or fill level.
 *
 * <p>Invariant: no run holds a free assignable address, and between two neighbouring runs of a
 * family there is at least one free assignable address. Runs therefore merge across gaps made only
 * of addresses the pool may not hand out (avoidBuggyIPs' .0/.255, holes between entries), so a
 * search never steps through a full /24 at a time either.
 */
final class Occupancy {

  private final Pool pool;
  private final TreeMap<Addr, Addr> runs = new TreeMap<>();

  Occupancy(Pool pool) {
    this.pool = pool;
  }

  boolean occupied(Addr a) {
    Map.Entry<Addr, Addr> r = runs.floorEntry(a);
    return r != null && !a.isAfter(r.getValue());
  }

  /** {@code a} must be assignable in the pool and free. */
  void occupy(Addr a) {
    Addr start = a;
    Addr end = a;
    Map.Entry<Addr, Addr> left = runs.lowerEntry(a);
    if (left != null && left.getKey().v6() == a.v6()) {
      Addr after = left.getValue().next();
      if (after != null && a.equals(pool.nextAssignable(after))) {
        start = left.getKey();
        runs.remove(left.getKey());
      }
    }
    Map.Entry<Addr, Addr> right = runs.higherEntry(a);
    if (right != null && right.getKey().v6() == a.v6()) {
      Addr after = a.next();
      Addr n = after == null ? null : pool.nextAssignable(after);
      if (n == null || !right.getKey().isAfter(n)) {
        end = right.getValue();
        runs.remove(right.getKey());
      }
    }
    runs.put(start, end);
  }

  /** {@code a} must be occupied. */
  void free(Addr a) {
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
    return runs.size();
  }
}
