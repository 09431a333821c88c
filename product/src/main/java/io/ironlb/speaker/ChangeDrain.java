package io.ironlb.speaker;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.ironlb.announce.Event;
import io.ironlb.k8s.ConfigurationStateReporter;
import io.ironlb.k8s.EventRecorder.Type;
import io.ironlb.speaker.SpeakerInformers.Change;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The informers' changes on their way to the core. A callback only marks an object changed; the
 * worker reads every marked object from the caches once, however many changes arrived meanwhile,
 * in the order the core needs: configuration before Services, Services before their ServiceL2Status.
 */
final class ChangeDrain {
  private static final Logger log = LoggerFactory.getLogger(ChangeDrain.class);

  private final SpeakerInformers informers;
  private final AdvertisementsInForce advertisements;
  private final ConfigurationStateReporter configurationState;
  private final SpeakerMetrics metrics;
  private final ApiWrites api;
  private final Clock clock;
  private final Consumer<Event> step;
  private final Consumer<Runnable> onWorker;
  /** Objects changed since the worker last read them; a drain is queued while {@link #queued} is set. */
  private final Set<Change> changed = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean queued = new AtomicBoolean();
  /** When the first change not yet applied arrived (for {@code ironlb_election_seconds}). */
  private final AtomicReference<Instant> changedAt = new AtomicReference<>();

  ChangeDrain(SpeakerInformers informers, AdvertisementsInForce advertisements, ConfigurationStateReporter configurationState,
      SpeakerMetrics metrics, ApiWrites api, Clock clock, Consumer<Event> step, Consumer<Runnable> onWorker) {
    this.informers = informers;
    this.advertisements = advertisements;
    this.configurationState = configurationState;
    this.metrics = metrics;
    this.api = api;
    this.clock = clock;
    this.step = step;
    this.onWorker = onWorker;
  }

  /** Until the first {@link #drain}, changes only accumulate (the informers fill their caches meanwhile). */
  void holdUntilFirstDrain() {
    queued.set(true);
  }

  /** An informer callback: marks the object changed and queues a drain unless one is queued. */
  void changed(Change c) {
    changedAt.compareAndSet(null, clock.instant());
    changed.add(c);
    if (queued.compareAndSet(false, true)) {
      onWorker.accept(this::drain);
    }
  }

  /** Turns every object changed since the last drain into the core's event, read from the caches now (on the worker). */
  void drain() {
    drain(true);
  }

  /** {@code timed}: the time from the first change to now counts as an election (not before the first plan). */
  void drain(boolean timed) {
    queued.set(false);
    List<Change> batch = new ArrayList<>(changed);
    changed.removeAll(batch);
    if (batch.remove(new Change.OfPools())) {
      step.accept(informers.pools());
    }
    if (batch.remove(new Change.OfAdvertisements())) {
      List<AdvertisementsInForce.Problem> problems = new ArrayList<>();
      step.accept(new Event.AdvertisementsUpdated(advertisements.read(informers.advertisements(), problems)));
      for (AdvertisementsInForce.Problem p : problems) {
        log.warn("advertisement: {}", p.message(), kv("event", p.reason().equals("InvalidConfiguration") ? "advertisementRejected"
            : "unsupportedField"), kv("advertisement", p.advertisement().getMetadata().getName()));
        api.event(p.advertisement(), Type.Warning, p.reason(), p.message());
      }
      List<String> wrong = advertisements.problems();
      configurationState.report(wrong);
      metrics.client().configuration(!wrong.isEmpty());
    }
    batch.sort((a, b) -> Integer.compare(order(a), order(b)));
    for (Change c : batch) {
      metrics.client().updated();
      switch (c) {
        case Change.OfNode n -> step.accept(informers.node(n.name(), problem -> log.warn("{}", problem, kv("event", "nodeUnreadable"))));
        case Change.OfService s -> step.accept(informers.service(s.key()));
        case Change.OfStatus s -> informers.status(s).ifPresent(step);
        case Change.OfPools p -> step.accept(informers.pools());
        case Change.OfAdvertisements a -> { } // handled above
      }
    }
    Instant began = changedAt.getAndSet(null);
    if (began != null && timed) {
      metrics.electionTook(Duration.between(began, clock.instant()).toNanos() / 1e9);
    }
  }

  private static int order(Change c) {
    return switch (c) {
      case Change.OfPools p -> 0;
      case Change.OfAdvertisements a -> 1;
      case Change.OfNode n -> 2;
      case Change.OfService s -> 3;
      case Change.OfStatus s -> 4;
    };
  }
}
