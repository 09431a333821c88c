package io.ironlb.speaker;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.AnnouncementPlanner;
import io.ironlb.election.AnnouncementPlanner.Decision;
import io.ironlb.election.ElectionOutcome;
import io.ironlb.election.NodeFacts;
import io.ironlb.election.ServiceFacts;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.EventRecorder.Type;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.ServiceL2Status;
import io.ironlb.k8s.ServiceL2StatusWriter;
import io.ironlb.k8s.ServiceTranslation;
import io.ironlb.k8s.SpeakerFacts;
import io.ironlb.k8s.Writes;
import io.ironlb.l2.Claim;
import io.ironlb.l2.Layer2;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.ProbeResult;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.membership.Membership;
import io.ironlb.model.IpText;
import io.ironlb.model.ServiceKey;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's speaker: decides alone, from the same facts as every other speaker, which services
 * this node announces, and drives the Layer 2 data plane accordingly.
 *
 * <p>Informer callbacks, membership views and Layer 2 claims only mark the state dirty; one worker
 * thread re-plans and applies the difference, so announcing never races with withdrawing.
 */
public final class Speaker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Speaker.class);
  /** How long a claim from a node outside our membership view counts as proof that it is alive. */
  static final Duration CLAIM_EVIDENCE = Duration.ofSeconds(5);
  private static final Duration CARRIER_POLL = Duration.ofMillis(100);
  /**
   * Without a trusted membership, how long a new address waits before this node probes it. A
   * speaker that cannot join (a wrong key, a blocked port) elects among Ready nodes and may name
   * itself where the group names another node; probing at the same moment as that node, neither
   * hears the other and both announce (seen in the wrong-key end-to-end test, and the group's node
   * then stepped back before the outsider's claims). By the time this has passed, the group's node
   * answers for the address and the probe hears it.
   */
  static final Duration UNTRUSTED_NEW_ADDRESS_WAIT = Duration.ofSeconds(3);
  /** How often an address another node answers for is probed again while membership is untrusted. */
  private static final Duration ANSWERED_ELSEWHERE_RECHECK = Duration.ofSeconds(5);

  /** @param ignoreExcludeLb {@code --ignore-exclude-lb}: nodes with the exclude label stay candidates ({@code SpeakerFacts.node}) */
  public record Config(String nodeName, String namespace, String loadBalancerClass, List<String> interfaces,
      Duration reprobeAfterConflict, boolean ignoreExcludeLb) {
    public Config {
      Objects.requireNonNull(nodeName, "nodeName");
      interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
    }

    public Config(String nodeName, String namespace, String loadBalancerClass, List<String> interfaces, Duration reprobeAfterConflict) {
      this(nodeName, namespace, loadBalancerClass, interfaces, reprobeAfterConflict, false);
    }
  }

  /** What this node currently announces for a service. */
  private record Announced(List<String> ips, List<String> interfaces, String pool) {}

  private sealed interface Probe {
    record Running() implements Probe {}

    record Free() implements Probe {}

    record Taken(MacAddress mac, String interfaceName, Instant until) implements Probe {}
  }

  private final KubernetesClient client;
  private final Config config;
  private final Layer2 layer2;
  private final Membership membership;
  private final EventRecorder events;
  private final SpeakerMetrics metrics;
  private final Clock clock;
  private final AnnouncementPlanner planner;
  private final ServiceL2StatusWriter statusWriter;
  private final ScheduledExecutorService worker =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("speaker").daemon().factory());
  /**
   * API writes (events, ServiceL2Status, conflict annotations), in order, off the worker: while the
   * API server is away a write blocks for its timeout, and on the worker it held up the next
   * service's takeover by that long.
   */
  private final java.util.concurrent.ExecutorService apiWriter =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().name("speaker-api").daemon().factory());
  private final AtomicBoolean dirty = new AtomicBoolean();
  private volatile boolean started;
  /** Set once a plan made from full caches has been applied to the data plane. */
  private volatile boolean planned;
  /** Set by {@link #close()}: from then on nothing is planned or announced any more. */
  private volatile boolean closing;

  // Owned by the worker thread.
  private final Map<ServiceKey, Announced> announced = new LinkedHashMap<>();
  private final Map<String, Probe> probes = new HashMap<>();
  /** Services first planned here, with a new address, while membership was untrusted; and when. */
  private final Map<ServiceKey, Instant> newWhileUntrusted = new HashMap<>();
  private final Map<String, Instant> claimEvidence = new HashMap<>();
  /**
   * Nodes outside our view whose claim evidence ran out. In a partition the winner's claims reach us
   * only with its 30 s refresh, so its evidence lapses while it still holds the address; taking the
   * address over then pulls clients away until the winner defends, every few seconds. A takeover
   * from such a node asks first: an ARP/NDP probe (~400 ms) tells a live holder from a dead one.
   */
  private final Set<String> lapsedEvidence = new HashSet<>();
  /** Addresses probed before a takeover from a node in {@link #lapsedEvidence}: false while probing, true once nobody answered. */
  private final Map<String, Boolean> takeoverChecks = new HashMap<>();
  private final Map<String, Boolean> carrier = new HashMap<>();
  /** By name: each L2Advertisement's last readable version, and why the current one is not, if so. */
  private final Map<String, AdvertisementFacts> lastValidAds = new HashMap<>();
  private final Map<String, String> adProblems = new HashMap<>();
  /** Announced services whose ServiceL2Status still has to be written (a write failed, or another node deleted it). */
  private final Set<ServiceKey> statusToWrite = new HashSet<>();
  /** Status writes handed to the API writer and not finished yet. */
  private final Set<ServiceKey> statusWriting = new HashSet<>();
  private Boolean fallback;
  /** Whether this speaker has been in a membership view with another node since it started. */
  private boolean joined;
  /** Membership unhealthy, or never joined: liveness from Node readiness, incumbents keep their addresses. */
  private boolean degraded;
  private Instant changedAt;

  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<EndpointSlice> slices;
  private SharedIndexInformer<Node> nodes;
  private SharedIndexInformer<IPAddressPool> pools;
  private SharedIndexInformer<L2Advertisement> advertisements;
  private SharedIndexInformer<ServiceL2Status> statuses;

  public Speaker(KubernetesClient client, Config config, Layer2 layer2, Membership membership, EventRecorder events,
      SpeakerMetrics metrics, Clock clock) {
    this.client = client;
    this.config = config;
    this.layer2 = layer2;
    this.membership = membership;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
    this.planner = new AnnouncementPlanner(config.nodeName());
    this.statusWriter = new ServiceL2StatusWriter(client, config.namespace(), config.nodeName());
  }

  public void start() {
    ResourceEventHandler<Object> any = new ResourceEventHandler<>() {
      @Override
      public void onAdd(Object obj) {
        trigger();
      }

      @Override
      public void onUpdate(Object oldObj, Object newObj) {
        trigger();
      }

      @Override
      public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
        trigger();
      }
    };
    services = client.services().inAnyNamespace().inform(cast(any));
    slices = client.discovery().v1().endpointSlices().inAnyNamespace().inform(cast(any));
    nodes = client.nodes().inform(cast(any));
    pools = client.resources(IPAddressPool.class).inNamespace(config.namespace()).inform(cast(any));
    advertisements = client.resources(L2Advertisement.class).inNamespace(config.namespace()).inform(cast(any));
    statuses = client.resources(ServiceL2Status.class).inNamespace(config.namespace()).inform(cast(any));
    membership.addListener(view -> {
      log.info("membership view changed", kv("event", "membershipView"), kv("members", new java.util.TreeSet<>(view).toString()));
      // A view without a node is newer news than a claim heard from it before: without this, a node
      // that claimed an address and then died (or left on SIGTERM) would count as alive until its
      // evidence ran out, and nobody would take its addresses over meanwhile.
      execute(() -> {
        claimEvidence.keySet().retainAll(view);
        lapsedEvidence.removeAll(view);
        takeoverChecks.clear();
        if (view.size() > 1 && !joined) {
          joined = true;
          log.info("in a membership view with other speakers", kv("event", "membershipJoined"), kv("members", new java.util.TreeSet<>(view).toString()));
        }
        trigger();
      });
    });
    worker.scheduleWithFixedDelay(this::watchCarrier, CARRIER_POLL.toMillis(), CARRIER_POLL.toMillis(), TimeUnit.MILLISECONDS);
    started = true;
    trigger();
  }

  @SuppressWarnings("unchecked")
  private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> h) {
    return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
  }

  /** Layer 2 reports another MAC claiming an address; called from the data plane's thread. */
  public void onClaim(Claim claim) {
    execute(() -> handleClaim(claim));
  }

  /** Marks the state dirty; one reconcile covers any number of changes that arrive meanwhile. */
  public void trigger() {
    if (closing) {
      return;
    }
    if (dirty.compareAndSet(false, true)) {
      if (changedAt == null) {
        changedAt = clock.instant();
      }
      execute(this::reconcile);
    }
  }

  /** Runs {@code task} on the worker, unless the speaker is closing (informers and the data plane still call in then). */
  private void execute(Runnable task) {
    if (closing) {
      return;
    }
    try {
      worker.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile: nothing to do any more
    }
  }

  /**
   * Why this speaker has not taken its place yet, or empty once it has: caches synced and a first
   * plan applied (addresses it should hold are announced or being probed). For the readiness probe,
   * so a rolling update stops the next speaker only after this one can take over its addresses.
   * Membership health is not part of it: a speaker in the Node-readiness fallback still serves, and
   * a powered-off peer still listed in the API would otherwise make every restarted speaker unready;
   * the fallback has its own metric, log event and {@code ironlb check} finding.
   */
  public Optional<String> notReadyBecause() {
    if (closing) {
      return Optional.of("stopping");
    }
    if (!started) {
      return Optional.of("caches not synced yet");
    }
    return planned ? Optional.empty() : Optional.of("first plan not applied yet");
  }

  /** Services this node announces now, with their addresses (for tests and {@code status}). */
  public Map<ServiceKey, List<String>> announcements() {
    try {
      return worker.submit(() -> {
        Map<ServiceKey, List<String>> out = new LinkedHashMap<>();
        announced.forEach((k, a) -> out.put(k, a.ips()));
        return out;
      }).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("speaker worker did not answer", e);
    }
  }

  @Override
  public void close() {
    // Reconciles already queued (the status deletions below queue more) must not announce again
    // after the withdrawal: that re-announced on SIGTERM, and the successor, hearing the claim,
    // stepped back for a node that was leaving.
    closing = true;
    try {
      worker.submit(() -> {
        for (ServiceKey key : List.copyOf(announced.keySet())) {
          withdraw(key, "speaker shutting down", true);
        }
      }).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("could not withdraw cleanly on shutdown: {}", e.toString());
    }
    for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {services, slices, nodes, pools, advertisements, statuses}) {
      if (i != null) {
        i.close();
      }
    }
    worker.shutdownNow();
    // The status deletions of the withdrawal, if the API answers in time.
    apiWriter.shutdown();
    try {
      if (!apiWriter.awaitTermination(3, TimeUnit.SECONDS)) {
        apiWriter.shutdownNow();
      }
    } catch (InterruptedException e) {
      apiWriter.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  // ---- planning ------------------------------------------------------------------------------

  private void reconcile() {
    dirty.set(false);
    if (!started || closing) {
      return; // start() triggers once every cache is filled; close() has withdrawn everything
    }
    Instant began = changedAt;
    changedAt = null;
    try {
      Map<ServiceKey, Decision> plan = plan();
      newWhileUntrusted.keySet().retainAll(plan.keySet());
      for (ServiceKey key : List.copyOf(announced.keySet())) {
        Decision d = plan.get(key);
        if (d == null) {
          withdraw(key, "service deleted or has no address", true);
        } else if (!d.mine()) {
          withdraw(key, reason(d.outcome()), true);
        } else if (!announced.get(key).ips().equals(d.announcement().ips())) {
          withdraw(key, "service addresses changed", false);
        }
      }
      for (Decision d : plan.values()) {
        if (d.mine()) {
          ensureAnnounced(d);
        }
      }
      planned = true;
      writeStatuses();
      if (began != null) {
        metrics.electionTook(Duration.between(began, clock.instant()).toNanos() / 1e9);
      }
    } catch (KubernetesClientException e) {
      log.warn("API write failed; retrying: {}", e.getMessage(), kv("event", "retry"));
      worker.schedule(this::trigger, 1, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      log.error("reconcile failed; retrying", e);
      worker.schedule(this::trigger, 1, TimeUnit.SECONDS);
    }
  }

  private Map<ServiceKey, Decision> plan() {
    Map<String, NodeFacts> nodeFacts = new HashMap<>();
    for (Node n : nodes.getStore().list()) {
      nodeFacts.put(n.getMetadata().getName(), SpeakerFacts.node(n));
    }
    Map<String, Map<String, String>> poolLabels = new HashMap<>();
    for (IPAddressPool p : pools.getStore().list()) {
      poolLabels.put(p.getMetadata().getName(), p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels());
    }
    List<AdvertisementFacts> ads = advertisementFacts();
    List<ServiceFacts> facts = new ArrayList<>();
    for (Service s : services.getStore().list()) {
      if (!ServiceTranslation.isLoadBalancer(s) || !ServiceTranslation.hasClass(s, config.loadBalancerClass())) {
        continue;
      }
      List<EndpointSlice> own = slices.getIndexer().byIndex("namespace", s.getMetadata().getNamespace()).stream()
          .filter(e -> e.getMetadata().getLabels() != null
              && s.getMetadata().getName().equals(e.getMetadata().getLabels().get(SpeakerFacts.SERVICE_NAME_LABEL)))
          .toList();
      ServiceFacts f = SpeakerFacts.service(s, own);
      if (f != null) {
        facts.add(f);
      }
    }
    return planner.plan(facts, poolLabels, ads, nodeFacts, liveNodes(nodeFacts.keySet()));
  }

  /**
   * The advertisements to plan with. A malformed one (a selector the API server's schema would
   * have refused) is left out, or kept in its last valid version, and reported once on the
   * object: before, its exception failed every reconcile, so no other change was announced.
   */
  private List<AdvertisementFacts> advertisementFacts() {
    List<AdvertisementFacts> out = new ArrayList<>();
    Set<String> present = new HashSet<>();
    for (L2Advertisement ad : advertisements.getStore().list()) {
      String name = ad.getMetadata().getName();
      present.add(name);
      try {
        lastValidAds.put(name, SpeakerFacts.advertisement(ad));
        adProblems.remove(name);
      } catch (RuntimeException e) {
        String problem = "L2Advertisement " + name + ": " + (e instanceof IllegalArgumentException ? e.getMessage()
            : "cannot be read (" + e + ")") + (lastValidAds.containsKey(name) ? " (the last valid configuration stays in force)"
            : "; it is left out until corrected");
        if (!problem.equals(adProblems.put(name, problem))) {
          log.warn("advertisement left out: {}", problem, kv("event", "advertisementRejected"), kv("advertisement", name));
          api("event InvalidConfiguration", () -> events.record(ad, Type.Warning, "InvalidConfiguration", problem));
        }
      }
      AdvertisementFacts facts = lastValidAds.get(name);
      if (facts != null) {
        out.add(facts);
      }
    }
    lastValidAds.keySet().retainAll(present);
    adProblems.keySet().retainAll(present);
    return out;
  }

  private Set<String> liveNodes(Set<String> known) {
    boolean useFallback = !membership.healthy();
    if (!Objects.equals(fallback, useFallback)) {
      fallback = useFallback;
      metrics.membershipFallback(useFallback);
      if (useFallback) {
        log.warn("membership cannot form; using Node readiness from the API to decide who is alive",
            kv("event", "membershipFallback"));
      } else {
        log.info("membership formed; liveness comes from membership", kv("event", "membershipRestored"));
      }
    }
    // Alone in a view without ever having been in one with another speaker is "not joined (yet)",
    // not "the others are dead": a speaker that cannot join (a wrong membership key, blocked ports,
    // a join that failed) would otherwise announce every address for the grace period, and its
    // claims would push the announcing nodes back. Like the fallback, it judges liveness by Node
    // readiness and leaves addresses another Ready node announces to it (see ensureAnnounced).
    boolean notJoined = !joined && membership.liveNodes().size() <= 1;
    if (notJoined && !useFallback && !degraded) {
      log.info("not in a membership view with other speakers yet; using Node readiness and leaving announced addresses"
          + " to their announcers until then", kv("event", "membershipNotJoined"));
    }
    degraded = useFallback || notJoined;
    Set<String> live = new HashSet<>();
    if (degraded) {
      for (Node n : nodes.getStore().list()) {
        if (SpeakerFacts.ready(n)) {
          live.add(n.getMetadata().getName());
        }
      }
      live.add(config.nodeName());
    } else {
      live.addAll(membership.liveNodes());
    }
    Instant now = clock.instant();
    for (var it = claimEvidence.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (e.getValue().isBefore(now)) {
        // Only a node still out of view: a lapse must not slow down a later takeover from a member.
        if (!membership.liveNodes().contains(e.getKey())) {
          lapsedEvidence.add(e.getKey());
        }
        it.remove();
      }
    }
    live.addAll(claimEvidence.keySet());
    live.retainAll(known);
    return live;
  }

  private boolean ready(String node) {
    Node n = nodes.getStore().getByKey(node);
    return n != null && SpeakerFacts.ready(n);
  }

  private static String reason(ElectionOutcome outcome) {
    return switch (outcome) {
      case ElectionOutcome.Winner w -> "node \"" + w.node() + "\" was elected";
      case ElectionOutcome.Nobody n -> n.reason().text();
    };
  }

  // ---- announcing ----------------------------------------------------------------------------

  private void ensureAnnounced(Decision d) {
    ServiceKey key = d.service().key();
    if (announced.containsKey(key)) {
      return;
    }
    Service service = services.getStore().getByKey(key.namespace() + "/" + key.name());
    if (service == null) {
      return;
    }
    String previousNode = statusWriter.announcer(statuses.getStore().list(), key);
    if (degraded && previousNode != null && !previousNode.equals(config.nodeName()) && ready(previousNode)) {
      return; // without a trusted membership, never take an address from a Ready node that announces it
    }
    boolean failover = previousNode != null && !previousNode.equals(config.nodeName());
    if (failover && lapsedEvidence.contains(previousNode)) {
      for (String ip : d.announcement().ips()) {
        Boolean free = takeoverChecks.get(ip);
        if (free == null) {
          startTakeoverCheck(ip, interfacesFor(d));
        }
        if (!Boolean.TRUE.equals(takeoverChecks.get(ip))) {
          return;
        }
      }
    }
    // An address some cluster node announced before is ours to take over; only a new one is probed.
    if (!failover) {
      if (degraded && otherSpeakersListed() && waitingAsUntrusted(key)) {
        return;
      }
      for (String ip : d.announcement().ips()) {
        Probe p = probes.get(ip);
        if (p == null || (p instanceof Probe.Taken t && t.until().isBefore(clock.instant()))) {
          startProbe(ip, interfacesFor(d), service);
          return;
        }
        if (p instanceof Probe.Running) {
          return;
        }
        if (p instanceof Probe.Taken) {
          return;
        }
      }
    }
    List<String> interfaces = interfacesFor(d);
    Set<String> usedInterfaces = new java.util.TreeSet<>();
    for (String ip : d.announcement().ips()) {
      InetAddress vip = IpText.parse(ip).orElseThrow();
      layer2.announce(vip, interfaces);
      usedInterfaces.addAll(layer2.announcedOn(vip));
      metrics.announced(ip, config.nodeName(), key.toString(), true);
    }
    if (usedInterfaces.isEmpty()) {
      for (String ip : d.announcement().ips()) {
        layer2.withdraw(IpText.parse(ip).orElseThrow());
        metrics.announced(ip, config.nodeName(), key.toString(), false);
      }
      // Re-planned when an interface changes (see watchCarrier).
      String why = "no interface on node \"" + config.nodeName()
          + "\" can announce " + d.announcement().ips() + ": none is up with a subnet that contains it"
          + (interfaces.isEmpty() ? "" : " among " + interfaces) + "; check the links or set interfaces in the L2Advertisement";
      api("event announceFailed", () -> events.record(service, Type.Warning, "announceFailed", why));
      return;
    }
    announced.put(key, new Announced(d.announcement().ips(), List.copyOf(usedInterfaces), d.announcement().pool()));
    newWhileUntrusted.remove(key);
    d.announcement().ips().forEach(takeoverChecks::remove);
    log.info("service has IP, announcing", kv("event", "serviceAnnounced"), kv("service", key.toString()),
        kv("ips", d.announcement().ips()), kv("pool", d.announcement().pool()), kv("protocol", "layer2"),
        kv("node", config.nodeName()), kv("interfaces", List.copyOf(usedInterfaces)), kv("failover", failover));
    if (failover) {
      metrics.failover(key.toString());
    }
    api("event nodeAssigned", () -> events.record(service, Type.Normal, "nodeAssigned",
        "announcing from node \"" + config.nodeName() + "\" with protocol \"layer2\""));
    statusToWrite.add(key);
  }

  /**
   * Writes the ServiceL2Status of every announced service that needs it: just announced, a write
   * that failed (the API away), or an object that is gone from the cache. The last happens in a
   * handover: the previous announcer's delete ({@code deleteIfMine} reads, then deletes) can land
   * after this node's write; the deletion reaches the informer, which re-plans, and the object is
   * written again. A write that fails is pending again, and retried a second later.
   */
  private void writeStatuses() {
    List<ServiceL2Status> cached = statuses.getStore().list();
    for (var e : announced.entrySet()) {
      ServiceKey key = e.getKey();
      if (statusWriting.contains(key) || !(statusToWrite.contains(key) || statusWriter.announcer(cached, key) == null)) {
        continue;
      }
      statusToWrite.remove(key);
      statusWriting.add(key);
      List<String> interfaces = e.getValue().interfaces();
      apiWriter.execute(() -> {
        boolean written = false;
        try {
          statusWriter.write(key, interfaces);
          written = true;
        } catch (RuntimeException ex) {
          log.warn("could not write ServiceL2Status of {} yet: {}", key, ex.getMessage(), kv("event", "statusDeferred"));
        }
        boolean ok = written;
        execute(() -> {
          statusWriting.remove(key);
          if (!ok && announced.containsKey(key)) {
            statusToWrite.add(key);
            worker.schedule(this::trigger, 1, TimeUnit.SECONDS);
          }
        });
      });
    }
  }

  /** Runs an API write on the API writer; a failure is logged, never thrown (the caller's state is already right). */
  private void api(String what, Runnable write) {
    try {
      apiWriter.execute(() -> {
        try {
          write.run();
        } catch (RuntimeException e) {
          log.warn("API write failed ({}): {}", what, e.getMessage());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shut down: nothing is written any more
    }
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

  private void withdraw(ServiceKey key, String reason, boolean deleteStatus) {
    Announced a = announced.remove(key);
    statusToWrite.remove(key);
    if (a == null) {
      return;
    }
    for (String ip : a.ips()) {
      layer2.withdraw(IpText.parse(ip).orElseThrow());
      metrics.announced(ip, config.nodeName(), key.toString(), false);
    }
    log.info("service withdrawn: {}", reason, kv("event", "serviceWithdrawn"), kv("service", key.toString()),
        kv("ips", a.ips()), kv("reason", reason), kv("node", config.nodeName()));
    if (deleteStatus) {
      // If the API is away, the next announcer overwrites the object anyway.
      api("delete ServiceL2Status of " + key, () -> statusWriter.deleteIfMine(key));
    }
  }

  // ---- conflicts -----------------------------------------------------------------------------

  /**
   * Whether another Ready node runs a speaker (it published its membership address): only then can
   * another node announce what this one would. A single-node cluster is never in a view with
   * another speaker, so without this it would wait on every new Service for nobody.
   */
  private boolean otherSpeakersListed() {
    for (Node n : nodes.getStore().list()) {
      if (!n.getMetadata().getName().equals(config.nodeName()) && NodeAnnouncement.membershipAddress(n) != null && SpeakerFacts.ready(n)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code key}'s new address is still within {@link #UNTRUSTED_NEW_ADDRESS_WAIT}; plans again when it ends. */
  private boolean waitingAsUntrusted(ServiceKey key) {
    Instant now = clock.instant();
    Instant since = newWhileUntrusted.get(key);
    if (since == null) {
      newWhileUntrusted.put(key, now);
      worker.schedule(this::trigger, UNTRUSTED_NEW_ADDRESS_WAIT.toMillis() + 10, TimeUnit.MILLISECONDS);
      return true;
    }
    return now.isBefore(since.plus(UNTRUSTED_NEW_ADDRESS_WAIT));
  }

  private void startProbe(String ip, List<String> interfaces, Service service) {
    probes.put(ip, new Probe.Running());
    InetAddress vip = IpText.parse(ip).orElseThrow();
    // With a trusted membership, a cluster node answering is one this node replaces (a handover in
    // flight); without one, it is a node that may know better, so its answer counts.
    boolean untrusted = degraded;
    Map<MacAddress, String> cluster = clusterMacs();
    layer2.probe(vip, interfaces, untrusted ? Set.of() : cluster.keySet()).whenComplete((result, error) -> execute(() -> {
      if (error != null) {
        log.warn("probe of {} failed: {}; announcing without it", ip, error.toString());
        probes.put(ip, new Probe.Free());
      } else {
        switch (result) {
          case ProbeResult.Free f -> {
            probes.put(ip, new Probe.Free());
            clearConflict(service, ip);
          }
          case ProbeResult.NotProbed n -> probes.put(ip, new Probe.Free());
          case ProbeResult.Taken t when untrusted && cluster.containsKey(t.mac()) && !cluster.get(t.mac()).equals(config.nodeName()) -> {
            log.info("node {} already answers for {}; leaving it there while this node's membership is untrusted", cluster.get(t.mac()),
                ip, kv("event", "answeredElsewhere"), kv("ip", ip), kv("node", cluster.get(t.mac())));
            probes.put(ip, new Probe.Taken(t.mac(), t.interfaceName(), clock.instant().plus(ANSWERED_ELSEWHERE_RECHECK)));
            worker.schedule(this::trigger, ANSWERED_ELSEWHERE_RECHECK.toMillis() + 10, TimeUnit.MILLISECONDS);
          }
          case ProbeResult.Taken t -> {
            probes.put(ip, new Probe.Taken(t.mac(), t.interfaceName(), clock.instant().plus(config.reprobeAfterConflict())));
            reportConflict(service, ip, t.mac(), t.interfaceName());
            worker.schedule(this::trigger, config.reprobeAfterConflict().toMillis(), TimeUnit.MILLISECONDS);
          }
        }
      }
      trigger();
    }));
  }

  /**
   * Probes {@code ip} before taking it over from a node whose claim evidence lapsed: if a cluster
   * node still answers for it, that node is alive on the LAN and keeps it (its evidence is renewed);
   * otherwise the takeover goes ahead.
   */
  private void startTakeoverCheck(String ip, List<String> interfaces) {
    takeoverChecks.put(ip, false);
    InetAddress vip = IpText.parse(ip).orElseThrow();
    // No cluster MACs excluded: the answer wanted is the holder's own.
    layer2.probe(vip, interfaces, Set.of()).whenComplete((result, error) -> execute(() -> {
      String holder = result instanceof ProbeResult.Taken t ? clusterMacs().get(t.mac()) : null;
      if (holder != null && !holder.equals(config.nodeName())) {
        log.info("node {} still answers for {}; leaving it there", holder, ip, kv("event", "splitBrainHeld"), kv("ip", ip),
            kv("node", holder));
        takeoverChecks.remove(ip);
        claimEvidence.put(holder, clock.instant().plus(CLAIM_EVIDENCE));
        worker.schedule(this::trigger, CLAIM_EVIDENCE.toMillis() + 10, TimeUnit.MILLISECONDS);
      } else {
        takeoverChecks.put(ip, true);
      }
      trigger();
    }));
  }

  private void reportConflict(Service service, String ip, MacAddress mac, String interfaceName) {
    String message = "IP " + ip + " is in use by a device outside the cluster (MAC " + mac + ", seen on " + interfaceName
        + " by node \"" + config.nodeName() + "\"); not announcing it";
    log.warn(message, kv("event", "ipConflict"), kv("service", ServiceTranslation.key(service).toString()), kv("ip", ip),
        kv("mac", mac.toString()));
    metrics.conflict(ip, mac.toString());
    api("event IPConflict", () -> events.record(service, Type.Warning, "IPConflict", message));
    // The controller reads this annotation, marks the address taken and moves an auto-assigned service.
    String value = ip + " " + mac;
    api("conflict annotation", () -> Writes.retryOnConflict(() -> client.services().inNamespace(service.getMetadata().getNamespace())
        .withName(service.getMetadata().getName()).edit(s -> {
          Map<String, String> a = new LinkedHashMap<>(s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations());
          a.put(IronLb.ANNOTATION_IP_CONFLICT, value);
          s.getMetadata().setAnnotations(a);
          return s;
        })));
  }

  private void clearConflict(Service service, String ip) {
    Map<String, String> a = service.getMetadata().getAnnotations();
    String value = a == null ? null : a.get(IronLb.ANNOTATION_IP_CONFLICT);
    if (value == null || !value.startsWith(ip + " ")) {
      return;
    }
    log.info("address {} is free again", ip, kv("event", "ipConflictCleared"), kv("ip", ip));
    api("clear conflict annotation", () -> Writes.retryOnConflict(() -> client.services().inNamespace(service.getMetadata().getNamespace())
        .withName(service.getMetadata().getName()).edit(s -> {
          Map<String, String> m = new LinkedHashMap<>(s.getMetadata().getAnnotations());
          m.remove(IronLb.ANNOTATION_IP_CONFLICT);
          s.getMetadata().setAnnotations(m);
          return s;
        })));
  }

  /** Cluster nodes' MACs, as each speaker published them on its Node. */
  private Map<MacAddress, String> clusterMacs() {
    Map<MacAddress, String> out = new HashMap<>();
    for (Node n : nodes.getStore().list()) {
      for (MacAddress mac : NodeAnnouncement.macs(n)) {
        out.put(mac, n.getMetadata().getName());
      }
    }
    for (NetInterface i : layer2.interfaces().all()) {
      if (i.mac() != null) {
        out.put(i.mac(), config.nodeName());
      }
    }
    return out;
  }

  private void handleClaim(Claim claim) {
    String ip = IpText.format(claim.ip());
    ServiceKey key = announced.entrySet().stream().filter(e -> e.getValue().ips().contains(ip)).map(Map.Entry::getKey)
        .findFirst().orElse(null);
    String otherNode = clusterMacs().get(claim.mac());
    if (otherNode != null && !otherNode.equals(config.nodeName())) {
      // Split brain: another speaker announces what we announce. Its claim proves it is alive on the
      // LAN even if our membership view lost it; elect again with it, and exactly one side keeps it.
      log.warn("node {} also claims {}; re-running the election with it", otherNode, ip, kv("event", "splitBrain"),
          kv("ip", ip), kv("node", otherNode));
      claimEvidence.put(otherNode, clock.instant().plus(CLAIM_EVIDENCE));
      trigger();
      // Plan again when the evidence runs out: nothing else may change meanwhile (the claimant may
      // already be out of our view), and the address would stay unannounced if the claimant died.
      worker.schedule(this::trigger, CLAIM_EVIDENCE.toMillis() + 10, TimeUnit.MILLISECONDS);
      return;
    }
    if (otherNode == null && key != null) {
      Service service = services.getStore().getByKey(key.namespace() + "/" + key.name());
      String message = "IP " + ip + " is also claimed by a device outside the cluster (MAC " + claim.mac() + " on "
          + claim.interfaceName() + ", " + claim.evidence() + "); node \"" + config.nodeName() + "\" defended it";
      log.warn(message, kv("event", "ipConflict"), kv("service", key.toString()), kv("ip", ip), kv("mac", claim.mac().toString()));
      metrics.conflict(ip, claim.mac().toString());
      if (service != null) {
        api("event IPConflict", () -> events.record(service, Type.Warning, "IPConflict", message));
      }
    }
  }

  // ---- carrier -------------------------------------------------------------------------------

  private void watchCarrier() {
    if (fallback != null && fallback == membership.healthy()) {
      trigger(); // membership health flipped: liveness comes from elsewhere now
    }
    Map<String, Boolean> now = new HashMap<>();
    for (NetInterface i : layer2.interfaces().all()) {
      now.put(i.name(), i.operational());
    }
    if (now.equals(carrier)) {
      return;
    }
    for (var e : now.entrySet()) {
      Boolean before = carrier.get(e.getKey());
      if (before != null && !before.equals(e.getValue())) {
        log.warn("interface {} is {}", e.getKey(), e.getValue() ? "up again" : "down (no carrier)",
            kv("event", e.getValue() ? "carrierUp" : "carrierDown"), kv("interface", e.getKey()));
      }
    }
    carrier.clear();
    carrier.putAll(now);
    for (var e : List.copyOf(announced.entrySet())) {
      if (e.getValue().interfaces().stream().noneMatch(i -> carrier.getOrDefault(i, false))) {
        // Clients cannot reach us on a dead link: stop claiming the address at once. Membership runs
        // over the same LAN, so the other speakers see this node go and take over.
        withdraw(e.getKey(), "interfaces " + e.getValue().interfaces() + " lost carrier", false);
      }
    }
    trigger();
  }

  /** For tests: runs {@code action} on the worker thread after everything queued before it. */
  void onWorker(Consumer<Speaker> action) throws Exception {
    worker.submit(() -> action.accept(this)).get(5, TimeUnit.SECONDS);
  }
}
