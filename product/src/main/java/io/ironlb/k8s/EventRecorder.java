package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events (what {@code kubectl describe} and {@code kubectl get events} show). An
 * event is written when something changed: the same reason and message for the same object is
 * not repeated within {@link #REMEMBERED} (unlike MetalLB, which re-emits on every reconcile).
 *
 * <p>What was said is remembered for as long as the API server keeps events (its default
 * {@code --event-ttl} is one hour): a condition that persists is said again once its event may be
 * gone, and the memory holds one hour of events, not every object that ever existed.
 *
 * <p>An event that cannot be written because the API server is away (no answer, 429, 5xx) is
 * kept, up to {@link #MAX_PENDING} of them, oldest dropped first, and written with its original
 * time when the server answers again. One the server refuses (RBAC, validation) is logged and
 * dropped: asking again would get the same answer.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  static final Duration REMEMBERED = Duration.ofHours(1);
  static final int MAX_PENDING = 256;
  private static final Duration RETRY = Duration.ofSeconds(5);

  public enum Type {
    Normal,
    Warning
  }

  private record Said(String message, Instant at) {}

  private final KubernetesClient client;
  private final String component;
  private final String host;
  private final Clock clock;
  private final Map<String, Said> said = new ConcurrentHashMap<>();
  private final AtomicInteger recordsSincePrune = new AtomicInteger();
  /** Events whose write failed, oldest first; guarded by itself. */
  private final Deque<Event> pending = new ArrayDeque<>();
  private ScheduledExecutorService retrier; // guarded by pending; started at the first failure

  public EventRecorder(KubernetesClient client, String component, String host, Clock clock) {
    this.client = client;
    this.component = component;
    this.host = host;
    this.clock = clock;
  }

  /** Records the event unless the object's last event with this reason said the same within {@link #REMEMBERED}. */
  public void record(HasMetadata object, Type type, String reason, String message) {
    String key = object.getMetadata().getUid() + "/" + object.getKind() + "/" + object.getMetadata().getNamespace()
        + "/" + object.getMetadata().getName() + "/" + reason;
    Instant now = clock.instant();
    Said before = said.get(key);
    if (before != null && before.message().equals(message) && before.at().plus(REMEMBERED).isAfter(now)) {
      return;
    }
    said.put(key, new Said(message, now));
    if (recordsSincePrune.incrementAndGet() >= 1000) {
      recordsSincePrune.set(0);
      said.values().removeIf(s -> !s.at().plus(REMEMBERED).isAfter(now));
    }
    Event event = build(object, type, reason, message, now);
    synchronized (pending) {
      if (!pending.isEmpty()) {
        keep(event); // behind the ones that wait, in order
        return;
      }
    }
    if (write(event) == Outcome.UNAVAILABLE) {
      keep(event);
    }
  }

  private enum Outcome {
    WRITTEN,
    /** The server answered no (a 4xx): trying again would get the same answer. */
    REFUSED,
    /** No answer, 429 or 5xx: worth keeping for later. */
    UNAVAILABLE
  }

  /** How many (object, reason) pairs are remembered; for tests. */
  int remembered() {
    return said.size();
  }

  /** How many events wait for the API server; for tests. */
  int pendingCount() {
    synchronized (pending) {
      return pending.size();
    }
  }

  private Event build(HasMetadata object, Type type, String reason, String message, Instant at) {
    String namespace = object.getMetadata().getNamespace() == null ? "default" : object.getMetadata().getNamespace();
    String time = at.toString();
    return new EventBuilder()
        .withNewMetadata()
        .withName(object.getMetadata().getName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE))
        .withNamespace(namespace)
        .endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder()
            .withApiVersion(object.getApiVersion())
            .withKind(object.getKind())
            .withName(object.getMetadata().getName())
            .withNamespace(object.getMetadata().getNamespace())
            .withUid(object.getMetadata().getUid())
            .withResourceVersion(object.getMetadata().getResourceVersion())
            .build())
        .withType(type.name())
        .withReason(reason)
        .withMessage(message)
        .withCount(1)
        .withFirstTimestamp(time)
        .withLastTimestamp(time)
        .withNewSource().withComponent(component).withHost(host).endSource()
        .withReportingComponent(component)
        .withReportingInstance(host)
        .build();
  }

  /** On the retry thread: writes what waits, oldest first, until the API server refuses one (it is tried again later). */
  private void flushPending() {
    while (true) {
      Event next;
      synchronized (pending) {
        next = pending.peekFirst();
      }
      if (next == null || write(next) == Outcome.UNAVAILABLE) {
        return;
      }
      synchronized (pending) {
        pending.remove(next); // not removeFirst: keep() may have dropped it meanwhile
      }
    }
  }

  private void keep(Event event) {
    synchronized (pending) { // reentrant: record() may hold it already
      if (pending.size() == MAX_PENDING) {
        Event dropped = pending.removeFirst();
        log.warn("dropped event {} on {}/{}: {} events already wait for the API server", dropped.getReason(),
            dropped.getMetadata().getNamespace(), dropped.getInvolvedObject().getName(), MAX_PENDING);
      }
      pending.addLast(event);
      if (retrier == null) {
        retrier = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("event-retry").daemon().factory());
        retrier.scheduleWithFixedDelay(this::flushPending, RETRY.toMillis(), RETRY.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private Outcome write(Event event) {
    try {
      client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
      return Outcome.WRITTEN;
    } catch (KubernetesClientException e) {
      // An event is information, not state: a failed write must never stop the reconcile that caused it.
      boolean later = ApiRetry.unavailable(e);
      log.warn("could not write event {} on {}/{}{}: {}", event.getReason(), event.getMetadata().getNamespace(),
          event.getInvolvedObject().getName(), later ? ", kept for a retry" : "", e.getMessage());
      return later ? Outcome.UNAVAILABLE : Outcome.REFUSED;
    }
  }
}
