package io.ironlb.speaker;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ironlb.announce.ConflictMark;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.IpConflictAnnotation;
import io.ironlb.k8s.ServiceL2StatusWriter;
import io.ironlb.k8s.SpeakerJoinedAnnotation;
import io.ironlb.k8s.VerifiedAnnotation;
import io.ironlb.k8s.Writes;
import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speaker's API writes (events, ServiceL2Status, conflict marks), off the speaker's worker:
 * while the API server is away a write blocks for its timeout, and on the worker it held up the
 * next Service's takeover by that long. A failure is logged, never thrown: the speaker's state is
 * already right, and a status write reports back so it can be retried.
 *
 * <p>Writes go out on {@link #LANES} threads, a Service's always on the same one and in order, so
 * a burst is not held to one request at a time. A Service's ServiceL2Status write or delete and its
 * verification note keep only the latest of each while waiting: after membership flapped under load
 * a speaker had queued tens of thousands of writes, each undone by the next, and the Services that
 * were announced waited minutes for their objects.
 */
final class ApiWrites implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiWrites.class);

  private final KubernetesClient client;
  private final String namespace;
  private final EventRecorder events;
  private final ServiceL2StatusWriter statuses;
  static final int LANES = 4;
  private final ExecutorService[] lanes = new ExecutorService[LANES];
  /** The ServiceL2Status change each Service waits for (the latest asked); taken by its lane when it runs. */
  private final Map<ServiceKey, StatusChange> statusWaiting = new ConcurrentHashMap<>();
  private final Map<ServiceKey, Runnable> noteWaiting = new ConcurrentHashMap<>();

  private sealed interface StatusChange {
    record Write(List<String> interfaces, Consumer<Boolean> done) implements StatusChange {}

    record Delete() implements StatusChange {}
  }

  ApiWrites(KubernetesClient client, String namespace, EventRecorder events, ServiceL2StatusWriter statuses) {
    this.client = client;
    this.namespace = namespace;
    this.events = events;
    this.statuses = statuses;
    for (int i = 0; i < LANES; i++) {
      lanes[i] = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("speaker-api-" + i).daemon().factory());
    }
  }

  void event(HasMetadata object, EventRecorder.Type type, String reason, String message) {
    run(object.getMetadata().getNamespace() + "/" + object.getMetadata().getName(), "event " + reason,
        () -> events.record(object, type, reason, message));
  }

  /**
   * Writes the ServiceL2Status; {@code done} hears whether it was written (on a writer's thread),
   * or, at once, false if a later write or delete of the same Service replaced it before it went out.
   */
  void writeStatus(ServiceKey key, List<String> interfaces, Consumer<Boolean> done) {
    changeStatus(key, new StatusChange.Write(interfaces, done));
  }

  /** Deletes the ServiceL2Status if it names this node (a write still waiting is dropped instead). */
  void deleteStatus(ServiceKey key) {
    changeStatus(key, new StatusChange.Delete());
  }

  private void changeStatus(ServiceKey key, StatusChange change) {
    StatusChange replaced = latest(statusWaiting, key, change, "ServiceL2Status of " + key, now -> {
      switch (now) {
        case StatusChange.Write w -> {
          boolean written = false;
          try {
            statuses.write(key, w.interfaces());
            written = true;
          } catch (RuntimeException e) {
            log.warn("could not write ServiceL2Status of {} yet: {}", key, e.getMessage(), kv("event", "statusDeferred"));
          }
          w.done().accept(written);
        }
        case StatusChange.Delete d -> statuses.deleteIfMine(key);
      }
    });
    if (replaced instanceof StatusChange.Write w) {
      w.done().accept(false);
    }
  }

  /**
   * Keeps {@code value} as what {@code key} waits for in {@code waiting}, and queues {@code apply}
   * of whatever is latest when the Service's lane gets to it, unless it is queued already.
   * Returns the value it replaced, which never goes out (null if none).
   */
  private <T> T latest(Map<ServiceKey, T> waiting, ServiceKey key, T value, String what, Consumer<T> apply) {
    T replaced = waiting.put(key, value);
    if (replaced == null) {
      run(key.toString(), what, () -> {
        T now = waiting.remove(key);
        if (now != null) {
          apply.accept(now);
        }
      });
    }
    return replaced;
  }

  /**
   * Notes on the ServiceL2Status that {@code by} saw {@code owner} answer: one merge patch of the
   * annotation, no read first; nothing when the object is not there (yet).
   */
  void recordVerified(ServiceKey key, String owner, String by, Instant at) {
    Runnable note = () -> {
      String patch = client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("annotations",
          Map.of(VerifiedAnnotation.KEY, VerifiedAnnotation.format(new VerifiedAnnotation.Verified(owner, by, at))))));
      try {
        ServiceL2StatusWriter.unread(client, namespace, ServiceL2StatusWriter.name(key)).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
          throw e;
        }
      }
    };
    latest(noteWaiting, key, note, "verification note on ServiceL2Status of " + key, Runnable::run);
  }

  /** Publishes when this node's speaker joined a view with others (the failback hold-down counts from it). */
  void publishJoined(String node, Instant at) {
    run(node, "joined time on Node " + node, () -> Writes.retryOnConflict(() -> client.nodes().withName(node).edit(n -> {
      Map<String, String> a = new LinkedHashMap<>(n.getMetadata().getAnnotations() == null ? Map.of() : n.getMetadata().getAnnotations());
      a.put(SpeakerJoinedAnnotation.KEY, SpeakerJoinedAnnotation.format(at));
      n.getMetadata().setAnnotations(a);
      return n;
    })));
  }

  void markConflict(ServiceKey key, ConflictMark mark) {
    run(key.toString(), "conflict mark on " + key, () -> editAnnotations(key, a -> a.put(IpConflictAnnotation.KEY, IpConflictAnnotation.format(mark))));
  }

  /** Removes the mark if it still names {@code ip} (a newer mark for another address stays). */
  void clearConflict(ServiceKey key, Vip ip) {
    run(key.toString(), "clear conflict mark on " + key, () -> editAnnotations(key, a -> {
      if (IpConflictAnnotation.read(a).map(m -> m.ip().equals(ip)).orElse(false)) {
        a.remove(IpConflictAnnotation.KEY);
      }
    }));
  }

  private void editAnnotations(ServiceKey key, Consumer<Map<String, String>> change) {
    Writes.retryOnConflict(() -> client.services().inNamespace(key.namespace()).withName(key.name()).edit(s -> {
      Map<String, String> a = new LinkedHashMap<>(s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations());
      change.accept(a);
      s.getMetadata().setAnnotations(a);
      return s;
    }));
  }

  /** Runs {@code write} on the lane of {@code object} (a Service's key, a Node's name), after what is queued there. */
  private void run(String object, String what, Runnable write) {
    try {
      lanes[Math.floorMod(object.hashCode(), LANES)].execute(() -> {
        try {
          write.run();
        } catch (RuntimeException e) {
          log.warn("API write failed ({}): {}", what, e.getMessage());
        }
      });
    } catch (RejectedExecutionException e) {
      // closed: nothing is written any more
    }
  }

  /** Lets the writes already queued (the withdrawal's status deletions) finish, for at most three seconds in all. */
  @Override
  public void close() {
    for (ExecutorService lane : lanes) {
      lane.shutdown();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    try {
      for (ExecutorService lane : lanes) {
        if (!lane.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          lane.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      for (ExecutorService lane : lanes) {
        lane.shutdownNow();
      }
      Thread.currentThread().interrupt();
    }
  }
}
