package io.ironlb.announce;

import io.ironlb.election.NodeFacts;
import io.ironlb.l2.packet.MacAddress;
import java.util.Set;

/**
 * A Node as the speaker's core needs it.
 *
 * @param facts what the election reads (labels, NetworkUnavailable)
 * @param ready the Node's Ready condition: liveness when membership cannot be trusted
 * @param macs the MACs its speaker published (a cluster node's answer is not a conflict)
 * @param runsSpeaker its speaker published a membership address
 */
public record NodeInfo(NodeFacts facts, boolean ready, Set<MacAddress> macs, boolean runsSpeaker) {
  public NodeInfo {
    macs = Set.copyOf(macs);
  }

  public String name() {
    return facts.name();
  }
}
