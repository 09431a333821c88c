package io.ironlb.ipam;

import java.net.Inet4Address;
import java.net.InetAddress;

public enum IpFamily {
  IPV4, IPV6;

  public static IpFamily of(InetAddress a) {
    return a instanceof Inet4Address ? IPV4 : IPV6;
  }

  /** The Kubernetes spelling, as in {@code spec.ipFamilies}: {@code IPv4}, {@code IPv6}. */
  public String kubernetesName() {
    return this == IPV4 ? "IPv4" : "IPv6";
  }

  @Override
  public String toString() {
    return kubernetesName();
  }
}
