package io.ironlb.ipam;

/**
 * Parses the user's address request: the {@code metallb.io/loadBalancerIPs} annotation value
 * (nullable; the controller passes the deprecated {@code metallb.universe.tf/} value here too)
 * and {@code spec.loadBalancerIP} (nullable).
 */
public final class AddressRequest {

  private AddressRequest() {}

  public static AddressRequestResult parse(String loadBalancerIpsAnnotation, String specLoadBalancerIp) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
