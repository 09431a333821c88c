package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ironlb.model.ServiceKey;
import java.net.HttpURLConnection;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Keeps one {@code ServiceL2Status} per announced service, named after the service, so that a new
 * announcer simply takes the object over and a dead node leaves nothing stale behind.
 */
public final class ServiceL2StatusWriter {
  /** MetalLB's labels on the object naming its Service (set at creation, before the status is written). */
  public static final String SERVICE_NAME_LABEL = "metallb.io/service-name";
  public static final String SERVICE_NAMESPACE_LABEL = "metallb.io/service-namespace";
  private final KubernetesClient client;
  private final String namespace;
  private final String node;

  /** What the informer holds under a name, or null. */
  private final Function<String, ServiceL2Status> cached;

  /**
   * @param cached the informer's copy of the object with a given name (null when it has none): the
   *     writer decides from it instead of reading from the API server
   */
  public ServiceL2StatusWriter(KubernetesClient client, String namespace, String node, Function<String, ServiceL2Status> cached) {
    this.client = client;
    this.namespace = namespace;
    this.node = node;
    this.cached = cached;
  }

  public static String name(ServiceKey key) {
    String n = "l2-" + key.namespace() + "-" + key.name();
    return n.length() <= 253 ? n : n.substring(0, 240) + "-" + Integer.toHexString(n.hashCode());
  }

  /** The node that last announced the service, from the objects in the informer cache; null if none. */
  public String announcer(Collection<ServiceL2Status> cached, ServiceKey key) {
    String name = name(key);
    for (ServiceL2Status s : cached) {
      if (name.equals(s.getMetadata().getName()) && s.getStatus() != null) {
        return s.getStatus().node();
      }
    }
    return null;
  }

  /**
   * Makes the object say that this node announces {@code key} on {@code interfaces}, without a read
   * first: the informer's copy ({@code cached}) tells whether it exists and with which labels. A
   * create that finds it there after all (the copy lags a create) relabels it; a patch that finds it
   * gone (the copy lags a delete, or the informer stopped hearing) creates it, so a stale copy costs
   * a request, never the write. Two requests for a first announcement (create, status), one or two
   * for a takeover (labels if they name another node, status); reading first cost two more, on
   * every announcement of a burst.
   */
  public void write(ServiceKey key, List<String> interfaces) {
    String name = name(key);
    Map<String, String> labels = Map.of("metallb.io/node", node, SERVICE_NAME_LABEL, key.name(),
        SERVICE_NAMESPACE_LABEL, key.namespace());
    ServiceL2Status existing = cached.apply(name);
    if (existing == null) {
      create(name, labels);
    } else if (!labels.equals(existing.getMetadata().getLabels())) {
      createIfGone(() -> relabel(name, labels), name, labels);
    }
    // Status is a subresource: a real API server ignores it on create and update. A JSON Patch
    // "add" replaces /status whether it is there or not (a merge patch appends to the interface list
    // on the mock API server).
    ServiceL2Status.Status status = new ServiceL2Status.Status(node, key.name(), key.namespace(),
        interfaces.stream().map(ServiceL2Status.Interface::new).toList());
    String patch = json(List.of(Map.of("op", "add", "path", "/status", "value", status)));
    Runnable writeStatus = () -> unread(client, namespace, name).subresource("status").patch(PatchContext.of(PatchType.JSON), patch);
    if (createIfGone(writeStatus, name, labels)) {
      writeStatus.run();
    }
  }

  private void create(String name, Map<String, String> labels) {
    ServiceL2Status desired = new ServiceL2Status();
    desired.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels).build());
    try {
      client.resources(ServiceL2Status.class).inNamespace(namespace).resource(desired).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      relabel(name, labels);
    }
  }

  /** Runs {@code patch}; when the object is not there, creates it instead and says so (true). */
  private boolean createIfGone(Runnable patch, String name, Map<String, String> labels) {
    try {
      patch.run();
      return false;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
      create(name, labels);
      return true;
    }
  }

  /** A merge patch of the labels map: the three keys are set, any other label is left alone. */
  private void relabel(String name, Map<String, String> labels) {
    unread(client, namespace, name).patch(PatchContext.of(PatchType.JSON_MERGE), json(Map.of("metadata", Map.of("labels", labels))));
  }

  /**
   * The object {@code name} for a patch that sends one request. fabric8's {@code patch(context, String)}
   * on {@code withName(name)} first GETs the object (and fails with that GET's 404); given an item
   * that names it, it sends the PATCH alone.
   */
  public static Resource<ServiceL2Status> unread(KubernetesClient client, String namespace, String name) {
    ServiceL2Status named = new ServiceL2Status();
    named.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    return client.resources(ServiceL2Status.class).inNamespace(namespace).resource(named);
  }

  private String json(Object value) {
    return client.getKubernetesSerialization().asJson(value);
  }

  /** Deletes the object only if this node is the one it names, so a successor's object survives. */
  public void deleteIfMine(ServiceKey key) {
    var resource = client.resources(ServiceL2Status.class).inNamespace(namespace).withName(name(key));
    ServiceL2Status existing = resource.get();
    if (existing != null && existing.getStatus() != null && node.equals(existing.getStatus().node())) {
      resource.delete();
    }
  }
}
