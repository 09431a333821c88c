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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speaker's API writes (events, ServiceL2Status, conflict marks), in order, on a thread of
 * their own: while the API server is away a write blocks for its timeout, and on the speaker's
 * worker it held up the next Service's takeover by that long. A failure is logged, never thrown:
 * the speaker's state is already right, and a status write reports back so it can be retried.
 */
final class ApiWrites implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiWrites.class);

  private final KubernetesClient client;
  private final String namespace;
  private final EventRecorder events;
  private final ServiceL2StatusWriter statuses;
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().name("speaker-api").daemon().factory());

  ApiWrites(KubernetesClient client, String namespace, EventRecorder events, ServiceL2StatusWriter statuses) {
    this.client = client;
    this.namespace = namespace;
    this.events = events;
    this.statuses = statuses;
  }

  void event(HasMetadata object, EventRecorder.Type type, String reason, String message) {
    run("event " + reason, () -> events.record(object, type, reason, message));
  }

  /** Writes the ServiceL2Status; {@code done} hears whether it was written (on the writer's thread). */
  void writeStatus(ServiceKey key, List<String> interfaces, Consumer<Boolean> done) {
    run("ServiceL2Status of " + key, () -> {
      boolean written = false;
      try {
        statuses.write(key, interfaces);
        written = true;
      } catch (RuntimeException e) {
        log.warn("could not write ServiceL2Status of {} yet: {}", key, e.getMessage(), kv("event", "statusDeferred"));
      }
      done.accept(written);
    });
  }

  void deleteStatus(ServiceKey key) {
    run("delete ServiceL2Status of " + key, () -> statuses.deleteIfMine(key));
  }

  /**
   * Notes on the ServiceL2Status that {@code by} saw {@code owner} answer: one merge patch of the
   * annotation, no read first; nothing when the object is not there (yet).
   */
  void recordVerified(ServiceKey key, String owner, String by, Instant at) {
    run("verification note on ServiceL2Status of " + key, () -> {
      String patch = client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("annotations",
          Map.of(VerifiedAnnotation.KEY, VerifiedAnnotation.format(new VerifiedAnnotation.Verified(owner, by, at))))));
      try {
        ServiceL2StatusWriter.unread(client, namespace, ServiceL2StatusWriter.name(key)).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
          throw e;
        }
      }
    });
  }

  /** Publishes when this node's speaker joined a view with others (the failback hold-down counts from it). */
  void publishJoined(String node, Instant at) {
    run("joined time on Node " + node, () -> Writes.retryOnConflict(() -> client.nodes().withName(node).edit(n -> {
      Map<String, String> a = new LinkedHashMap<>(n.getMetadata().getAnnotations() == null ? Map.of() : n.getMetadata().getAnnotations());
      a.put(SpeakerJoinedAnnotation.KEY, SpeakerJoinedAnnotation.format(at));
      n.getMetadata().setAnnotations(a);
      return n;
    })));
  }

  void markConflict(ServiceKey key, ConflictMark mark) {
    run("conflict mark on " + key, () -> editAnnotations(key, a -> a.put(IpConflictAnnotation.KEY, IpConflictAnnotation.format(mark))));
  }

  /** Removes the mark if it still names {@code ip} (a newer mark for another address stays). */
  void clearConflict(ServiceKey key, Vip ip) {
    run("clear conflict mark on " + key, () -> editAnnotations(key, a -> {
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

  private void run(String what, Runnable write) {
    try {
      writer.execute(() -> {
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

  /** Lets the writes already queued (the withdrawal's status deletions) finish, for at most three seconds. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(3, TimeUnit.SECONDS)) {
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      writer.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
