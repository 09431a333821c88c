package io.ironlb.announce;

import io.ironlb.election.NodeFacts;
import io.ironlb.l2.packet.MacAddress;
import java.time.Instant;
import java.util.Set;

/**
 * A Node as the speaker's core needs it.
 *
 * @param facts what the election reads (labels, NetworkUnavailable)
 * @param ready the Node's Ready condition: liveness when membership cannot be trusted
 * @param macs the MACs its speaker published (a cluster node's answer is not a conflict)
 * @param runsSpeaker its speaker published a membership address
 * @param draining addresses move off it, make-before-break ({@code ironlb drain}, or cordoned with
 *     {@code --drain-cordoned-nodes})
 * @param joinedAt when its speaker first joined a view with other speakers, as it published it;
 *     null when it has not said (the failback hold-down counts from it)
 */
public record NodeInfo(NodeFacts facts, boolean ready, Set<MacAddress> macs, boolean runsSpeaker, boolean draining, Instant joinedAt) {
  public NodeInfo {
    macs = Set.copyOf(macs);
  }

  /** A node that is not draining and has not said when it joined. */
  public NodeInfo(NodeFacts facts, boolean ready, Set<MacAddress> macs, boolean runsSpeaker) {
    this(facts, ready, macs, runsSpeaker, false, null);
  }

  public String name() {
    return facts.name();
  }
}
