package io.ironlb.speaker;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.announce.Action;
import io.ironlb.announce.Event;
import io.ironlb.announce.SpeakerCore;
import io.ironlb.k8s.ConfigurationStateReporter;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.ServiceL2StatusWriter;
import io.ironlb.l2.Claim;
import io.ironlb.l2.Layer2;
import io.ironlb.membership.Membership;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's speaker: the shell around {@link SpeakerCore}. Informer callbacks, membership views
 * and data-plane reports become the core's events on one worker thread; the core's actions are
 * carried out there, API writes on threads of their own ({@link ApiWrites}). Informer changes
 * reach the core through {@link ChangeDrain}, which coalesces them.
 */
public final class Speaker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Speaker.class);
  /** How long a claim from a node outside the view counts as proof that it is alive (the data plane's claim episodes end before). */
  static final Duration CLAIM_EVIDENCE = SpeakerCore.CLAIM_EVIDENCE;
  /** How long SIGTERM waits for the successors' claims at most (the core gives up on each after its handover timeout). */
  private static final Duration HANDOVER_WAIT = Duration.ofMillis(2500);

  /**
   * The speaker's flags.
   *
   * @param failbackHoldDown {@code --failback-hold-down}: zero takes addresses back at once
   * @param drainCordoned {@code --drain-cordoned-nodes}: a cordoned node's addresses move as with {@code ironlb drain}
   * @param verifyPeriod {@code --verify-period}: how often this node checks each owner it would succeed (zero: never)
   * @param verifyPerSecond {@code --verify-rate}: at most this many checks a second
   * @param ignoreExcludeLb {@code --ignore-exclude-lb}: nodes with the exclude label stay candidates
   */
  public record Config(String nodeName, String namespace, String loadBalancerClass, List<String> interfaces,
      Duration reprobeAfterConflict, Duration failbackHoldDown, boolean drainCordoned, Duration verifyPeriod, int verifyPerSecond,
      boolean ignoreExcludeLb) {
    public Config {
      Objects.requireNonNull(nodeName, "nodeName");
      interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
    }

    /** The defaults of every flag but the node's name and namespace. */
    public static Config defaults(String nodeName, String namespace) {
      return new Config(nodeName, namespace, "", List.of(), Duration.ofSeconds(30), Duration.ZERO, false, Duration.ofSeconds(5), 20, false);
    }

    SpeakerCore.Config core() {
      return SpeakerCore.Config.of(nodeName, interfaces, reprobeAfterConflict).withFailbackHoldDown(failbackHoldDown)
          .withVerification(verifyPeriod, verifyPerSecond);
    }
  }

  private final Config config;
  private final Layer2 layer2;
  private final Membership membership;
  private final SpeakerMetrics metrics;
  private final Clock clock;
  private final SpeakerCore core;
  private final SpeakerInformers informers;
  private final ApiWrites api;
  private final SpeakerActions actions;
  private final AdvertisementsInForce advertisements = new AdvertisementsInForce();
  /** This speaker's ConfigurationState ({@code speaker-NODE}): whether its configuration loaded, and what is wrong with it. */
  private final ConfigurationStateReporter configurationState;
  private final ScheduledExecutorService worker =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("speaker").daemon().factory());

  private final ChangeDrain changes;
  private volatile boolean planned;
  /** Completed once, while leaving, no Service is left to hand over. */
  private final java.util.concurrent.CompletableFuture<Void> handedOver = new java.util.concurrent.CompletableFuture<>();
  private volatile boolean leaving;
  private volatile boolean closing;
  private ScheduledFuture<?> tick; // worker only
  private Instant tickAt; // worker only

  public Speaker(KubernetesClient client, Config config, Layer2 layer2, Membership membership, EventRecorder events,
      SpeakerMetrics metrics, ConfigurationStateReporter configurationState, Clock clock) {
    this.configurationState = configurationState;
    this.config = config;
    this.layer2 = layer2;
    this.membership = membership;
    this.metrics = metrics;
    this.clock = clock;
    this.core = new SpeakerCore(config.core());
    this.informers = new SpeakerInformers(client, config.namespace(), config.loadBalancerClass(), config.drainCordoned(),
        config.ignoreExcludeLb());
    this.api = new ApiWrites(client, config.namespace(), events, new ServiceL2StatusWriter(client, config.namespace(), config.nodeName(), informers::cachedStatus));
    this.actions = new SpeakerActions(config.nodeName(), layer2, api, metrics, informers, e -> core.step(e, clock.instant()),
        e -> execute(() -> step(e)), this::recheckAt);
    this.changes = new ChangeDrain(informers, advertisements, configurationState, metrics, api, clock, this::step, this::execute);
  }

  public void start() {
    start(() -> { });
  }

  /**
   * Starts with the membership still joining: the informers fill their caches meanwhile (both wait
   * on the network, so a restarted speaker is ready sooner), and {@code joined} returns once the
   * join is over, before the core hears of anything.
   */
  public void start(Runnable joined) {
    // Changes reported while the informers fill their caches wait for the first drain, below.
    changes.holdUntilFirstDrain();
    informers.start(changes::changed);
    joined.run();
    // The view first: the core must know whether it is in a group before it hears of any Service.
    // The membership hands the current view to a new listener on its own thread; wait until that
    // view is queued for the worker, so the first drain comes after it.
    // A membership that did not start has no view to hand over (it reports none, and the core
    // falls back to Node readiness): nothing to wait for then.
    boolean hasView = !membership.liveNodes().isEmpty();
    CountDownLatch viewQueued = new CountDownLatch(1);
    membership.addListener(view -> {
      execute(() -> step(new Event.ViewChanged(view)));
      viewQueued.countDown();
    });
    try {
      if (hasView && !viewQueued.await(5, TimeUnit.SECONDS)) {
        log.warn("the membership did not report its view within 5 s; planning without it");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    layer2.onRequest(ip -> execute(() -> step(new Event.RequestHeard(Vip.of(ip)))));
    new CarrierWatch(layer2, membership, e -> step(e)).start(worker, this::execute);
    execute(() -> {
      changes.drain(false);
      step(new Event.Synced());
      planned = true;
    });
  }

  /** Layer 2 reports another MAC claiming an address; called from the data plane's thread. */
  public void onClaim(Claim claim) {
    execute(() -> step(new Event.ClaimHeard(Vip.of(claim.ip()), claim.mac(), claim.interfaceName(), claim.evidence())));
  }

  /**
   * Why this speaker has not taken its place yet, or empty once caches are synced and a first plan
   * applied. For the readiness probe, so a rolling update stops the next speaker only after this one
   * can take over its addresses. Membership health is not part of it: a speaker in the fallback still
   * serves, and a powered-off peer would otherwise make every restarted speaker unready.
   */
  public Optional<String> notReadyBecause() {
    if (closing) {
      return Optional.of("stopping");
    }
    return planned ? Optional.empty() : Optional.of("caches not synced or first plan not applied yet");
  }

  /** Services this node announces now, with their addresses (for tests and {@code status}). */
  public Map<ServiceKey, List<Vip>> announcements() {
    try {
      return worker.submit(core::announcements).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("speaker worker did not answer", e);
    }
  }

  /**
   * SIGTERM, make-before-break: keeps answering, leaves the group so the others elect successors
   * at once, and waits (at most the core's handover timeout) until their claims are heard, so no
   * client request fails; then {@link #close()}.
   */
  public void leave() {
    try {
      leaving = true;
      worker.submit(() -> step(new Event.Leaving())).get(5, TimeUnit.SECONDS);
      membership.close();
      handedOver.get(HANDOVER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.TimeoutException e) {
      log.info("leaving with {} handovers unfinished", HANDOVER_WAIT, kv("event", "handoverTimedOut"));
    } catch (Exception e) {
      log.warn("could not hand over cleanly on shutdown: {}", e.toString());
    }
    close();
  }

  @Override
  public void close() {
    try {
      worker.submit(() -> step(new Event.Shutdown())).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("could not withdraw cleanly on shutdown: {}", e.toString());
    }
    closing = true;
    informers.close();
    worker.shutdownNow();
    configurationState.close();
    api.close(); // the withdrawal's status deletions, if the API answers in time
  }

  /** Runs {@code task} on the worker, unless the speaker is closing (informers and the data plane still call in then). */
  private void execute(Runnable task) {
    if (closing) {
      return;
    }
    try {
      worker.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          // One bad object or a bug must not stop the worker; what was not done is done at the next change.
          metrics.client().updateFailed();
          log.error("speaker worker task failed", e);
        }
      });
    } catch (RejectedExecutionException e) {
      // closed meanwhile: nothing to do any more
    }
  }

  // ---- actions out ---------------------------------------------------------------------------

  /** Feeds one event to the core and carries out what it answers, on the worker. */
  private void step(Event event) {
    carryOutAll(core.step(event, clock.instant()));
    if (leaving && core.handoversPending() == 0) {
      handedOver.complete(null);
    }
  }

  private void carryOutAll(List<Action> asked) {
    Deque<Action> todo = new ArrayDeque<>(asked);
    while (!todo.isEmpty()) {
      Action a = todo.poll();
      try {
        List<Action> more = actions.carryOut(a);
        for (int i = more.size() - 1; i >= 0; i--) {
          todo.push(more.get(i)); // an answer's actions come before the rest
        }
      } catch (RuntimeException e) {
        log.error("could not carry out {}", a, e);
      }
    }
  }

  private void recheckAt(Instant at) {
    if (tick != null && !tick.isDone() && !tickAt.isAfter(at)) {
      return; // an earlier tick comes anyway, and the core asks again for what is still ahead
    }
    if (tick != null) {
      tick.cancel(false);
    }
    tickAt = at;
    long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis() + 1);
    tick = worker.schedule(() -> {
      // The tick that runs now is no earlier tick to come: what the core asks during it must be scheduled.
      tick = null;
      step(new Event.Tick());
    }, delay, TimeUnit.MILLISECONDS);
  }
}
