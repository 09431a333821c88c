package io.ironlb.election;

import io.ironlb.model.ServiceKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides, for one node, which services it announces: MetalLB's election applied to every service
 * with the advertisements that cover it. Pure: the speaker feeds it snapshots and diffs the plans.
 */
public final class AnnouncementPlanner {
  private final String me;

  public AnnouncementPlanner(String nodeName) {
    this.me = nodeName;
  }

  /** What the planner decided for one service; the speaker logs the reason when it stops announcing. */
  public record Decision(ServiceFacts service, ElectionOutcome outcome, Announcement announcement) {
    public boolean mine() {
      return announcement != null;
    }
  }

  public Map<ServiceKey, Decision> plan(
      List<ServiceFacts> services,
      Map<String, Map<String, String>> poolLabels,
      List<AdvertisementFacts> advertisements,
      Map<String, NodeFacts> nodes,
      Set<String> liveNodes) {
    Map<ServiceKey, Decision> out = new LinkedHashMap<>();
    for (ServiceFacts s : services) {
      out.put(s.key(), decide(s, poolLabels, advertisements, nodes, liveNodes));
    }
    return out;
  }

  /** The decision for one service: an event for one service costs this much work, no more. */
  public Decision decide(ServiceFacts s, Map<String, Map<String, String>> poolLabels,
      List<AdvertisementFacts> advertisements, Map<String, NodeFacts> nodes, Set<String> liveNodes) {
    List<AdvertisementFacts> covering = new ArrayList<>();
    if (s.pool() != null && poolLabels.containsKey(s.pool())) {
      for (AdvertisementFacts ad : advertisements) {
        if (ad.coversPool(s.pool(), poolLabels.get(s.pool())) && ad.coversService(s.labels())) {
          covering.add(ad);
        }
      }
    }
    ElectionInput input = ElectionInput.of(s.ips().getFirst().text(), liveNodes, nodes, covering, s.localTrafficPolicy(), s.endpoints());
    ElectionOutcome outcome = Election.decide(input);
    if (!(outcome instanceof ElectionOutcome.Winner w) || !w.node().equals(me)) {
      return new Decision(s, outcome, null);
    }
    List<String> chosen = interfaces(covering, nodes.get(me));
    return new Decision(s, outcome, new Announcement(s.key(), s.ips(), s.pool(), chosen));
  }

  /**
   * Where {@code node} announces an address that these advertisements cover: the union of the
   * interfaces of those that select it; empty means "interfaces whose subnet holds the address",
   * which wins when any of them names none, because it is the widest.
   */
  public static List<String> interfaces(List<AdvertisementFacts> covering, NodeFacts node) {
    Set<String> interfaces = new TreeSet<>();
    for (AdvertisementFacts ad : covering) {
      if (!ad.selectsNode(node)) {
        continue;
      }
      if (ad.interfaces().isEmpty()) {
        return List.of();
      }
      interfaces.addAll(ad.interfaces());
    }
    return List.copyOf(interfaces);
  }
}
