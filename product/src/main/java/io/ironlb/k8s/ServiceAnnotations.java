package io.ironlb.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads MetalLB's service annotations under either prefix. The current {@code metallb.io/} key wins
 * over the deprecated {@code metallb.universe.tf/} one; which deprecated keys were used is reported
 * so the caller can warn about them.
 */
public record ServiceAnnotations(
    String loadBalancerIps, String addressPool, String allowSharedIp, List<String> deprecatedKeysUsed) {

  public static ServiceAnnotations of(Map<String, String> annotations) {
    Map<String, String> a = annotations == null ? Map.of() : annotations;
    List<String> deprecated = new ArrayList<>();
    String ips = read(a, "loadBalancerIPs", deprecated);
    String pool = read(a, "address-pool", deprecated);
    String shared = read(a, "allow-shared-ip", deprecated);
    return new ServiceAnnotations(ips, pool, shared, List.copyOf(deprecated));
  }

  private static String read(Map<String, String> a, String suffix, List<String> deprecated) {
    String current = a.get(MetalLb.CURRENT_PREFIX + suffix);
    if (current != null) {
      return current;
    }
    String old = a.get(MetalLb.DEPRECATED_PREFIX + suffix);
    if (old != null) {
      deprecated.add(MetalLb.DEPRECATED_PREFIX + suffix);
    }
    return old;
  }
}
