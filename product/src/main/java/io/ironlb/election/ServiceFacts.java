package io.ironlb.election;

import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.util.List;
import java.util.Map;

/**
 * A LoadBalancer Service that has addresses, as a speaker sees it.
 *
 * @param ips IPv4 first
 * @param pool the pool the addresses came from (null when unknown: nobody announces)
 */
public record ServiceFacts(
    ServiceKey key,
    List<Vip> ips,
    String pool,
    Map<String, String> labels,
    boolean localTrafficPolicy,
    List<EndpointFacts> endpoints) {

  public ServiceFacts {
    if (ips.isEmpty()) {
      throw new IllegalArgumentException("a service without an address has no facts: " + key);
    }
    ips = List.copyOf(ips);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    endpoints = List.copyOf(endpoints);
  }

  public ServiceFacts withEndpoints(List<EndpointFacts> newEndpoints) {
    return new ServiceFacts(key, ips, pool, labels, localTrafficPolicy, newEndpoints);
  }
}
