package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ironlb.model.IpText;
import io.ironlb.model.ServiceKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes the controller's decision for a Service: {@code status.loadBalancer.ingress} and the
 * annotation {@code metallb.io/ip-allocated-from-pool}. Each is one PATCH built from the informer's
 * copy, with no read before it, and only when it differs from that copy.
 *
 * <p>Two requests, not one: the ingress lives in the status subresource and the annotation in the
 * object, and only a real API server applies metadata sent to a Service's {@code /status} (the
 * lab's and the tests' API server drop it). The ingress is a JSON Patch that replaces the list (a
 * merge patch appends to lists on the mock API server); the annotation is a merge patch on the
 * annotation map, which leaves every other annotation alone whatever happened since the informer's
 * copy was taken.
 */
public final class AssignmentWriter {
  private final KubernetesClient client;
  /**
   * What was last written per Service and the versions of the object it was written over and
   * produced: until the informer's copy is past them all (the last write's echo arrives), a second
   * reconcile of the Service (two events in a row, or the echo of the status write arriving before
   * that of the annotation write) would see a copy without the write and send it again. Not
   * thread-safe: one writer thread.
   */
  private final Map<String, Pending> pending = new HashMap<>();

  private record Pending(Set<String> versions, List<String> ips, String pool) {}

  public AssignmentWriter(KubernetesClient client) {
    this.client = client;
  }

  /** Forgets a deleted Service. */
  public void forget(ServiceKey gone) {
    pending.remove(gone.namespace() + "/" + gone.name());
  }

  private static String key(Service s) {
    return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
  }

  /** What a {@link #write} sent. */
  public record Written(boolean status, boolean annotation) {
    public int requests() {
      return (status ? 1 : 0) + (annotation ? 1 : 0);
    }
  }

  /**
   * Makes the Service's ingress {@code ips} (in this order) and its pool annotation {@code pool}
   * (null removes it), writing only what differs from {@code cached}, the informer's copy.
   * Throws KubernetesClientException when the API server refuses or does not answer.
   */
  public Written write(Service cached, List<String> ips, String pool) {
    String key = key(cached);
    String version = cached.getMetadata().getResourceVersion();
    Pending before = pending.get(key);
    if (before != null && before.versions().contains(version)) {
      if (before.ips().equals(ips) && Objects.equals(before.pool(), pool)) {
        return new Written(false, false); // written already; the informer has not caught up yet
      }
    } else {
      pending.remove(key);
    }
    var resource = client.services().resource(cached);
    List<String> actual = ServiceTranslation.currentIps(cached).stream().map(IpText::format).toList();
    boolean status = !ips.equals(actual);
    Set<String> versions = new HashSet<>();
    versions.add(version);
    if (status) {
      Map<String, Object> loadBalancer = ips.isEmpty() ? Map.of()
          : Map.of("ingress", ips.stream().map(ip -> Map.of("ip", ip)).toList());
      // "add" replaces a member that is there; /status itself is absent only on the mock API server.
      Object op = cached.getStatus() == null
          ? Map.of("op", "add", "path", "/status", "value", Map.of("loadBalancer", loadBalancer))
          : Map.of("op", "add", "path", "/status/loadBalancer", "value", loadBalancer);
      versions.add(versionOf(resource.status().patch(PatchContext.of(PatchType.JSON), json(List.of(op)))));
    }
    Map<String, String> annotations = cached.getMetadata().getAnnotations() == null ? Map.of() : cached.getMetadata().getAnnotations();
    String written = annotations.get(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL);
    boolean annotation = !Objects.equals(written, pool);
    if (annotation) {
      if (pool != null) {
        versions.add(versionOf(resource.patch(PatchContext.of(PatchType.JSON_MERGE),
            json(Map.of("metadata", Map.of("annotations", Map.of(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL, pool)))))));
      } else {
        versions.add(removeAnnotation(cached));
      }
    }
    if (status || annotation) {
      pending.put(key, new Pending(versions, List.copyOf(ips), pool));
    }
    return new Written(status, annotation);
  }

  /** A JSON Patch "remove": a merge patch with null would store a null value on the mock API server instead. */
  private String removeAnnotation(Service cached) {
    String path = "/metadata/annotations/" + MetalLb.ANNOTATION_ALLOCATED_FROM_POOL.replace("~", "~0").replace("/", "~1");
    try {
      return versionOf(client.services().resource(cached).patch(PatchContext.of(PatchType.JSON), json(List.of(Map.of("op", "remove", "path", path)))));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 422) { // 422: someone removed it since the informer's copy; nothing left to do
        throw e;
      }
      return cached.getMetadata().getResourceVersion();
    }
  }

  private static String versionOf(Service written) {
    return written == null || written.getMetadata() == null ? null : written.getMetadata().getResourceVersion();
  }

  private String json(Object value) {
    return client.getKubernetesSerialization().asJson(value);
  }
}
