package io.ironlb.ipam;

import io.ironlb.model.IpText;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cross-object checks: given pools in creation order (oldest first) and the nodes' own IPs, which
 * pools are usable and why the others are not. Of two overlapping pools the younger is left out,
 * so adding a pool never takes an older one out of service. A pool is compared only with pools
 * that stayed usable, so one bad pool does not drag others out with it.
 */
public final class PoolSet {

  private final List<Pool> usable;
  private final Map<String, String> problems;

  private PoolSet(List<Pool> usable, Map<String, String> problems) {
    this.usable = List.copyOf(usable);
    this.problems = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(problems));
  }

  public static PoolSet of(List<Pool> poolsOldestFirst, Collection<InetAddress> nodeIps) {
    List<Pool> usable = new ArrayList<>();
    Map<String, String> problems = new LinkedHashMap<>();
    for (Pool pool : poolsOldestFirst) {
      String problem = nodeIpProblem(pool, nodeIps);
      if (problem == null) {
        for (Pool older : usable) {
          if (older.name().equals(pool.name())) {
            problem = "another pool named " + pool.name() + " is already in use";
            break;
          }
          Optional<String> overlap = pool.overlapWith(older);
          if (overlap.isPresent()) {
            problem = overlap.get() + " (the older pool keeps its addresses); pool " + pool.name()
                + " is out of service until the overlap is removed";
            break;
          }
        }
      }
      if (problem == null) {
        usable.add(pool);
      } else {
        problems.putIfAbsent(pool.name(), problem);
      }
    }
    return new PoolSet(usable, problems);
  }

  private static String nodeIpProblem(Pool pool, Collection<InetAddress> nodeIps) {
    for (InetAddress ip : nodeIps) {
      Optional<String> entry = pool.entryContaining(ip);
      if (entry.isPresent()) {
        return entry.get() + " contains node IP " + IpText.format(ip) + "; pool " + pool.name()
            + " is out of service until that address is removed from it (a node's own address must never go to a service)";
      }
    }
    return null;
  }

  /** The pools to hand to {@link Allocator#setPools}, oldest first. */
  public List<Pool> usable() {
    return usable;
  }

  /** Pool name to a message naming the overlap or the node IP. */
  public Map<String, String> problems() {
    return problems;
  }
}
