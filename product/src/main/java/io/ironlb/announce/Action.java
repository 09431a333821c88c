package io.ironlb.announce;

import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the speaker's core asks the shell to do; the shell carries them out in order. */
public sealed interface Action {

  /**
   * Announce {@code ips} on {@code interfaces} (empty: those whose subnet holds each address) and
   * answer with {@link Event.Announced}, before carrying out the actions that follow this one.
   */
  record Announce(ServiceKey service, List<Vip> ips, List<String> interfaces) implements Action {
    public Announce {
      ips = List.copyOf(ips);
      interfaces = List.copyOf(interfaces);
    }
  }

  /** Stop answering for and announcing {@code ips}. */
  record Withdraw(ServiceKey service, List<Vip> ips) implements Action {
    public Withdraw {
      ips = List.copyOf(ips);
    }
  }

  /** Why an address is probed: before its first announcement, or before taking it from a node that may still hold it. */
  enum ProbePurpose {
    FIRST_USE,
    TAKEOVER_CHECK
  }

  /**
   * Probe {@code ip} on {@code interfaces} (RFC 5227 ARP probe, IPv6 DAD); answers from
   * {@code ignoredMacs} do not count as taken. Answer with {@link Event.ProbeFinished}.
   */
  record Probe(Vip ip, List<String> interfaces, Set<MacAddress> ignoredMacs, ProbePurpose purpose) implements Action {
    public Probe {
      interfaces = List.copyOf(interfaces);
      ignoredMacs = Set.copyOf(ignoredMacs);
    }
  }

  /**
   * Check that {@code owner} answers for {@code ip}: ARP probes / DAD solicitations on
   * {@code interfaces} until the first answer, every answer counted. Answer with {@link Event.VerifyFinished}.
   */
  record Verify(Vip ip, String owner, List<String> interfaces) implements Action {
    public Verify {
      interfaces = List.copyOf(interfaces);
    }
  }

  /**
   * Report clients' requests for {@code ip} with {@link Event.RequestHeard} (at most about once a
   * second), or stop when {@code on} is false: this node checks that {@code ip}'s owner answers.
   */
  record WatchRequests(Vip ip, boolean on) implements Action {}

  /** Send gratuitous announcements for {@code ip} now (after another node claimed it and this one keeps it). */
  record Defend(Vip ip) implements Action {}

  /** The cluster's MACs: a claim from one is a peer taking over or a split brain, never an attack to defend against. */
  record PeerMacs(Set<MacAddress> macs) implements Action {
    public PeerMacs {
      macs = Set.copyOf(macs);
    }
  }

  /** Note on the Service's ServiceL2Status that this node verified {@code owner} answering at {@code at}. */
  record RecordVerified(ServiceKey service, String owner, Instant at) implements Action {}

  /** Publish on this node's Node when its speaker joined a view with others (the failback hold-down counts from it). */
  record PublishJoined(Instant at) implements Action {}

  /** Count an announcer found silent ({@code ironlb_announcer_silent}). */
  record CountSilent(Vip ip, String owner) implements Action {}

  /** Write the Service's ServiceL2Status naming this node; answer with {@link Event.StatusWriteFinished}. */
  record WriteStatus(ServiceKey service, List<String> interfaces) implements Action {
    public WriteStatus {
      interfaces = List.copyOf(interfaces);
    }
  }

  /** Delete the Service's ServiceL2Status if it still names this node. */
  record DeleteStatus(ServiceKey service) implements Action {}

  /** Mark the Service {@code ironlb.io/ip-conflict}: the controller then moves an auto-assigned Service. */
  record MarkConflict(ServiceKey service, Vip ip, MacAddress mac) implements Action {}

  /** Remove the Service's conflict mark for {@code ip}: the address answered no probe. */
  record ClearConflict(ServiceKey service, Vip ip) implements Action {}

  enum EventType {
    Normal,
    Warning
  }

  /** A Kubernetes Event on the Service. */
  record Emit(ServiceKey service, EventType type, String reason, String message) implements Action {}

  enum Level {
    INFO,
    WARN
  }

  /** A log line: {@code event} is the JSON field operators grep for; {@code fields} are more JSON fields. */
  record Log(Level level, String event, String message, Map<String, Object> fields) implements Action {
    public Log {
      fields = Map.copyOf(fields);
    }
  }

  /** Count a takeover of {@code service} from another node ({@code ironlb_failovers}). */
  record CountFailover(ServiceKey service) implements Action {}

  /** Count an address conflict with a foreign device ({@code ironlb_address_conflicts}). */
  record CountConflict(Vip ip, MacAddress mac) implements Action {}

  /** Whether liveness comes from Node readiness now ({@code ironlb_membership_fallback}). */
  record SetFallback(boolean on) implements Action {}

  /** Send {@link Event.Tick} at {@code at} (or soon after); earlier requests stand. */
  record RecheckAt(Instant at) implements Action {}
}
