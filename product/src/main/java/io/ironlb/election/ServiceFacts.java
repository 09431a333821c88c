package io.ironlb.election;

import io.ironlb.model.ServiceKey;
import java.util.List;
import java.util.Map;

/**
 * A LoadBalancer Service that has addresses, as a speaker sees it.
 *
 * @param ips canonical text, IPv4 first
 * @param pool the pool the addresses came from (null when unknown: nobody announces)
 */
public record ServiceFacts(
    ServiceKey key,
    List<String> ips,
    String pool,
    Map<String, String> labels,
    boolean localTrafficPolicy,
    List<EndpointFacts> endpoints) {

  public ServiceFacts {
    ips = List.copyOf(ips);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    endpoints = List.copyOf(endpoints);
  }
}
