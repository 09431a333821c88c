package io.ironlb.membership;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jgroups.Address;
import org.jgroups.PhysicalAddress;
import org.jgroups.ViewId;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.MERGE3;

/**
 * MERGE3 that also merges as soon as a coordinator hears from the other side of a healed partition.
 *
 * <p>MERGE3 finds partitions by exchanging views every few seconds (random 1.5-4.5 s here, then a
 * check every 4 s), which made a healed partition take ~4 s to merge; meanwhile each side elects
 * among its own members, and a second failure in that window is seen late (issue 15: a flapping
 * link). {@link UdpHeartbeat} hears heartbeats from listed peers outside the view within one
 * heartbeat interval of the heal, each naming the view its sender is in; handed here, that is the
 * same fact an exchanged view would be, and the consistency check runs at once. The periodic
 * exchange stays as it was, for the case heartbeats cannot pass (UDP blocked between nodes).
 *
 * <p>It keeps MERGE3's protocol ID, so its messages are MERGE3's on the wire (a rolling update mixes
 * speakers with and without it).
 */
final class PromptMerge extends MERGE3 {

  /** The soonest a second prompt check may follow the first (a merge takes a few round trips). */
  static final long MIN_GAP_MS = 250;
  /** How long a prompt check waits for the other coordinators' heartbeats to arrive too. */
  static final long GATHER_MS = 20;

  private final AtomicBoolean queued = new AtomicBoolean();
  private volatile long lastCheck;

  PromptMerge() {
    setId(ClassConfigurator.getProtocolId(MERGE3.class));
  }

  /**
   * A member outside this node's view, in view {@code its} made by another coordinator, is
   * reachable at {@code where}. On the coordinator, records that like an exchanged view and runs the
   * consistency check shortly (at most once per {@value #MIN_GAP_MS} ms); elsewhere nothing.
   */
  void outsiderHeard(Address sender, ViewId its, PhysicalAddress where) {
    if (!is_coord || view == null || timer == null) {
      return;
    }
    addInfo(sender, its, null, where);
    if (!queued.compareAndSet(false, true)) {
      return;
    }
    long wait = Math.max(GATHER_MS, lastCheck + MIN_GAP_MS - System.currentTimeMillis());
    timer.schedule(() -> {
      queued.set(false);
      lastCheck = System.currentTimeMillis();
      if (is_coord && !isMergeRunning()) {
        checkInconsistencies();
      }
    }, wait, TimeUnit.MILLISECONDS, true);
  }
}
