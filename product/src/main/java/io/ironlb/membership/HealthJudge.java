package io.ironlb.membership;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;

/**
 * Decides whether membership can be trusted, from facts only (no JGroups, no clock of its own), so
 * the rule is tested as a table.
 *
 * <p>The rule: unhealthy without a view, and unhealthy when this node has been alone for longer than
 * the grace period while the API lists a peer endpoint this process has never seen in a view.
 * Peers it saw and then lost do not count: failure detection removed them, which is membership
 * working (in the seed's two-node cluster, the survivor of a node crash must keep trusting its
 * view; falling back to Node readiness would keep the dead node "Ready" for ~40 s).
 */
final class HealthJudge {

  /** Why membership is (not) trusted; printed in the log line and usable as a metric label. */
  enum Reason {
    HEALTHY,
    NOT_STARTED,
    NO_VIEW,
    ALONE_WITH_UNSEEN_PEERS,
    CLOSED;

    boolean healthy() {
      return this == HEALTHY;
    }
  }

  private final long graceNanos;
  private long aloneSinceNanos;
  private boolean alone;

  HealthJudge(Duration aloneGrace) {
    this.graceNanos = aloneGrace.toNanos();
  }

  /**
   * @param nowNanos a monotonic clock ({@link System#nanoTime()})
   * @param viewSize members in the current view, 0 when there is none
   * @param unseenPeers listed peer endpoints (not this node's) that were never in a view of ours
   */
  Reason judge(long nowNanos, int viewSize, Set<InetSocketAddress> unseenPeers) {
    if (viewSize == 0) {
      alone = false;
      return Reason.NO_VIEW;
    }
    if (viewSize > 1 || unseenPeers.isEmpty()) {
      alone = false;
      return Reason.HEALTHY;
    }
    if (!alone) {
      alone = true;
      aloneSinceNanos = nowNanos;
    }
    return nowNanos - aloneSinceNanos > graceNanos ? Reason.ALONE_WITH_UNSEEN_PEERS : Reason.HEALTHY;
  }
}
