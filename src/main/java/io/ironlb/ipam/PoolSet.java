package io.ironlb.ipam;

import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Cross-object checks: given pools in creation order (oldest first) and the nodes' own IPs, which
 * pools are usable and why the others are not. Of two overlapping pools the younger is left out,
 * so adding a pool never takes an older one out of service.
 */
public final class PoolSet {

  private final List<Pool> usable;
  private final Map<String, String> problems;

  private PoolSet(List<Pool> usable, Map<String, String> problems) {
    this.usable = List.copyOf(usable);
    this.problems = Map.copyOf(problems);
  }

  public static PoolSet of(List<Pool> poolsOldestFirst, Collection<InetAddress> nodeIps) {
    throw new UnsupportedOperationException("not implemented yet");
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
