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
import java.util.Optional;
import java.util.stream.Collectors;

/** Turns a Kubernetes Service into what the pure allocator understands, and reads back its status. */
public final class ServiceTranslation {

  /** Either a request for the allocator or the reason the Service's own fields make one impossible. */
  public sealed interface Result {
    record Request(ServiceRequest request) implements Result {}

    /**
     * The addresses the Service asks for cannot be read ({@code metallb.io/loadBalancerIPs},
     * {@code spec.loadBalancerIP}). {@code rest} is the request without them: MetalLB lets a
     * Service that already holds addresses keep them while its request is unreadable.
     */
    record Invalid(String message, ServiceRequest rest) implements Result {}

    /**
     * {@code ipFamilyPolicy: RequireDualStack} with fewer than two ClusterIPs: MetalLB refuses it
     * (Warning {@code not enough clusterips}) instead of allocating two addresses the cluster cannot route.
     *
     * @param clusterIps the Service's ClusterIPs; empty when the API server assigns none (the
     *     lab's and the tests'), where {@code families} (spec.ipFamilies) is counted instead
     */
    record NotEnoughClusterIps(List<String> clusterIps, List<String> families) implements Result {
      public NotEnoughClusterIps {
        clusterIps = List.copyOf(clusterIps);
        families = List.copyOf(families);
      }

      /** MetalLB's message (Go's %v of the list), plus the families when there are no ClusterIPs. */
      public String message() {
        return "Service requires dual stack but not enough clusterips [" + String.join(" ", clusterIps) + "]"
            + (clusterIps.isEmpty() ? " (no ClusterIPs; spec.ipFamilies lists " + families + ")" : "");
      }
    }
  }

  /**
   * The ingress addresses in a Service's status are not one or two of different families: MetalLB's
   * Warning {@code nolbIPsIPFamily}, after which the addresses are allocated afresh.
   *
   * @param ips the ingress IPs as Go prints them ({@code <nil>} for one that does not parse)
   * @param error MetalLB's {@code IPFamilyForAddresses} error
   */
  public record IngressProblem(List<String> ips, String error) {
    public IngressProblem {
      ips = List.copyOf(ips);
    }

    public String message() {
      return "Failed to retrieve LBIPs IPFamily for " + goQuoted(ips) + ": " + error;
    }
  }

  private ServiceTranslation() {}

  public static ServiceKey key(Service s) {
    return new ServiceKey(s.getMetadata().getNamespace(), s.getMetadata().getName());
  }

  public static Result toRequest(Service s, Map<String, String> namespaceLabels) {
    var annotations = ServiceAnnotations.of(s.getMetadata().getAnnotations());
    var spec = s.getSpec();
    FamilyPolicy policy = familyPolicy(spec.getIpFamilyPolicy());
    if (policy == FamilyPolicy.REQUIRE_DUAL_STACK) {
      List<String> clusterIps = clusterIps(s);
      int count = clusterIps.isEmpty() ? nullToEmpty(spec.getIpFamilies()).size() : clusterIps.size();
      if (count < 2) {
        return new Result.NotEnoughClusterIps(clusterIps, nullToEmpty(spec.getIpFamilies()));
      }
    }
    // Name the key the user wrote: a message about metallb.io/loadBalancerIPs on a Service that
    // only has metallb.universe.tf/loadBalancerIPs sends them looking for an annotation they lack.
    String ipsKey = annotations.deprecatedKeysUsed().contains(MetalLb.DEPRECATED_PREFIX + "loadBalancerIPs")
        ? MetalLb.DEPRECATED_PREFIX + "loadBalancerIPs" : MetalLb.ANNOTATION_LOAD_BALANCER_IPS;
    ServiceRequest request = request(s, namespaceLabels, annotations, policy);
    return switch (AddressRequest.parse(annotations.loadBalancerIps(), spec.getLoadBalancerIP(), ipsKey)) {
      case AddressRequestResult.Ok ok -> new Result.Request(request.withRequestedIps(ok.ips()));
      case AddressRequestResult.Error error -> new Result.Invalid(error.message(), request);
    };
  }

  private static ServiceRequest request(Service s, Map<String, String> namespaceLabels, ServiceAnnotations annotations,
      FamilyPolicy familyPolicy) {
    var spec = s.getSpec();
    List<io.ironlb.ipam.ServicePort> ports = new ArrayList<>();
    for (ServicePort p : nullToEmpty(spec.getPorts())) {
      ports.add(new io.ironlb.ipam.ServicePort(Objects.requireNonNullElse(p.getProtocol(), "TCP"), p.getPort()));
    }
    TrafficPolicy policy = "Local".equalsIgnoreCase(spec.getExternalTrafficPolicy()) ? TrafficPolicy.LOCAL : TrafficPolicy.CLUSTER;
    return new ServiceRequest(
        key(s),
        s.getMetadata().getLabels(),
        namespaceLabels,
        families(spec.getIpFamilies()),
        familyPolicy,
        List.of(),
        annotations.addressPool(),
        annotations.allowSharedIp(),
        ports,
        policy,
        spec.getSelector());
  }

  /** {@code spec.clusterIPs}, else {@code spec.clusterIP}; empty when the API server assigned none. */
  static List<String> clusterIps(Service s) {
    List<String> ips = nullToEmpty(s.getSpec().getClusterIPs()).stream().filter(ip -> ip != null && !ip.isEmpty()).toList();
    if (!ips.isEmpty()) {
      return ips;
    }
    String one = s.getSpec().getClusterIP();
    return one == null || one.isEmpty() ? List.of() : List.of(one);
  }

  /**
   * MetalLB's check of the addresses already in the status (entries with only a hostname are
   * skipped): one address, or two of different families. Empty when they pass or there are none.
   */
  public static Optional<IngressProblem> ingressProblem(Service s) {
    if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null) {
      return Optional.empty();
    }
    List<String> shown = new ArrayList<>();
    List<InetAddress> parsed = new ArrayList<>();
    for (LoadBalancerIngress ingress : nullToEmpty(s.getStatus().getLoadBalancer().getIngress())) {
      if (ingress.getIp() == null || ingress.getIp().isEmpty()) {
        continue;
      }
      Optional<InetAddress> ip = IpText.parse(ingress.getIp());
      shown.add(ip.map(IpText::format).orElse("<nil>"));
      ip.ifPresent(parsed::add);
    }
    if (shown.isEmpty()) {
      return Optional.empty();
    }
    String error = null;
    if (shown.size() > 2) {
      error = "IPFamilyForAddresses: invalid ips length " + shown.size() + " " + goQuoted(shown);
    } else if (parsed.size() != shown.size()) {
      error = "IPFamilyForAddresses: Invalid address " + goQuoted(shown);
    } else if (shown.size() == 2 && IpText.isV6(parsed.get(0)) == IpText.isV6(parsed.get(1))) {
      error = "IPFamilyForAddresses: same address family " + goQuoted(shown);
    }
    return error == null ? Optional.empty() : Optional.of(new IngressProblem(shown, error));
  }

  /** Go's {@code %q} of a string slice: {@code ["a" "b"]}. */
  static String goQuoted(List<String> values) {
    return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(" ", "[", "]"));
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
