package io.ironlb.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.ironlb.lab.ClusterSeeder;
import io.ironlb.lab.Json;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Watches a namespace's Services and the speakers' ServiceL2Status objects for them, and notes when
 * each Service first had an EXTERNAL-IP and when a ServiceL2Status first named a node for it (it is
 * announced), as {@code System.nanoTime()} stamps taken when the watch event arrives here. Also
 * tells which node announces which address now, for the mass failover.
 */
final class ScaleProgress implements AutoCloseable {

  private final String namespace;
  private final Map<String, Long> addressed = new ConcurrentHashMap<>();
  private final Map<String, Long> announced = new ConcurrentHashMap<>();
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<GenericKubernetesResource> statuses;

  ScaleProgress(KubernetesClient client, String namespace) {
    this.namespace = namespace;
    this.services = client.services().inNamespace(namespace).inform(onChange(s -> {
      if (!ips(s).isEmpty()) {
        addressed.putIfAbsent(s.getMetadata().getName(), System.nanoTime());
      }
    }));
    this.statuses = client.genericKubernetesResources("metallb.io/v1beta1", "ServiceL2Status").inNamespace(ClusterSeeder.METALLB_NS)
        .inform(onChange(r -> {
          Object st = r.getAdditionalProperties().get("status");
          String svc = Json.str(st, "serviceName");
          if (svc != null && namespace.equals(Json.str(st, "serviceNamespace")) && Json.str(st, "node") != null) {
            announced.putIfAbsent(svc, System.nanoTime());
          }
        }));
  }

  private static <T> ResourceEventHandler<T> onChange(Consumer<T> seen) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        seen.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        seen.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        // a deletion takes nothing back: the times are of the first address and first announcement
      }
    };
  }

  int addressedCount() {
    return addressed.size();
  }

  int announcedCount() {
    return announced.size();
  }

  /** When each Service (by name) first had an address; nanoTime stamps. */
  Map<String, Long> addressedAt() {
    return Map.copyOf(addressed);
  }

  Map<String, Long> announcedAt() {
    return Map.copyOf(announced);
  }

  /** Each address of the namespace's Services to the node whose ServiceL2Status names it now. */
  Map<String, String> announcerByAddress() {
    Map<String, String> nodeOfService = new HashMap<>();
    for (GenericKubernetesResource r : statuses.getStore().list()) {
      Object st = r.getAdditionalProperties().get("status");
      if (namespace.equals(Json.str(st, "serviceNamespace")) && Json.str(st, "node") != null) {
        nodeOfService.put(Json.str(st, "serviceName"), Json.str(st, "node"));
      }
    }
    Map<String, String> out = new HashMap<>();
    for (Service s : services.getStore().list()) {
      String node = nodeOfService.get(s.getMetadata().getName());
      if (node != null) {
        ips(s).forEach(ip -> out.put(ip, node));
      }
    }
    return out;
  }

  static List<String> ips(Service s) {
    if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null) {
      return List.of();
    }
    return s.getStatus().getLoadBalancer().getIngress().stream().map(LoadBalancerIngress::getIp).filter(ip -> ip != null && !ip.isEmpty())
        .toList();
  }

  @Override
  public void close() {
    services.close();
    statuses.close();
  }
}
