package io.ironlb.announce;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Which nodes count as alive for the election, and whether membership can be trusted.
 *
 * <p>With a trusted membership, the live nodes are the view. Without one (membership unhealthy,
 * or this speaker never yet in a view with another), liveness comes from Node readiness and the
 * speaker is <em>degraded</em>: a speaker that cannot join (a wrong key, a blocked port) would
 * otherwise count every other node as dead, announce everything and push the real announcers back.
 * Either way a node outside the view whose claim was heard on the LAN is alive for a while
 * ({@link #claimEvidence}): it still answers ARP, so taking its addresses would split the LAN.
 */
final class Liveness {
  private final String me;
  private final Duration evidenceLasts;

  private Set<String> view = Set.of();
  private boolean healthy = true;
  /** Set once this speaker has been in a view with another one. */
  private boolean joined;
  private boolean degraded;
  /** Null until the first computation, so the first state is reported. */
  private Boolean fallback;
  /** Nodes outside the view whose claims were heard, until when they count as alive. */
  private final Map<String, Instant> evidence = new HashMap<>();
  /**
   * Nodes outside the view whose evidence ran out. In a partition the winner's claims reach the
   * other side only with its periodic refresh, so its evidence lapses while it still holds the
   * address; a takeover from such a node probes first, and a live holder keeps the address.
   */
  private final Set<String> lapsed = new HashSet<>();
  private Set<String> live = Set.of();

  Liveness(String me, Duration evidenceLasts) {
    this.me = me;
    this.evidenceLasts = evidenceLasts;
  }

  /** What changed in one recomputation, for the core to log and count. */
  record Change(Boolean fallbackNow, boolean notJoinedNow, boolean trustChanged, Set<String> added, Set<String> removed) {
    boolean liveChanged() {
      return !added.isEmpty() || !removed.isEmpty();
    }
  }

  /** Returns true when the view adds a first other member (this speaker joined). */
  boolean viewChanged(Set<String> members) {
    view = Set.copyOf(members);
    evidence.keySet().retainAll(view);
    lapsed.removeAll(view);
    if (view.size() > 1 && !joined) {
      joined = true;
      return true;
    }
    return false;
  }

  void health(boolean isHealthy) {
    healthy = isHealthy;
  }

  /** A claim from {@code node} was heard, or a probe found it still answering: alive until now + the evidence time. */
  Instant claimHeard(String node, Instant now) {
    Instant until = now.plus(evidenceLasts);
    evidence.put(node, until);
    return until;
  }

  /**
   * Recomputes the live nodes from the view (or, degraded, from {@code readyNodes}), the claim
   * evidence and the {@code known} nodes.
   */
  Change recompute(Set<String> known, Set<String> readyNodes, Instant now) {
    boolean useFallback = !healthy;
    Boolean fallbackNow = null;
    if (fallback == null || fallback != useFallback) {
      fallback = useFallback;
      fallbackNow = useFallback;
    }
    boolean notJoined = !joined && view.size() <= 1;
    boolean notJoinedNow = notJoined && !useFallback && !degraded;
    boolean wasDegraded = degraded;
    degraded = useFallback || notJoined;
    Set<String> next = new HashSet<>();
    if (degraded) {
      next.addAll(readyNodes);
      next.add(me);
    } else {
      next.addAll(view);
    }
    for (Iterator<Map.Entry<String, Instant>> it = evidence.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Instant> e = it.next();
      if (e.getValue().isBefore(now)) {
        // Only a node still out of view: a lapse must not slow down a later takeover from a member.
        if (!view.contains(e.getKey())) {
          lapsed.add(e.getKey());
        }
        it.remove();
      }
    }
    next.addAll(evidence.keySet());
    next.retainAll(known);
    Set<String> added = new HashSet<>(next);
    added.removeAll(live);
    Set<String> removed = new HashSet<>(live);
    removed.removeAll(next);
    live = Set.copyOf(next);
    return new Change(fallbackNow, notJoinedNow, wasDegraded != degraded, added, removed);
  }

  Set<String> live() {
    return live;
  }

  Set<String> view() {
    return view;
  }

  boolean degraded() {
    return degraded;
  }

  boolean lapsed(String node) {
    return lapsed.contains(node);
  }
}
