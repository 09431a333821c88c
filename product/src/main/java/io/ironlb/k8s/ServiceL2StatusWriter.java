package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.model.ServiceKey;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Keeps one {@code ServiceL2Status} per announced service, named after the service, so that a new
 * announcer simply takes the object over and a dead node leaves nothing stale behind.
 */
public final class ServiceL2StatusWriter {
  private final KubernetesClient client;
  private final String namespace;
  private final String node;

  public ServiceL2StatusWriter(KubernetesClient client, String namespace, String node) {
    this.client = client;
    this.namespace = namespace;
    this.node = node;
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

  public void write(ServiceKey key, List<String> interfaces) {
    ServiceL2Status desired = new ServiceL2Status();
    desired.setMetadata(new ObjectMetaBuilder().withName(name(key)).withNamespace(namespace)
        .withLabels(Map.of("metallb.io/node", node, "metallb.io/service-name", key.name(),
            "metallb.io/service-namespace", key.namespace()))
        .build());
    ServiceL2Status.Status status = new ServiceL2Status.Status(node, key.name(), key.namespace(),
        interfaces.stream().map(ServiceL2Status.Interface::new).toList());
    var resource = client.resources(ServiceL2Status.class).inNamespace(namespace).withName(name(key));
    ServiceL2Status existing = resource.get();
    if (existing == null) {
      client.resources(ServiceL2Status.class).inNamespace(namespace).resource(desired).create();
    } else if (!desired.getMetadata().getLabels().equals(existing.getMetadata().getLabels())) {
      resource.edit(s -> {
        s.getMetadata().setLabels(desired.getMetadata().getLabels());
        return s;
      });
    }
    // Status is a subresource: a real API server ignores it on create and update.
    resource.editStatus(s -> {
      s.setStatus(status);
      return s;
    });
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
