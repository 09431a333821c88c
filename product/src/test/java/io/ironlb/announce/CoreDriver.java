package io.ironlb.announce;

import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.EndpointFacts;
import io.ironlb.election.NodeFacts;
import io.ironlb.election.ServiceFacts;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.LabelSelector;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Plays the speaker's shell around one {@link SpeakerCore}, as tests need it: it answers
 * {@link Action.Announce} (announced on the interfaces it is told, by default {@code lan0}) and
 * {@link Action.WriteStatus} (written, and the informer's echo), keeps probes waiting until a test
 * answers them, and moves a clock that sends {@link Event.Tick} when a recheck is due.
 */
final class CoreDriver {
  static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
  static final String POOL = "lan-pool";

  final String node;
  final SpeakerCore core;
  Instant now = T0;
  /** Every action the core asked for, in order. */
  final List<Action> actions = new ArrayList<>();
  /** Probes asked for and not answered yet. */
  final List<Action.Probe> probes = new ArrayList<>();
  /** Which interfaces an Announce ends up on (empty: none can). */
  Function<Action.Announce, List<String>> interfacesUsed = a -> a.interfaces().isEmpty() ? List.of("lan0") : a.interfaces();
  /** Whether status writes succeed. */
  boolean statusWritesSucceed = true;
  private Instant recheck;

  CoreDriver(String node) {
    this(SpeakerCore.Config.of(node, List.of(), Duration.ofSeconds(30)));
  }

  CoreDriver(SpeakerCore.Config config) {
    this.node = config.node();
    this.core = new SpeakerCore(config);
  }

  /** Sends an event and carries out the answer; returns every action of this call, answers included. */
  List<Action> send(Event event) {
    List<Action> these = new ArrayList<>();
    Deque<Action> todo = new ArrayDeque<>(core.step(event, now));
    while (!todo.isEmpty()) {
      Action a = todo.poll();
      these.add(a);
      actions.add(a);
      List<Action> answer = switch (a) {
        case Action.Announce an -> core.step(new Event.Announced(an.service(), interfacesUsed.apply(an)), now);
        case Action.WriteStatus w -> {
          List<Action> r = new ArrayList<>(core.step(new Event.StatusWriteFinished(w.service(), statusWritesSucceed), now));
          if (statusWritesSucceed) {
            r.addAll(core.step(new Event.StatusPublished(w.service(), node), now));
          }
          yield r;
        }
        case Action.Probe p -> {
          probes.add(p);
          yield List.of();
        }
        case Action.RecheckAt r -> {
          if (recheck == null || r.at().isBefore(recheck)) {
            recheck = r.at();
          }
          yield List.of();
        }
        default -> List.of();
      };
      for (int i = answer.size() - 1; i >= 0; i--) {
        todo.push(answer.get(i));
      }
    }
    return these;
  }

  /** Moves the clock, sending the ticks that come due on the way. */
  List<Action> advance(Duration d) {
    Instant until = now.plus(d);
    List<Action> these = new ArrayList<>();
    while (recheck != null && !recheck.isAfter(until)) {
      now = recheck;
      recheck = null;
      these.addAll(send(new Event.Tick()));
    }
    now = until;
    return these;
  }

  /** Answers the oldest open probe of {@code ip}. */
  List<Action> answerProbe(Vip ip, ProbeOutcome outcome) {
    Action.Probe p = probes.stream().filter(x -> x.ip().equals(ip)).findFirst()
        .orElseThrow(() -> new AssertionError("no open probe of " + ip + " on " + node + "; actions: " + actions));
    probes.remove(p);
    return send(new Event.ProbeFinished(ip, p.purpose(), outcome));
  }

  /** Answers every open probe with "free". */
  void probesFindNothing() {
    while (!probes.isEmpty()) {
      answerProbe(probes.getFirst().ip(), new ProbeOutcome.Free());
    }
  }

  boolean announces(ServiceKey key) {
    return core.announcements().containsKey(key);
  }

  <T extends Action> List<T> actionsOf(Class<T> type) {
    return actions.stream().filter(type::isInstance).map(type::cast).toList();
  }

  List<String> loggedEvents() {
    return actionsOf(Action.Log.class).stream().map(Action.Log::event).toList();
  }

  List<String> emittedReasons() {
    return actionsOf(Action.Emit.class).stream().map(Action.Emit::reason).toList();
  }

  // ---- facts, built the way tests read them --------------------------------------------------

  static NodeInfo node(String name, boolean ready, Map<String, String> labels, MacAddress mac) {
    return new NodeInfo(new NodeFacts(name, labels, false), ready, Set.of(mac), true);
  }

  static MacAddress macOf(String node) {
    return new MacAddress(0x0200_0000_0000L | (node.hashCode() & 0xFFFF_FFFFL));
  }

  static ServiceFacts service(String name, String ip, boolean local, List<EndpointFacts> endpoints, Map<String, String> labels) {
    return new ServiceFacts(new ServiceKey("default", name), List.of(Vip.of(ip)), POOL, labels, local, endpoints);
  }

  static AdvertisementFacts advertisement(String name, List<LabelSelector> nodeSelectors, List<String> interfaces) {
    return new AdvertisementFacts(name, List.of(POOL), List.of(), nodeSelectors, interfaces, List.of());
  }

  /**
   * The usual start: {@code nodes} known and Ready, all in the view and healthy, the pool and
   * {@code ads}, this node's {@code lan0} up, then synced.
   */
  CoreDriver standard(List<String> nodes, List<AdvertisementFacts> ads) {
    send(new Event.ViewChanged(Set.copyOf(nodes)));
    send(new Event.MembershipHealth(true));
    for (String n : nodes) {
      send(new Event.NodeUpdated(node(n, true, Map.of(), macOf(n))));
    }
    send(new Event.PoolsUpdated(Map.of(POOL, Map.of())));
    send(new Event.AdvertisementsUpdated(ads));
    send(new Event.InterfacesChanged(List.of(new Event.LocalInterface("lan0", true, macOf(node)))));
    send(new Event.Synced());
    return this;
  }

  static Map<String, String> noLabels() {
    return new HashMap<>();
  }
}
