package io.ironlb.announce;

import io.ironlb.announce.Action.EventType;
import io.ironlb.announce.Action.Level;
import io.ironlb.announce.Action.ProbePurpose;
import io.ironlb.announce.Event.LocalInterface;
import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.AnnouncementPlanner;
import io.ironlb.election.AnnouncementPlanner.Decision;
import io.ironlb.election.ElectionOutcome;
import io.ironlb.election.NodeFacts;
import io.ironlb.election.ServiceFacts;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One node's speaker, decided: state plus {@link #step(Event, Instant)}, which answers every event
 * with the actions that carry out the announcing rules. Pure: no Kubernetes, sockets or threads;
 * time comes in as an argument, and waits come out as {@link Action.RecheckAt}.
 *
 * <p>An event costs work for what it can change and nothing more: a Service's event re-decides
 * that Service; a pool or advertisement change the Services of the pools it touches; a node
 * leaving the live set the Services it announced (nobody else's winner changes); a node joining,
 * a change of node labels or of trust re-decide every Service.
 *
 * <p>The rules, each with its reason:
 * <ul>
 *   <li>Who announces: MetalLB's election among the live nodes ({@link Liveness}).
 *   <li>A new address is probed before its first announcement (RFC 5227 / DAD); a foreign answer
 *       marks it taken for {@code reprobeAfterConflict} and raises {@code IPConflict}. An address
 *       another cluster node announced before (its ServiceL2Status names it) is taken over without
 *       a probe: the old owner is one of ours.
 *   <li>Without a trusted membership, a speaker never takes an address from a Ready node that
 *       announces it, waits {@code untrustedWait} before probing a new one (so the group's node,
 *       probing at the same moment, answers first), and counts a cluster node's answer to its probe
 *       as "announced elsewhere".
 *   <li>A claim heard from another cluster node for an address this node announces is evidence
 *       that node is alive (split brain): the election runs again with it, so exactly one side
 *       keeps the address. A takeover from a node whose evidence lapsed probes first.
 *   <li>A foreign claim for an announced address is reported (the data plane defends it).
 *   <li>Losing carrier on every interface of an announcement withdraws it at once.
 * </ul>
 */
public final class SpeakerCore {
  /** How long a claim heard from a node outside the view counts as proof that it is alive. */
  public static final Duration CLAIM_EVIDENCE = Duration.ofSeconds(5);

  /**
   * @param node this node's name
   * @param interfaces the speaker's {@code --interfaces}: announce only on these (empty: no limit)
   * @param reprobeAfterConflict how long an address a foreign device holds stays unannounced
   * @param claimEvidence how long a claim heard from a node outside the view counts as proof it lives
   * @param untrustedWait without a trusted membership, how long a new address waits before its probe
   * @param answeredElsewhereRecheck without a trusted membership, when an address another node answers for is probed again
   * @param statusRetry when a failed ServiceL2Status write is tried again
   */
  public record Config(String node, List<String> interfaces, Duration reprobeAfterConflict, Duration claimEvidence,
      Duration untrustedWait, Duration answeredElsewhereRecheck, Duration statusRetry, Duration handoverTimeout,
      Duration failbackHoldDown, Duration verifyPeriod, int verifyPerSecond, int silentAfter) {
    public Config {
      Objects.requireNonNull(node, "node");
      interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
    }

    /** The speaker's timings, with {@code --interfaces} and {@code --reprobe-after-conflict}. */
    public static Config of(String node, List<String> interfaces, Duration reprobeAfterConflict) {
      return new Config(node, interfaces, reprobeAfterConflict, CLAIM_EVIDENCE, Duration.ofSeconds(3), Duration.ofSeconds(5),
          Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(5), 20, 2);
    }

    /** {@code --failback-hold-down}: a returning node takes addresses back only after this long (zero: at once). */
    public Config withFailbackHoldDown(Duration d) {
      return new Config(node, interfaces, reprobeAfterConflict, claimEvidence, untrustedWait, answeredElsewhereRecheck, statusRetry,
          handoverTimeout, d, verifyPeriod, verifyPerSecond, silentAfter);
    }

    /** {@code --verify-period} and {@code --verify-rate}: how often each address's owner is checked, at most how many checks a second. */
    public Config withVerification(Duration period, int perSecond) {
      return new Config(node, interfaces, reprobeAfterConflict, claimEvidence, untrustedWait, answeredElsewhereRecheck, statusRetry,
          handoverTimeout, failbackHoldDown, period, perSecond, silentAfter);
    }
  }

  /** What this node announces for a Service. */
  private record Announced(List<Vip> ips, List<String> interfaces, String pool) {}

  /** An {@link Action.Announce} asked for and not answered yet. */
  private record Pending(Decision decision, boolean failover) {}

  /** Per address: where its probe stands. */
  private sealed interface ProbeState {
    /** Running; {@code untrusted} and {@code clusterMacs} as they were when it started. */
    record Running(ServiceKey service, boolean untrusted, Map<MacAddress, String> clusterMacs) implements ProbeState {}

    record Free() implements ProbeState {}

    record Taken(Instant until) implements ProbeState {}
  }

  /** A takeover check of an address (see {@link Liveness}): running, or done and nobody held it. */
  private enum TakeoverCheck {
    RUNNING,
    NOBODY_HOLDS_IT
  }

  /** An address still answered for after losing the election to {@code successor}, until its claim is heard. */
  private record Handover(String successor, Instant deadline) {}

  /** Something {@link Deadlines} brings back. */
  private sealed interface Due {
    record Service(ServiceKey key) implements Due {}

    record Evidence() implements Due {}

    record Status(ServiceKey key) implements Due {}

    record Everything() implements Due {}

    record Handover(ServiceKey key) implements Due {}
  }

  private final Config config;
  private final AnnouncementPlanner planner;
  private final Liveness liveness;
  private final Deadlines<Due> deadlines = new Deadlines<>();

  // The facts, as the events told them.
  private final Map<ServiceKey, ServiceFacts> services = new HashMap<>();
  private final Map<ServiceKey, List<ConflictMark>> conflictMarks = new HashMap<>();
  private final Map<ServiceKey, String> statusAnnouncer = new HashMap<>();
  private Map<String, Map<String, String>> poolLabels = Map.of();
  private List<AdvertisementFacts> advertisements = List.of();
  private final Map<String, NodeInfo> nodes = new HashMap<>();
  private Map<String, NodeFacts> nodeFacts = Map.of();
  private Map<String, Boolean> carrier = Map.of();
  private Set<MacAddress> ownMacs = Set.of();
  /** When an interface of this node last got its carrier back (null: never since start). */
  private Instant carrierBackAt;
  private boolean synced;
  private boolean closed;

  // Indexes, so that an event finds the Services it affects without walking them all.
  private final Map<String, Set<ServiceKey>> byPool = new HashMap<>();
  private final Map<Vip, Set<ServiceKey>> byIp = new HashMap<>();
  private final Map<ServiceKey, String> winner = new HashMap<>();
  private final Map<String, Set<ServiceKey>> byWinner = new HashMap<>();

  // What this node does about them.
  private final Map<ServiceKey, Announced> announced = new LinkedHashMap<>();
  private final Map<ServiceKey, Pending> pending = new HashMap<>();
  private final Map<Vip, ProbeState> probes = new HashMap<>();
  private final Map<Vip, TakeoverCheck> takeoverChecks = new HashMap<>();
  /** Services first seen with a new address while membership was untrusted, and when. */
  private final Map<ServiceKey, Instant> newWhileUntrusted = new HashMap<>();
  /** Announced Services whose ServiceL2Status must be written (new, a failed write, or gone from the API). */
  private final Set<ServiceKey> statusToWrite = new LinkedHashSet<>();
  private final Set<ServiceKey> statusWriting = new HashSet<>();
  /** Services this node lost to a live node and still answers for, make-before-break. */
  private final Map<ServiceKey, Handover> handovers = new HashMap<>();
  private final Verification verification;
  /** When this node last noted a verification on a Service's status, and of which owner. */
  private final Map<ServiceKey, Map.Entry<String, Instant>> verifiedNoted = new HashMap<>();
  private Set<MacAddress> peerMacsSaid = Set.of();
  private boolean leaving;
  /** Addresses another cluster node claimed: defended after this step's decisions if this node keeps them. */
  private final Set<Vip> toDefend = new LinkedHashSet<>();
  private boolean peersChanged = true;

  // One step's work.
  private final Set<ServiceKey> dirty = new LinkedHashSet<>();
  private boolean allDirty;
  private final List<Action> out = new ArrayList<>();
  private Instant now;
  private Instant askedRecheck;

  public SpeakerCore(Config config) {
    this.config = config;
    this.planner = new AnnouncementPlanner(config.node());
    this.liveness = new Liveness(config.node(), config.claimEvidence());
    this.verification = new Verification(config.verifyPeriod(), config.verifyPerSecond(), config.silentAfter());
  }

  /** Takes one event into account and returns what to do about it, in order. */
  public List<Action> step(Event event, Instant at) {
    if (closed) {
      return List.of();
    }
    now = at;
    out.clear();
    switch (event) {
      case Event.ServiceUpdated e -> serviceUpdated(e.facts(), e.conflictMarks());
      case Event.ServiceRemoved e -> serviceRemoved(e.service());
      case Event.EndpointsUpdated e -> {
        ServiceFacts f = services.get(e.service());
        if (f != null && !f.endpoints().equals(e.endpoints())) {
          services.put(e.service(), f.withEndpoints(e.endpoints()));
          dirty.add(e.service());
        }
      }
      case Event.PoolsUpdated e -> poolsUpdated(e.poolLabels());
      case Event.AdvertisementsUpdated e -> advertisementsUpdated(e.advertisements());
      case Event.NodeUpdated e -> nodeUpdated(e.node());
      case Event.NodeRemoved e -> nodeRemoved(e.name());
      case Event.ViewChanged e -> viewChanged(e.members());
      case Event.MembershipHealth e -> {
        liveness.health(e.healthy());
        recomputeLiveness();
      }
      case Event.InterfacesChanged e -> interfacesChanged(e.interfaces());
      case Event.ClaimHeard e -> claimHeard(e);
      case Event.ProbeFinished e -> probeFinished(e);
      case Event.Announced e -> announcedOn(e.service(), e.interfaces());
      case Event.StatusPublished e -> {
        statusAnnouncer.put(e.service(), e.node());
        Handover h = handovers.get(e.service());
        if (h != null && e.node().equals(h.successor())) {
          handedOver(e.service(), e.node()); // it announced before it wrote this
        } else if (announced.containsKey(e.service()) && !e.node().equals(config.node()) && !liveness.live().contains(e.node())) {
          // A write of a node that is gone landed after this node's own (an API server that was
          // away works through what was queued when it returns): the object must name who answers.
          statusToWrite.add(e.service());
        }
        dirty.add(e.service());
      }
      case Event.StatusRemoved e -> {
        String before = statusAnnouncer.remove(e.service());
        Announced a = announced.get(e.service());
        if (a != null) {
          // A handover's late delete by the previous announcer, or a hand-deleted object: write it again.
          statusToWrite.add(e.service());
          if (before != null && !before.equals(config.node())) {
            // Another node held the address meanwhile (it found this one silent) and gave it back:
            // clients still send to it, so tell them where the address is now.
            toDefend.addAll(a.ips());
          }
        }
        dirty.add(e.service());
      }
      case Event.StatusWriteFinished e -> statusWriteFinished(e.service(), e.written());
      case Event.Synced e -> {
        synced = true;
        recomputeLiveness();
        allDirty = true;
      }
      case Event.Tick e -> tick();
      case Event.Leaving e -> leave();
      case Event.Shutdown e -> shutdown();
      case Event.VerifyFinished e -> verifyFinished(e);
      case Event.RequestHeard e -> verification.asked(e.ip(), now);
    }
    if (!closed) {
      decideDirty();
      defendKept();
      writeStatuses();
      sayPeerMacs();
      verifyDue();
      askForRecheck();
    }
    return List.copyOf(out);
  }

  /** Whether a plan from full caches has been carried out (for the readiness probe). */
  public boolean planned() {
    return synced;
  }

  /** Services this node announces now, with their addresses. */
  public Map<ServiceKey, List<Vip>> announcements() {
    Map<ServiceKey, List<Vip>> view = new LinkedHashMap<>();
    announced.forEach((k, a) -> view.put(k, a.ips()));
    return view;
  }

  /** The node the election names for {@code service}, or null when nobody announces it. */
  public String winner(ServiceKey service) {
    return winner.get(service);
  }

  /** How many Services this node still answers for while their new owners take them (make-before-break). */
  public int handoversPending() {
    return handovers.size();
  }

  // ---- facts ---------------------------------------------------------------------------------

  private void serviceUpdated(ServiceFacts facts, List<ConflictMark> marks) {
    ServiceKey key = facts.key();
    ServiceFacts before = services.put(key, facts);
    if (before != null) {
      unindex(key, before);
    }
    index(key, facts);
    if (marks.isEmpty()) {
      conflictMarks.remove(key);
    } else {
      conflictMarks.put(key, marks);
    }
    if (before != null && !before.ips().equals(facts.ips())) {
      forgetUnusedProbes(before.ips());
    }
    dirty.add(key);
  }

  private void serviceRemoved(ServiceKey key) {
    ServiceFacts before = services.remove(key);
    conflictMarks.remove(key);
    if (before != null) {
      unindex(key, before);
      forgetUnusedProbes(before.ips());
    }
    newWhileUntrusted.remove(key);
    dirty.add(key);
  }

  private void index(ServiceKey key, ServiceFacts f) {
    if (f.pool() != null) {
      byPool.computeIfAbsent(f.pool(), p -> new HashSet<>()).add(key);
    }
    for (Vip ip : f.ips()) {
      byIp.computeIfAbsent(ip, i -> new HashSet<>()).add(key);
    }
  }

  private void unindex(ServiceKey key, ServiceFacts f) {
    if (f.pool() != null) {
      removeFrom(byPool, f.pool(), key);
    }
    for (Vip ip : f.ips()) {
      removeFrom(byIp, ip, key);
    }
  }

  private static <K> void removeFrom(Map<K, Set<ServiceKey>> index, K k, ServiceKey key) {
    Set<ServiceKey> set = index.get(k);
    if (set != null) {
      set.remove(key);
      if (set.isEmpty()) {
        index.remove(k);
      }
    }
  }

  /** An address no Service holds any more is probed again before anyone uses it: someone else may have taken it since. */
  private void forgetUnusedProbes(List<Vip> ips) {
    for (Vip ip : ips) {
      if (!byIp.containsKey(ip) && !(probes.get(ip) instanceof ProbeState.Running)) {
        probes.remove(ip);
        takeoverChecks.remove(ip);
        if (verification.forget(ip)) {
          out.add(new Action.WatchRequests(ip, false));
        }
      }
    }
  }

  private void poolsUpdated(Map<String, Map<String, String>> next) {
    Set<String> changed = new HashSet<>(poolLabels.keySet());
    changed.addAll(next.keySet());
    changed.removeIf(p -> Objects.equals(poolLabels.get(p), next.get(p)));
    poolLabels = Map.copyOf(next);
    changed.forEach(this::poolDirty);
  }

  private void advertisementsUpdated(List<AdvertisementFacts> next) {
    Set<AdvertisementFacts> changed = new HashSet<>(advertisements);
    changed.addAll(next);
    Set<AdvertisementFacts> same = new HashSet<>(advertisements);
    same.retainAll(next);
    changed.removeAll(same);
    advertisements = List.copyOf(next);
    if (changed.isEmpty()) {
      return;
    }
    for (String pool : byPool.keySet()) {
      Map<String, String> labels = poolLabels.getOrDefault(pool, Map.of());
      if (changed.stream().anyMatch(ad -> ad.coversPool(pool, labels))) {
        poolDirty(pool);
      }
    }
  }

  private void poolDirty(String pool) {
    dirty.addAll(byPool.getOrDefault(pool, Set.of()));
  }

  private void nodeUpdated(NodeInfo node) {
    NodeInfo before = nodes.put(node.name(), node);
    if (before == null || !before.macs().equals(node.macs())) {
      peersChanged = true;
    }
    if (before != null && before.draining() != node.draining()) {
      allDirty = true;
      log(Level.INFO, node.draining() ? "nodeDraining" : "nodeUndrained", "node " + node.name()
          + (node.draining() ? " is draining: its addresses move to other nodes" : " is no longer draining"), Map.of("node", node.name()));
    }
    if (!config.failbackHoldDown().isZero() && node.joinedAt() != null && (before == null || !node.joinedAt().equals(before.joinedAt()))) {
      allDirty = true;
      Instant grown = node.joinedAt().plus(config.failbackHoldDown()).plusMillis(10);
      if (grown.isAfter(now)) {
        deadlines.add(grown, new Due.Everything());
      }
    }
    if (before == null || !before.facts().equals(node.facts())) {
      nodeFacts = null;
      // Labels decide node selectors, preferences and exclusion: any Service may change hands.
      allDirty = true;
      recomputeLiveness();
    } else if (before.ready() != node.ready()) {
      recomputeLiveness();
      if (liveness.degraded()) {
        allDirty = true; // a Ready node may hold addresses this node must leave alone
      }
    } else if (before.runsSpeaker() != node.runsSpeaker() && liveness.degraded()) {
      allDirty = true;
    }
  }

  private void nodeRemoved(String name) {
    if (nodes.remove(name) != null) {
      peersChanged = true;
      nodeFacts = null;
      allDirty = true;
      recomputeLiveness();
    }
  }

  private Map<String, NodeFacts> nodeFacts() {
    if (nodeFacts == null) {
      Map<String, NodeFacts> m = new HashMap<>();
      nodes.forEach((n, info) -> m.put(n, info.facts()));
      nodeFacts = Map.copyOf(m);
    }
    return nodeFacts;
  }

  // ---- liveness ------------------------------------------------------------------------------

  private void viewChanged(Set<String> members) {
    log(Level.INFO, "membershipView", "membership view changed", Map.of("members", new TreeSet<>(members).toString()));
    // A view without a node is newer news than a claim heard from it before, and a check started
    // against the old view asks the wrong question now.
    takeoverChecks.clear();
    if (liveness.viewChanged(members)) {
      log(Level.INFO, "membershipJoined", "in a membership view with other speakers",
          Map.of("members", new TreeSet<>(members).toString()));
      out.add(new Action.PublishJoined(now));
    }
    recomputeLiveness();
  }

  private void recomputeLiveness() {
    Set<String> ready = new HashSet<>();
    nodes.forEach((n, info) -> {
      if (info.ready()) {
        ready.add(n);
      }
    });
    Liveness.Change c = liveness.recompute(nodes.keySet(), ready, now);
    if (c.fallbackNow() != null) {
      out.add(new Action.SetFallback(c.fallbackNow()));
      if (c.fallbackNow()) {
        log(Level.WARN, "membershipFallback", "membership cannot form; using Node readiness from the API to decide who is alive", Map.of());
      } else {
        log(Level.INFO, "membershipRestored", "membership formed; liveness comes from membership", Map.of());
      }
    }
    if (c.notJoinedNow()) {
      log(Level.INFO, "membershipNotJoined", "not in a membership view with other speakers yet; using Node readiness and leaving"
          + " announced addresses to their announcers until then", Map.of());
    }
    for (String gone : c.removed()) {
      dirty.addAll(byWinner.getOrDefault(gone, Set.of()));
    }
    if (!c.added().isEmpty() || c.trustChanged()) {
      allDirty = true; // a node back may rank first for any Service; trust changes what a decision may do
    }
  }

  // ---- the data plane ------------------------------------------------------------------------

  private void interfacesChanged(List<LocalInterface> interfaces) {
    Map<String, Boolean> next = new LinkedHashMap<>();
    Set<MacAddress> macs = new HashSet<>();
    for (LocalInterface i : interfaces) {
      next.put(i.name(), i.operational());
      if (i.mac().bits() != 0) {
        macs.add(i.mac());
      }
    }
    if (!macs.equals(ownMacs)) {
      ownMacs = Set.copyOf(macs);
      peersChanged = true;
    }
    if (next.equals(carrier)) {
      return;
    }
    for (var e : next.entrySet()) {
      Boolean before = carrier.get(e.getKey());
      if (before != null && !before.equals(e.getValue())) {
        log(Level.WARN, e.getValue() ? "carrierUp" : "carrierDown", "interface " + e.getKey() + " is "
            + (e.getValue() ? "up again" : "down (no carrier)"), Map.of("interface", e.getKey()));
        if (e.getValue()) {
          carrierBackAt = now;
        }
      }
    }
    carrier = Map.copyOf(next);
    for (var e : List.copyOf(announced.entrySet())) {
      if (e.getValue().interfaces().stream().noneMatch(i -> carrier.getOrDefault(i, false))) {
        // Clients cannot reach this node on a dead link: stop claiming the address at once. Membership
        // runs over the same LAN, so the other speakers see this node go and take over.
        withdraw(e.getKey(), "interfaces " + e.getValue().interfaces() + " lost carrier", false);
      }
    }
    // Which interfaces can announce changed: what this node should announce is decided again.
    dirty.addAll(byWinner.getOrDefault(config.node(), Set.of()));
  }

  private void claimHeard(Event.ClaimHeard e) {
    ServiceKey key = announcedWith(e.ip());
    String other = clusterMacs().get(e.mac());
    if (other != null && !other.equals(config.node())) {
      if (verification.heardFrom(e.ip(), other)) {
        log(Level.INFO, "announcerAnswers", "node " + other + " answers for " + e.ip() + " again", Map.of("ip", e.ip().text(), "node", other));
        dirty.addAll(byIp.getOrDefault(e.ip(), Set.of()));
      }
      Handover h = key == null ? null : handovers.get(key);
      if (h != null && (h.successor().isEmpty() || h.successor().equals(other))) {
        handedOver(key, other); // the successor answers now: clients move to it as this node goes quiet
        return;
      }
      if (!liveness.degraded() && liveness.view().contains(other)) {
        // A member of the view: a handover in flight (both agree who keeps it once their views agree).
        if (key != null) {
          toDefend.add(e.ip());
        }
        return;
      }
      // Split brain: another speaker announces what this one does. Its claim proves it is alive on
      // the LAN even if the view lost it; the election runs again with it, and exactly one side keeps it.
      log(Level.WARN, "splitBrain", "node " + other + " also claims " + e.ip() + "; re-running the election with it",
          Map.of("ip", e.ip().text(), "node", other));
      evidenceFor(other);
      if (key != null) {
        toDefend.add(e.ip());
      }
      return;
    }
    if (other == null && key != null) {
      String message = "IP " + e.ip() + " is also claimed by a device outside the cluster (MAC " + e.mac() + " on "
          + e.interfaceName() + ", " + e.evidence() + "); node \"" + config.node() + "\" defended it";
      log(Level.WARN, "ipConflict", message, Map.of("service", key.toString(), "ip", e.ip().text(), "mac", e.mac().toString()));
      out.add(new Action.CountConflict(e.ip(), e.mac()));
      out.add(new Action.Emit(key, EventType.Warning, "IPConflict", message));
    }
  }

  private void evidenceFor(String node) {
    // Plan again when the evidence runs out: the address would stay unannounced if the claimant died.
    Instant until = liveness.claimHeard(node, now);
    deadlines.add(until.plusMillis(10), new Due.Evidence());
    recomputeLiveness();
  }

  private void probeFinished(Event.ProbeFinished e) {
    Vip ip = e.ip();
    switch (e.purpose()) {
      case FIRST_USE -> firstUseProbeFinished(ip, e.outcome());
      case TAKEOVER_CHECK -> takeoverCheckFinished(ip, e.outcome());
    }
    dirty.addAll(byIp.getOrDefault(ip, Set.of()));
  }

  private void firstUseProbeFinished(Vip ip, ProbeOutcome outcome) {
    if (!(probes.get(ip) instanceof ProbeState.Running running)) {
      return; // the address was given up meanwhile
    }
    switch (outcome) {
      case ProbeOutcome.Failed f -> {
        log(Level.WARN, "probeFailed", "probe of " + ip + " failed: " + f.reason() + "; announcing without it", Map.of("ip", ip.text()));
        probes.put(ip, new ProbeState.Free());
      }
      case ProbeOutcome.NotProbed n -> probes.put(ip, new ProbeState.Free());
      case ProbeOutcome.Free f -> {
        probes.put(ip, new ProbeState.Free());
        for (ServiceKey key : byIp.getOrDefault(ip, Set.of())) {
          if (conflictMarks.getOrDefault(key, List.of()).stream().anyMatch(m -> m.ip().equals(ip))) {
            log(Level.INFO, "ipConflictCleared", "address " + ip + " is free again", Map.of("ip", ip.text(), "service", key.toString()));
            out.add(new Action.ClearConflict(key, ip));
          }
        }
      }
      case ProbeOutcome.Taken t -> {
        String node = running.clusterMacs().get(t.mac());
        if (running.untrusted() && node != null && !node.equals(config.node())) {
          // Without a trusted membership, a cluster node answering is one that may know better.
          log(Level.INFO, "answeredElsewhere", "node " + node + " already answers for " + ip
              + "; leaving it there while this node's membership is untrusted", Map.of("ip", ip.text(), "node", node));
          taken(ip, config.answeredElsewhereRecheck());
        } else {
          taken(ip, config.reprobeAfterConflict());
          reportConflict(running.service(), ip, t);
        }
      }
    }
  }

  private void taken(Vip ip, Duration forHowLong) {
    Instant until = now.plus(forHowLong);
    probes.put(ip, new ProbeState.Taken(until));
    for (ServiceKey key : byIp.getOrDefault(ip, Set.of())) {
      deadlines.add(until.plusMillis(10), new Due.Service(key));
    }
  }

  private void reportConflict(ServiceKey key, Vip ip, ProbeOutcome.Taken t) {
    String message = "IP " + ip + " is in use by a device outside the cluster (MAC " + t.mac() + ", seen on " + t.interfaceName()
        + " by node \"" + config.node() + "\"); not announcing it";
    log(Level.WARN, "ipConflict", message, Map.of("service", key.toString(), "ip", ip.text(), "mac", t.mac().toString()));
    out.add(new Action.CountConflict(ip, t.mac()));
    out.add(new Action.Emit(key, EventType.Warning, "IPConflict", message));
    // The controller reads the mark, keeps the address out of its pool and moves an auto-assigned Service.
    out.add(new Action.MarkConflict(key, ip, t.mac()));
  }

  private void takeoverCheckFinished(Vip ip, ProbeOutcome outcome) {
    if (takeoverChecks.get(ip) != TakeoverCheck.RUNNING) {
      return; // a view change asked the question again
    }
    String holder = outcome instanceof ProbeOutcome.Taken t ? clusterMacs().get(t.mac()) : null;
    if (holder != null && !holder.equals(config.node())) {
      log(Level.INFO, "splitBrainHeld", "node " + holder + " still answers for " + ip + "; leaving it there",
          Map.of("ip", ip.text(), "node", holder));
      takeoverChecks.remove(ip);
      evidenceFor(holder);
    } else {
      takeoverChecks.put(ip, TakeoverCheck.NOBODY_HOLDS_IT);
    }
  }

  /** Cluster nodes' MACs, as their speakers published them, and this node's own. */
  private Map<MacAddress, String> clusterMacs() {
    Map<MacAddress, String> macs = new HashMap<>();
    nodes.forEach((n, info) -> info.macs().forEach(m -> macs.put(m, n)));
    ownMacs.forEach(m -> macs.put(m, config.node()));
    return macs;
  }

  // ---- deciding ------------------------------------------------------------------------------

  private void decideDirty() {
    if (!synced) {
      dirty.clear();
      allDirty = false;
      return; // until every cache is filled, a plan would withdraw what is only not listed yet
    }
    Set<ServiceKey> keys;
    if (allDirty) {
      keys = new LinkedHashSet<>(announced.keySet());
      keys.addAll(services.keySet());
      keys.addAll(dirty);
    } else {
      keys = new LinkedHashSet<>(dirty);
    }
    dirty.clear();
    allDirty = false;
    for (ServiceKey key : keys) {
      decide(key);
    }
  }

  private void decide(ServiceKey key) {
    if (leaving) {
      return; // nothing new while leaving: each handover ends with the successor's claim or its deadline
    }
    ServiceFacts facts = services.get(key);
    Decision d = facts == null ? null : elect(facts);
    String w = d != null && d.outcome() instanceof ElectionOutcome.Winner win ? win.node() : null;
    setWinner(key, w);
    watchForVerification(key, facts, d);
    Announced a = announced.get(key);
    if (a != null) {
      if (d == null) {
        withdraw(key, "service deleted or has no address", true);
      } else if (!d.mine()) {
        if (w != null && !liveness.degraded() && liveness.view().contains(w)) {
          handOver(key, w);
        } else {
          withdraw(key, reason(d.outcome()), true);
        }
      } else {
        handovers.remove(key); // won back before the handover ended
        if (!a.ips().equals(d.announcement().ips())) {
          withdraw(key, "service addresses changed", false);
        }
      }
    }
    if (d != null && d.mine()) {
      ensureAnnounced(d);
    } else {
      pending.remove(key);
    }
  }

  /**
   * The election among the live nodes, less those that must not take this Service now: draining
   * nodes (unless no other node could), a node back for less than the failback hold-down while
   * another node holds the address, and an owner this node found silent for it.
   */
  private Decision elect(ServiceFacts facts) {
    Set<String> live = liveness.live();
    Set<String> draining = new HashSet<>();
    Set<String> held = new HashSet<>();
    nodes.forEach((n, info) -> {
      if (info.draining() && live.contains(n)) {
        draining.add(n);
      }
    });
    String holder = statusAnnouncer.get(facts.key());
    if (!config.failbackHoldDown().isZero() && holder != null && live.contains(holder) && !young(holder)) {
      for (String n : live) {
        if (!n.equals(holder) && young(n)) {
          held.add(n);
        }
      }
    }
    String silent = verification.silentOwner(facts.ips().getFirst());
    if (silent != null) {
      held.add(silent);
    }
    if (draining.isEmpty() && held.isEmpty()) {
      return planner.decide(facts, poolLabels, advertisements, nodeFacts(), live);
    }
    Set<String> narrowed = new HashSet<>(live);
    narrowed.removeAll(held);
    Set<String> withoutDraining = new HashSet<>(narrowed);
    withoutDraining.removeAll(draining);
    Decision d = planner.decide(facts, poolLabels, advertisements, nodeFacts(), withoutDraining);
    if (!draining.isEmpty() && d.outcome() instanceof ElectionOutcome.Nobody n && n.reason() == ElectionOutcome.Reason.NO_ELIGIBLE_NODE) {
      // No other node can take it: the address stays on the draining node rather than go dark.
      d = planner.decide(facts, poolLabels, advertisements, nodeFacts(), narrowed);
    }
    return d;
  }

  /** A node whose speaker joined less than the failback hold-down ago. */
  private boolean young(String node) {
    NodeInfo info = nodes.get(node);
    return info != null && info.joinedAt() != null && now.isBefore(info.joinedAt().plus(config.failbackHoldDown()));
  }

  /**
   * Lost to a live node: keep answering until its claim is heard (or its ServiceL2Status names it),
   * so clients move to it with no gap; give up after {@code handoverTimeout} in any case.
   */
  private void handOver(ServiceKey key, String successor) {
    Handover h = handovers.get(key);
    if (h != null && h.successor().equals(successor)) {
      return;
    }
    Instant deadline = now.plus(config.handoverTimeout());
    handovers.put(key, new Handover(successor, deadline));
    deadlines.add(deadline, new Due.Handover(key));
    log(Level.INFO, "handingOver", "node \"" + successor + "\" was elected; answering until it does",
        Map.of("service", key.toString(), "node", successor));
  }

  private void handedOver(ServiceKey key, String to) {
    if (handovers.remove(key) != null) {
      withdraw(key, "handed over to node \"" + to + "\"", true);
    }
  }

  private void setWinner(ServiceKey key, String node) {
    String before = node == null ? winner.remove(key) : winner.put(key, node);
    if (Objects.equals(before, node)) {
      return;
    }
    if (before != null) {
      removeFrom(byWinner, before, key);
    }
    if (node != null) {
      byWinner.computeIfAbsent(node, n -> new HashSet<>()).add(key);
    }
  }

  private static String reason(ElectionOutcome outcome) {
    return switch (outcome) {
      case ElectionOutcome.Winner w -> "node \"" + w.node() + "\" was elected";
      case ElectionOutcome.Nobody n -> n.reason().text();
    };
  }

  private void ensureAnnounced(Decision d) {
    ServiceKey key = d.service().key();
    if (announced.containsKey(key) || pending.containsKey(key)) {
      return;
    }
    String previous = statusAnnouncer.get(key);
    boolean fromOther = previous != null && !previous.equals(config.node());
    if (liveness.degraded() && fromOther && ready(previous)) {
      return; // without a trusted membership, never take an address from a Ready node that announces it
    }
    if (fromOther && waitingToRejoin(previous, key)) {
      return;
    }
    List<String> interfaces = interfacesFor(d);
    if (fromOther && liveness.lapsed(previous)) {
      for (Vip ip : d.announcement().ips()) {
        TakeoverCheck check = takeoverChecks.get(ip);
        if (check == null) {
          takeoverChecks.put(ip, TakeoverCheck.RUNNING);
          // No MAC ignored: the answer wanted is the holder's own.
          out.add(new Action.Probe(ip, interfaces, Set.of(), ProbePurpose.TAKEOVER_CHECK));
          return;
        }
        if (check == TakeoverCheck.RUNNING) {
          return;
        }
      }
    }
    // An address another cluster node announced before is taken over at once; only a new one is probed.
    if (!fromOther) {
      if (liveness.degraded() && otherSpeakersListed() && waitingAsUntrusted(key)) {
        return;
      }
      for (Vip ip : d.announcement().ips()) {
        ProbeState p = probes.get(ip);
        if (p == null || (p instanceof ProbeState.Taken t && t.until().isBefore(now))) {
          startProbe(ip, interfaces, key);
          return;
        }
        if (!(p instanceof ProbeState.Free)) {
          return;
        }
      }
    }
    pending.put(key, new Pending(d, fromOther));
    out.add(new Action.Announce(key, d.announcement().ips(), interfaces));
  }

  private void startProbe(Vip ip, List<String> interfaces, ServiceKey key) {
    // With a trusted membership, a cluster node answering is one this node replaces (a handover in
    // flight); without one, it is a node that may know better, so its answer counts.
    boolean untrusted = liveness.degraded();
    Map<MacAddress, String> macs = clusterMacs();
    probes.put(ip, new ProbeState.Running(key, untrusted, Map.copyOf(macs)));
    out.add(new Action.Probe(ip, interfaces, untrusted ? Set.of() : macs.keySet(), ProbePurpose.FIRST_USE));
  }

  /**
   * Whether this node, its link just back, leaves {@code key} with {@code holder}, a Ready node it
   * is not yet in a view with. Alone in its view it would win every address and take them at once,
   * while the holder still announces them and this node's other links may still be coming up: the
   * client moved back in milliseconds, to a node that dropped its first requests (a failback after
   * a cut cost 1-6 failed requests in the lab). It takes the address when the views merge (the
   * holder hands it over, make-before-break) or after {@link Config#untrustedWait()} at the latest.
   */
  private boolean waitingToRejoin(String holder, ServiceKey key) {
    if (carrierBackAt == null || !ready(holder) || liveness.view().contains(holder)) {
      return false;
    }
    Instant until = carrierBackAt.plus(config.untrustedWait());
    if (!now.isBefore(until)) {
      return false;
    }
    deadlines.add(until.plusMillis(10), new Due.Service(key));
    return true;
  }

  /** Whether {@code key}'s new address still waits (see {@link Config#untrustedWait()}); decided again when the wait ends. */
  private boolean waitingAsUntrusted(ServiceKey key) {
    Instant since = newWhileUntrusted.get(key);
    if (since == null) {
      newWhileUntrusted.put(key, now);
      deadlines.add(now.plus(config.untrustedWait()).plusMillis(10), new Due.Service(key));
      return true;
    }
    return now.isBefore(since.plus(config.untrustedWait()));
  }

  /**
   * Whether another Ready node runs a speaker: only then can another node announce what this one
   * would. A single-node cluster is never in a view with another speaker, so without this it would
   * wait on every new Service for nobody.
   */
  private boolean otherSpeakersListed() {
    return nodes.values().stream().anyMatch(n -> !n.name().equals(config.node()) && n.runsSpeaker() && n.ready());
  }

  private boolean ready(String node) {
    NodeInfo n = nodes.get(node);
    return n != null && n.ready();
  }

  private List<String> interfacesFor(Decision d) {
    List<String> fromAds = d.announcement().interfaces();
    if (config.interfaces().isEmpty()) {
      return fromAds;
    }
    if (fromAds.isEmpty()) {
      return config.interfaces();
    }
    return fromAds.stream().filter(config.interfaces()::contains).toList();
  }

  private void announcedOn(ServiceKey key, List<String> used) {
    Pending p = pending.remove(key);
    if (p == null) {
      return;
    }
    Decision d = p.decision();
    if (used.isEmpty()) {
      out.add(new Action.Withdraw(key, d.announcement().ips()));
      List<String> limit = interfacesFor(d);
      String why = "no interface on node \"" + config.node() + "\" can announce " + d.announcement().ips()
          + ": none is up with a subnet that contains it" + (limit.isEmpty() ? "" : " among " + limit)
          + "; check the links or set interfaces in the L2Advertisement";
      out.add(new Action.Emit(key, EventType.Warning, "announceFailed", why));
      return; // decided again when an interface changes
    }
    announced.put(key, new Announced(d.announcement().ips(), List.copyOf(used), d.announcement().pool()));
    newWhileUntrusted.remove(key);
    d.announcement().ips().forEach(takeoverChecks::remove);
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("service", key.toString());
    fields.put("ips", d.announcement().ips().stream().map(Vip::text).toList());
    fields.put("pool", String.valueOf(d.announcement().pool()));
    fields.put("protocol", "layer2");
    fields.put("node", config.node());
    fields.put("interfaces", List.copyOf(used));
    fields.put("failover", p.failover());
    log(Level.INFO, "serviceAnnounced", "service has IP, announcing", fields);
    if (p.failover()) {
      out.add(new Action.CountFailover(key));
    }
    out.add(new Action.Emit(key, EventType.Normal, "nodeAssigned",
        "announcing from node \"" + config.node() + "\" with protocol \"layer2\""));
    statusToWrite.add(key);
  }

  private void withdraw(ServiceKey key, String reason, boolean deleteStatus) {
    Announced a = announced.remove(key);
    statusToWrite.remove(key);
    handovers.remove(key);
    if (a == null) {
      return;
    }
    out.add(new Action.Withdraw(key, a.ips()));
    log(Level.INFO, "serviceWithdrawn", "service withdrawn: " + reason, Map.of("service", key.toString(),
        "ips", a.ips().stream().map(Vip::text).toList(), "reason", reason, "node", config.node()));
    if (deleteStatus) {
      // If the API is away, the next announcer overwrites the object anyway.
      out.add(new Action.DeleteStatus(key));
    }
  }

  // ---- ServiceL2Status -----------------------------------------------------------------------

  private void writeStatuses() {
    for (var it = statusToWrite.iterator(); it.hasNext(); ) {
      ServiceKey key = it.next();
      Announced a = announced.get(key);
      if (a == null) {
        it.remove();
        continue;
      }
      if (statusWriting.contains(key)) {
        continue; // written again when this write ends, if it must
      }
      it.remove();
      statusWriting.add(key);
      out.add(new Action.WriteStatus(key, a.interfaces()));
    }
  }

  private void statusWriteFinished(ServiceKey key, boolean written) {
    statusWriting.remove(key);
    if (!written && announced.containsKey(key)) {
      deadlines.add(now.plus(config.statusRetry()), new Due.Status(key));
    } else if (written && announced.containsKey(key) && !statusAnnouncer.containsKey(key)) {
      statusAnnouncer.put(key, config.node()); // the informer confirms it soon; a late delete triggers a rewrite
    }
  }

  // ---- time ----------------------------------------------------------------------------------

  private void tick() {
    askedRecheck = null; // asked again below, even for the same time: a tick can come a little early
    for (Due due : deadlines.takeDue(now)) {
      switch (due) {
        case Due.Service s -> dirty.add(s.key());
        case Due.Evidence e -> recomputeLiveness();
        case Due.Status s -> {
          if (announced.containsKey(s.key())) {
            statusToWrite.add(s.key());
          }
        }
        case Due.Everything e -> allDirty = true;
        case Due.Handover h -> {
          Handover ho = handovers.get(h.key());
          if (ho != null && !now.isBefore(ho.deadline())) {
            handovers.remove(h.key());
            withdraw(h.key(), ho.successor().isEmpty() ? "leaving; no other node claimed it in time"
                : "node \"" + ho.successor() + "\" was elected; its claim was not heard in time", true);
          }
        }
      }
    }
  }

  private void askForRecheck() {
    Instant next = deadlines.next();
    Instant verify = leaving ? null : verification.nextDue();
    if (verify != null && (next == null || verify.isBefore(next))) {
      next = verify;
    }
    if (next != null && !next.equals(askedRecheck)) {
      askedRecheck = next;
      out.add(new Action.RecheckAt(next));
    }
  }

  private void leave() {
    leaving = true;
    Instant deadline = now.plus(config.handoverTimeout());
    for (ServiceKey key : announced.keySet()) {
      handovers.put(key, new Handover("", deadline)); // whoever the others elect: any peer's claim ends it
      deadlines.add(deadline, new Due.Handover(key));
    }
    log(Level.INFO, "leaving", "leaving: answering for " + announced.size() + " services until other nodes claim them",
        Map.of("node", config.node()));
  }

  private void shutdown() {
    // From here on nothing is announced: a reconcile after the withdrawal re-announced on SIGTERM
    // once, and the successor, hearing the claim, stepped back for a node that was leaving.
    for (ServiceKey key : List.copyOf(announced.keySet())) {
      withdraw(key, "speaker shutting down", true);
    }
    closed = true;
  }

  // ---- verified announcements ---------------------------------------------------------------

  /**
   * This node checks the addresses of Services it would take over next (second in the election
   * order), and keeps checking an owner it found silent while it holds the address in its stead.
   */
  private void watchForVerification(ServiceKey key, ServiceFacts facts, Decision d) {
    if (!verification.enabled() || facts == null) {
      return;
    }
    String owner = null;
    String silent = verification.silentOwner(facts.ips().getFirst());
    if (silent != null && liveness.view().contains(silent)) {
      owner = silent;
    } else if (d != null && d.outcome() instanceof ElectionOutcome.Winner w && !w.node().equals(config.node())
        && liveness.view().contains(w.node()) && w.candidatesInOrder().size() > 1
        && w.candidatesInOrder().get(1).equals(config.node())) {
      owner = w.node();
    }
    for (Vip ip : facts.ips()) {
      if (owner != null ? verification.watch(ip, key, owner, now) : verification.unwatch(ip)) {
        out.add(new Action.WatchRequests(ip, owner != null));
      }
    }
  }

  private void verifyDue() {
    if (!verification.enabled() || leaving || !synced) {
      return;
    }
    for (Vip ip = verification.next(now); ip != null; ip = verification.next(now)) {
      out.add(new Action.Verify(ip, verification.owner(ip), config.interfaces()));
    }
  }

  private void verifyFinished(Event.VerifyFinished e) {
    Vip ip = e.ip();
    String owner = e.owner();
    if (!owner.equals(verification.owner(ip))) {
      verification.answered(ip, now); // asked about an owner that is no longer the one
      return;
    }
    Set<ServiceKey> keys = byIp.getOrDefault(ip, Set.of());
    if (e.outcome() instanceof ProbeOutcome.Taken t) {
      verification.answered(ip, now);
      String node = clusterMacs().get(t.mac());
      if (owner.equals(node)) {
        if (verification.heardFrom(ip, owner)) {
          log(Level.INFO, "announcerAnswers", "node " + owner + " answers for " + ip + " again", Map.of("ip", ip.text(), "node", owner));
          dirty.addAll(keys);
        }
        keys.forEach(k -> noteVerified(k, owner));
      } else if (node == null) {
        // A device outside the cluster answered first: its claims reach the announcer too, which
        // defends the address and reports the conflict. Marking it from here would take the address
        // from its Service while the announcer still holds it (the client lost it ~1 s after the
        // defence). Nothing is learnt about the owner from this check.
        return;
      } else if (!node.equals(config.node()) && !liveness.view().contains(node)) {
        log(Level.WARN, "splitBrain", "node " + node + " answers for " + ip + ", which node " + owner + " announces",
            Map.of("ip", ip.text(), "node", node));
        evidenceFor(node);
      }
      return;
    }
    if (verification.unanswered(ip, now) && verification.silentOwner(ip) == null) {
      verification.markSilent(ip, owner);
      String message = "node \"" + owner + "\" announces " + ip + " but did not answer " + config.silentAfter()
          + " checks in a row from node \"" + config.node() + "\"; announcing it from here instead";
      log(Level.WARN, "announcerSilent", message, Map.of("ip", ip.text(), "node", owner));
      out.add(new Action.CountSilent(ip, owner));
      keys.forEach(k -> out.add(new Action.Emit(k, EventType.Warning, "announcerSilent", message)));
      dirty.addAll(keys);
    }
  }

  /** Notes a verification on the Service's status when the owner changed, and then every ten minutes at most. */
  private void noteVerified(ServiceKey key, String owner) {
    Map.Entry<String, Instant> last = verifiedNoted.get(key);
    if (last == null || !last.getKey().equals(owner) || !now.isBefore(last.getValue().plus(Duration.ofMinutes(10)))) {
      verifiedNoted.put(key, Map.entry(owner, now));
      out.add(new Action.RecordVerified(key, owner, now));
    }
  }

  private void defendKept() {
    for (Vip ip : toDefend) {
      if (announcedWith(ip) != null && handovers.keySet().stream().noneMatch(k -> byIp.getOrDefault(ip, Set.of()).contains(k))) {
        out.add(new Action.Defend(ip));
      }
    }
    toDefend.clear();
  }

  private void sayPeerMacs() {
    if (!peersChanged) {
      return;
    }
    peersChanged = false;
    Set<MacAddress> peers = new HashSet<>();
    clusterMacs().forEach((mac, n) -> {
      if (!n.equals(config.node())) {
        peers.add(mac);
      }
    });
    peers.removeAll(ownMacs);
    if (!peers.equals(peerMacsSaid)) {
      peerMacsSaid = Set.copyOf(peers);
      out.add(new Action.PeerMacs(peerMacsSaid));
    }
  }

  private void log(Level level, String event, String message, Map<String, Object> fields) {
    out.add(new Action.Log(level, event, message, fields));
  }

  private ServiceKey announcedWith(Vip ip) {
    for (ServiceKey key : byIp.getOrDefault(ip, Set.of())) {
      if (announced.containsKey(key)) {
        return key;
      }
    }
    return null;
  }
}
