package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events (what {@code kubectl describe} and {@code kubectl get events} show). An
 * event is written when something changed: the same reason and message for the same object is
 * not repeated, unlike MetalLB, which re-emits on every reconcile.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);

  public enum Type {
    Normal,
    Warning
  }

  private final KubernetesClient client;
  private final String component;
  private final String host;
  private final Clock clock;
  private final Map<String, String> lastByObjectAndReason = new ConcurrentHashMap<>();

  public EventRecorder(KubernetesClient client, String component, String host, Clock clock) {
    this.client = client;
    this.component = component;
    this.host = host;
    this.clock = clock;
  }

  /** Records the event unless the object's last event with this reason said the same. */
  public void record(HasMetadata object, Type type, String reason, String message) {
    String key = object.getMetadata().getUid() + "/" + object.getKind() + "/" + object.getMetadata().getNamespace()
        + "/" + object.getMetadata().getName() + "/" + reason;
    if (message.equals(lastByObjectAndReason.put(key, message))) {
      return;
    }
    write(object, type, reason, message);
  }

  /** Forgets what was said about an object, so that the same event is written again if it recurs. */
  public void forget(HasMetadata object) {
    String prefix = object.getMetadata().getUid() + "/" + object.getKind() + "/" + object.getMetadata().getNamespace()
        + "/" + object.getMetadata().getName() + "/";
    lastByObjectAndReason.keySet().removeIf(k -> k.startsWith(prefix));
  }

  private void write(HasMetadata object, Type type, String reason, String message) {
    String namespace = object.getMetadata().getNamespace() == null ? "default" : object.getMetadata().getNamespace();
    String now = Instant.now(clock).toString();
    var event = new EventBuilder()
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
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withNewSource().withComponent(component).withHost(host).endSource()
        .withReportingComponent(component)
        .withReportingInstance(host)
        .build();
    try {
      client.v1().events().inNamespace(namespace).resource(event).create();
    } catch (KubernetesClientException e) {
      // An event is information, not state: losing one must never stop the reconcile that caused it.
      log.warn("could not write event {} on {}/{}: {}", reason, namespace, object.getMetadata().getName(), e.getMessage());
    }
  }
}
