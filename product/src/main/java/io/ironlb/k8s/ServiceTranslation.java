package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.ironlb.ipam.AddressRequest;
import io.ironlb.ipam.AddressRequestResult;
import io.ironlb.ipam.FamilyPolicy;
import io.ironlb.ipam.IpFamily;
import io.ironlb.ipam.ServiceRequest;
import io.ironlb.ipam.TrafficPolicy;
import io.ironlb.model.IpText;
import io.ironlb.model.ServiceKey;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** Turns a Kubernetes Service into what the pure allocator understands, and reads back its status. */
public final class ServiceTranslation {

  /** Either a request for the allocator or the reason the Service's own fields make one impossible. */
  public sealed interface Result {
    record Request(ServiceRequest request) implements Result {}

    record Invalid(String message) implements Result {}
  }

  private ServiceTranslation() {}

  public static ServiceKey key(Service s) {
    return new ServiceKey(s.getMetadata().getNamespace(), s.getMetadata().getName());
  }

  public static Result toRequest(Service s, Map<String, String> namespaceLabels) {
    var annotations = ServiceAnnotations.of(s.getMetadata().getAnnotations());
    var spec = s.getSpec();
    List<InetAddress> requested;
    // Name the key the user wrote: a message about metallb.io/loadBalancerIPs on a Service that
    // only has metallb.universe.tf/loadBalancerIPs sends them looking for an annotation they lack.
    String ipsKey = annotations.deprecatedKeysUsed().contains(MetalLb.DEPRECATED_PREFIX + "loadBalancerIPs")
        ? MetalLb.DEPRECATED_PREFIX + "loadBalancerIPs" : MetalLb.ANNOTATION_LOAD_BALANCER_IPS;
    switch (AddressRequest.parse(annotations.loadBalancerIps(), spec.getLoadBalancerIP(), ipsKey)) {
      case AddressRequestResult.Ok ok -> requested = ok.ips();
      case AddressRequestResult.Error error -> {
        return new Result.Invalid(error.message());
      }
    }
    List<io.ironlb.ipam.ServicePort> ports = new ArrayList<>();
    for (ServicePort p : nullToEmpty(spec.getPorts())) {
      ports.add(new io.ironlb.ipam.ServicePort(Objects.requireNonNullElse(p.getProtocol(), "TCP"), p.getPort()));
    }
    TrafficPolicy policy = "Local".equalsIgnoreCase(spec.getExternalTrafficPolicy()) ? TrafficPolicy.LOCAL : TrafficPolicy.CLUSTER;
    ServiceRequest request = new ServiceRequest(
        key(s),
        s.getMetadata().getLabels(),
        namespaceLabels,
        families(spec.getIpFamilies()),
        familyPolicy(spec.getIpFamilyPolicy()),
        requested,
        annotations.addressPool(),
        annotations.allowSharedIp(),
        ports,
        policy,
        spec.getSelector());
    return new Result.Request(request);
  }

  /** The ingress IPs in the Service's status: what a previous controller handed out. Unparseable entries are ignored. */
  public static List<InetAddress> currentIps(Service s) {
    if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null) {
      return List.of();
    }
    List<InetAddress> ips = new ArrayList<>();
    for (LoadBalancerIngress ingress : nullToEmpty(s.getStatus().getLoadBalancer().getIngress())) {
      IpText.parse(ingress.getIp()).ifPresent(ips::add);
    }
    return List.copyOf(ips);
  }

  public static boolean isLoadBalancer(Service s) {
    return s.getSpec() != null && "LoadBalancer".equals(s.getSpec().getType());
  }

  /** MetalLB's rule: with no class configured, serve only services without a class; otherwise only that class. */
  public static boolean hasClass(Service s, String lbClass) {
    String own = s.getSpec() == null ? null : s.getSpec().getLoadBalancerClass();
    return lbClass == null || lbClass.isEmpty() ? own == null || own.isEmpty() : lbClass.equals(own);
  }

  private static List<IpFamily> families(List<String> names) {
    List<IpFamily> out = new ArrayList<>();
    for (String n : nullToEmpty(names)) {
      out.add("IPv6".equalsIgnoreCase(n) ? IpFamily.IPV6 : IpFamily.IPV4);
    }
    return out;
  }

  private static FamilyPolicy familyPolicy(String name) {
    if (name == null) {
      return FamilyPolicy.SINGLE_STACK;
    }
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "preferdualstack" -> FamilyPolicy.PREFER_DUAL_STACK;
      case "requiredualstack" -> FamilyPolicy.REQUIRE_DUAL_STACK;
      default -> FamilyPolicy.SINGLE_STACK;
    };
  }

  static <T> List<T> nullToEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }
}
