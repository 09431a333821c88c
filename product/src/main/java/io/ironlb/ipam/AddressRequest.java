package io.ironlb.ipam;

import io.ironlb.model.IpText;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Parses the user's address request: the {@code metallb.io/loadBalancerIPs} annotation value
 * (nullable) and {@code spec.loadBalancerIP} (nullable). Never resolves host names.
 */
public final class AddressRequest {

  public static final String ANNOTATION = "metallb.io/loadBalancerIPs";

  private AddressRequest() {}

  public static AddressRequestResult parse(String loadBalancerIpsAnnotation, String specLoadBalancerIp) {
    return parse(loadBalancerIpsAnnotation, specLoadBalancerIp, ANNOTATION);
  }

  /**
   * As {@link #parse(String, String)}, naming {@code annotationKey} in messages (the controller
   * passes {@code metallb.universe.tf/loadBalancerIPs} when the value came from the deprecated key).
   */
  public static AddressRequestResult parse(String loadBalancerIpsAnnotation, String specLoadBalancerIp, String annotationKey) {
    boolean hasAnnotation = loadBalancerIpsAnnotation != null && !loadBalancerIpsAnnotation.isBlank();
    boolean hasSpec = specLoadBalancerIp != null && !specLoadBalancerIp.isBlank();
    if (hasAnnotation && hasSpec) {
      return new AddressRequestResult.Error("service sets both " + annotationKey + " (\"" + loadBalancerIpsAnnotation
          + "\") and spec.loadBalancerIP (\"" + specLoadBalancerIp + "\"); remove one of them"
          + " (spec.loadBalancerIP is deprecated, keep the annotation)");
    }
    if (hasSpec) {
      Optional<InetAddress> ip = IpText.parse(specLoadBalancerIp);
      if (ip.isEmpty()) {
        return new AddressRequestResult.Error("spec.loadBalancerIP: \"" + specLoadBalancerIp
            + "\" is not an IP address; write one IPv4 or IPv6 address, or remove the field");
      }
      return new AddressRequestResult.Ok(List.of(ip.get()));
    }
    if (!hasAnnotation) {
      return new AddressRequestResult.Ok(List.of());
    }
    String[] parts = loadBalancerIpsAnnotation.split(",", -1);
    if (parts.length > 2) {
      return new AddressRequestResult.Error(annotationKey + ": \"" + loadBalancerIpsAnnotation + "\" lists "
          + parts.length + " addresses; give at most two, one IPv4 and one IPv6");
    }
    List<InetAddress> ips = new ArrayList<>(2);
    for (String part : parts) {
      Optional<InetAddress> ip = IpText.parse(part);
      if (ip.isEmpty()) {
        return new AddressRequestResult.Error(annotationKey + ": \"" + part.strip()
            + "\" is not an IP address; write one IPv4 and/or one IPv6 address, comma-separated");
      }
      ips.add(ip.get());
    }
    if (ips.size() == 2 && IpFamily.of(ips.get(0)) == IpFamily.of(ips.get(1))) {
      return new AddressRequestResult.Error(annotationKey + ": \"" + loadBalancerIpsAnnotation + "\" lists two "
          + IpFamily.of(ips.get(0)) + " addresses; give at most one per family (one IPv4 and one IPv6)");
    }
    ips.sort(Comparator.comparing(IpFamily::of));
    return new AddressRequestResult.Ok(ips);
  }
}
