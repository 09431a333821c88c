package io.ironlb.announce;

import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.EndpointFacts;
import io.ironlb.election.ServiceFacts;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the speaker's core hears about: one Service, its endpoints, the configuration, the nodes,
 * membership, the data plane and the results of actions it asked for. The shell turns informer
 * callbacks, membership views and data-plane reports into these, one at a time.
 */
public sealed interface Event {

  /** A LoadBalancer Service of ours that has addresses: its facts (endpoints included) and conflict marks. */
  record ServiceUpdated(ServiceFacts facts, List<ConflictMark> conflictMarks) implements Event {
    public ServiceUpdated {
      conflictMarks = List.copyOf(conflictMarks);
    }
  }

  /** The Service is gone, has no address any more, or is not ours (another class). */
  record ServiceRemoved(ServiceKey service) implements Event {}

  /** The Service's endpoints changed (its EndpointSlices). */
  record EndpointsUpdated(ServiceKey service, List<EndpointFacts> endpoints) implements Event {
    public EndpointsUpdated {
      endpoints = List.copyOf(endpoints);
    }
  }

  /** Every IPAddressPool, by name, with its labels. */
  record PoolsUpdated(Map<String, Map<String, String>> poolLabels) implements Event {
    public PoolsUpdated {
      poolLabels = Map.copyOf(poolLabels);
    }
  }

  /** Every L2Advertisement in force (each one's last valid version). */
  record AdvertisementsUpdated(List<AdvertisementFacts> advertisements) implements Event {
    public AdvertisementsUpdated {
      advertisements = List.copyOf(advertisements);
    }
  }

  /** A Node appeared or changed. */
  record NodeUpdated(NodeInfo node) implements Event {}

  /** A Node is gone. */
  record NodeRemoved(String name) implements Event {}

  /** The membership view changed: the nodes in it, this one included. */
  record ViewChanged(Set<String> members) implements Event {
    public ViewChanged {
      members = Set.copyOf(members);
    }
  }

  /** Whether membership can be trusted (false: liveness from Node readiness instead). */
  record MembershipHealth(boolean healthy) implements Event {}

  /** This node's interfaces: whether each can send (up, with carrier), and its MAC. */
  record InterfacesChanged(List<LocalInterface> interfaces) implements Event {
    public InterfacesChanged {
      interfaces = List.copyOf(interfaces);
    }
  }

  /** The data plane heard another MAC claim an address this node handles. */
  record ClaimHeard(Vip ip, MacAddress mac, String interfaceName, String evidence) implements Event {}

  /**
   * A client asked for {@code ip} (a broadcast ARP request or a neighbour solicitation) and no one
   * here answers it: another node announces it. Heard for addresses of {@link Action.WatchRequests}.
   */
  record RequestHeard(Vip ip) implements Event {}

  /** A probe asked for by {@link Action.Probe} ended. */
  record ProbeFinished(Vip ip, Action.ProbePurpose purpose, ProbeOutcome outcome) implements Event {}

  /** {@link Action.Announce} was carried out: the interfaces the addresses are announced on (empty: none could). */
  record Announced(ServiceKey service, List<String> interfaces) implements Event {
    public Announced {
      interfaces = List.copyOf(interfaces);
    }
  }

  /** The ServiceL2Status of {@code service} names {@code node} as its announcer. */
  record StatusPublished(ServiceKey service, String node) implements Event {}

  /** The ServiceL2Status of {@code service} is gone. */
  record StatusRemoved(ServiceKey service) implements Event {}

  /** A {@link Action.WriteStatus} ended; {@code written} false when the API refused or was away. */
  record StatusWriteFinished(ServiceKey service, boolean written) implements Event {}

  /** Every cache is filled: from now on the core's plan stands for the cluster's state. */
  record Synced() implements Event {}

  /** A time asked for with {@link Action.RecheckAt} has come. */
  record Tick() implements Event {}

  /**
   * The speaker is about to leave (SIGTERM): announce nothing new, and hand every address over as
   * the others take them (their claims end each handover), before {@link Shutdown}.
   */
  record Leaving() implements Event {}

  /** The speaker stops: withdraw what is still announced, then do nothing more. */
  record Shutdown() implements Event {}

  /** A check asked for by {@link Action.Verify} ended: who answered for the address, if anyone. */
  record VerifyFinished(Vip ip, String owner, ProbeOutcome outcome) implements Event {}

  /** One interface of this node. {@code mac} is {@link MacAddress#ZERO} when it has none (tun, WireGuard). */
  record LocalInterface(String name, boolean operational, MacAddress mac) {}
}
