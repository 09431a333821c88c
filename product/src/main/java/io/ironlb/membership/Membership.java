package io.ironlb.membership;

import java.util.Set;
import java.util.function.Consumer;

/**
 * Which speakers are alive right now, as agreed by the speakers themselves (a JGroups group over
 * the node network, authenticated with the shared secret). The speaker elects announcers among
 * {@link #liveNodes()}; when {@link #healthy()} is false it falls back to Node readiness from the API.
 *
 * <p>Use: build with {@link JGroupsMembership#JGroupsMembership(MembershipConfig)}, register
 * listeners, {@link #start()}, and {@link #close()} on SIGTERM (a graceful leave moves addresses
 * with no gap). Names are Kubernetes node names, because the election hashes node names.
 *
 * <pre>{@code
 * Membership m = new JGroupsMembership(new MembershipConfig(node, bindIp, 7946, secret, peers, Timings.defaults()));
 * m.addListener(live -> elector.membersChanged(live));
 * m.start();
 * Runtime.getRuntime().addShutdownHook(new Thread(m::close));
 * }</pre>
 */
public interface Membership extends AutoCloseable {

  /**
   * Joins the group and returns once a first view is installed: the existing group's, or a view of
   * this node alone when no peer answered within the join timeout (a few seconds at most; views
   * merge later when peers appear). Throws when the transport cannot bind or the stack cannot start;
   * the message names the address and port.
   */
  void start() throws Exception;

  /** Node names in the current view, this node included; empty before {@link #start()} and after {@link #close()}. */
  Set<String> liveNodes();

  /**
   * Registers {@code onViewChange}. It is called with the current live nodes at once if a view is
   * already installed (so no change is missed between {@code start()} and this call), then on every
   * view change that changes the set of live nodes (a merge that ends with the same nodes, or a
   * restarted speaker replaced within one view, is not a change to the election). Calls come one at
   * a time, in view order, on one membership thread ({@code ironlb-membership}), never on a JGroups
   * thread: a slow listener delays later calls, never failure detection. The set is immutable and
   * sorted.
   */
  void addListener(Consumer<Set<String>> onViewChange);

  /**
   * False while membership cannot be trusted: not started, no view, or this node alone in its view
   * for longer than {@link Timings#aloneGrace()} while the API lists a peer endpoint this member has
   * never seen in a view (peers it saw and then lost were detected as failed, which is membership
   * working). The speaker then falls back to Node readiness and exposes the state as a metric. A
   * transition is logged once ({@code "event":"membershipHealth"}).
   */
  boolean healthy();

  /**
   * Registers {@code onChange}, called on the membership thread each time {@link #healthy()} turns
   * (so a watcher need not poll it often). An implementation that cannot tell keeps this no-op, and
   * its users' slow poll is all they get.
   */
  default void onHealthChange(Runnable onChange) {}

  /** Leaves the group at once (others install a view without this node) and stops the stack; idempotent. */
  @Override
  void close();
}
