package io.ironlb.ipam;

import io.ironlb.model.ServiceKey;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the allocator needs to know about a LoadBalancer Service. {@code requestedPool} and
 * {@code sharingKey} are null when the annotation is absent; {@code requestedIps} comes from
 * {@link AddressRequest#parse}.
 */
public record ServiceRequest(
    ServiceKey key,
    Map<String, String> labels,
    Map<String, String> namespaceLabels,
    List<IpFamily> ipFamilies,
    FamilyPolicy familyPolicy,
    List<InetAddress> requestedIps,
    String requestedPool,
    String sharingKey,
    List<ServicePort> ports,
    TrafficPolicy trafficPolicy,
    Map<String, String> selector) {

  public ServiceRequest {
    Objects.requireNonNull(key, "key");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    namespaceLabels = namespaceLabels == null ? Map.of() : Map.copyOf(namespaceLabels);
    ipFamilies = ipFamilies == null || ipFamilies.isEmpty() ? List.of(IpFamily.IPV4) : List.copyOf(ipFamilies);
    familyPolicy = familyPolicy == null ? FamilyPolicy.SINGLE_STACK : familyPolicy;
    requestedIps = requestedIps == null ? List.of() : List.copyOf(requestedIps);
    requestedPool = blankToNull(requestedPool);
    sharingKey = blankToNull(sharingKey);
    ports = ports == null ? List.of() : List.copyOf(ports);
    trafficPolicy = trafficPolicy == null ? TrafficPolicy.CLUSTER : trafficPolicy;
    selector = selector == null ? Map.of() : Map.copyOf(selector);
  }

  /** A single-stack IPv4, cluster-policy service with no annotations: the common case, and a base for tests. */
  public static ServiceRequest of(ServiceKey key) {
    return new ServiceRequest(key, Map.of(), Map.of(), List.of(IpFamily.IPV4), FamilyPolicy.SINGLE_STACK,
        List.of(), null, null, List.of(), TrafficPolicy.CLUSTER, Map.of());
  }

  public ServiceRequest withFamilies(FamilyPolicy policy, IpFamily... families) {
    return new ServiceRequest(key, labels, namespaceLabels, List.of(families), policy, requestedIps,
        requestedPool, sharingKey, ports, trafficPolicy, selector);
  }

  public ServiceRequest withRequestedIps(List<InetAddress> ips) {
    return new ServiceRequest(key, labels, namespaceLabels, ipFamilies, familyPolicy, ips,
        requestedPool, sharingKey, ports, trafficPolicy, selector);
  }

  public ServiceRequest withRequestedPool(String pool) {
    return new ServiceRequest(key, labels, namespaceLabels, ipFamilies, familyPolicy, requestedIps,
        pool, sharingKey, ports, trafficPolicy, selector);
  }

  public ServiceRequest withSharing(String sharingKey, List<ServicePort> ports, TrafficPolicy policy,
      Map<String, String> selector) {
    return new ServiceRequest(key, labels, namespaceLabels, ipFamilies, familyPolicy, requestedIps,
        requestedPool, sharingKey, ports, policy, selector);
  }

  public ServiceRequest withLabels(Map<String, String> labels, Map<String, String> namespaceLabels) {
    return new ServiceRequest(key, labels, namespaceLabels, ipFamilies, familyPolicy, requestedIps,
        requestedPool, sharingKey, ports, trafficPolicy, selector);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
