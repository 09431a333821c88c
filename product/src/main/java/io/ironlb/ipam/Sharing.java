package io.ironlb.ipam;

import io.ironlb.model.ServiceKey;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * MetalLB's rules for two services on one IP: both carry the same {@code allow-shared-ip} key,
 * they use no (protocol, port) pair in common, and they have the same "backend key": both
 * {@code externalTrafficPolicy: Cluster}, or both {@code Local} with identical pod selectors
 * (a Local service is announced from nodes with its endpoints, so sharers must have the same ones).
 */
final class Sharing {

  private Sharing() {}

  static String backendKey(TrafficPolicy policy, Map<String, String> selector) {
    if (policy == TrafficPolicy.CLUSTER) {
      return "Cluster";
    }
    return "Local:" + selectorText(selector);
  }

  static String selectorText(Map<String, String> selector) {
    if (selector.isEmpty()) {
      return "(none)";
    }
    return new TreeMap<>(selector).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }

  /** What a service holds on an IP and asks of it, as far as sharing is concerned. */
  record Claim(ServiceKey key, String sharingKey, String backendKey, List<ServicePort> ports, TrafficPolicy policy,
      Map<String, String> selector) {}

  /**
   * Why {@code newcomer} may not join {@code holder} (one of the services already on {@code ip},
   * which all agree on keys) given the ports already used there, or null.
   * Texts carry MetalLB's own phrases (e.g. "port TCP/80 is already in use") so that searches for
   * them still find an answer.
   */
  static String conflict(String ip, Claim holder, Map<ServicePort, ServiceKey> portsInUse, Claim newcomer) {
    String who = holder.key().toString();
    String me = newcomer.key().toString();
    if (holder.sharingKey() == null) {
      return "IP " + ip + " is in use by " + who + ", which does not allow sharing (existing service does not allow"
          + " sharing); to share it, give both services the same metallb.io/allow-shared-ip key";
    }
    if (newcomer.sharingKey() == null) {
      return "IP " + ip + " is in use by " + who + " (sharing key \"" + holder.sharingKey() + "\"), but " + me
          + " does not allow sharing (new service does not allow sharing); to share it, annotate " + me
          + " with metallb.io/allow-shared-ip: \"" + holder.sharingKey() + "\"";
    }
    if (!holder.sharingKey().equals(newcomer.sharingKey())) {
      return "IP " + ip + " is in use by " + who + ": sharing key \"" + newcomer.sharingKey()
          + "\" does not match existing sharing key \"" + holder.sharingKey() + "\"";
    }
    if (!holder.backendKey().equals(newcomer.backendKey())) {
      if (holder.policy() != newcomer.policy()) {
        return "IP " + ip + " is in use by " + who + " with externalTrafficPolicy " + policyName(holder.policy())
            + ", but " + me + " has " + policyName(newcomer.policy())
            + "; services share an IP only with the same externalTrafficPolicy";
      }
      return "IP " + ip + " is in use by " + who + " with externalTrafficPolicy Local and pod selector "
          + selectorText(holder.selector()) + ", but " + me + " selects " + selectorText(newcomer.selector())
          + "; Local services share an IP only with identical selectors";
    }
    for (ServicePort p : newcomer.ports()) {
      ServiceKey user = portsInUse.get(p);
      if (user != null && !user.equals(newcomer.key())) {
        return "port " + p + " is already in use on " + ip + " by " + user
            + "; services sharing an IP need distinct protocol/port pairs";
      }
    }
    return null;
  }

  /** The same decision as {@link #conflict} without building a message, for scans over many addresses. */
  static boolean compatible(Claim holder, Map<ServicePort, ServiceKey> portsInUse, Claim newcomer) {
    if (holder.sharingKey() == null || !holder.sharingKey().equals(newcomer.sharingKey())
        || !holder.backendKey().equals(newcomer.backendKey())) {
      return false;
    }
    for (ServicePort p : newcomer.ports()) {
      ServiceKey user = portsInUse.get(p);
      if (user != null && !user.equals(newcomer.key())) {
        return false;
      }
    }
    return true;
  }

  static String policyName(TrafficPolicy p) {
    return p == TrafficPolicy.CLUSTER ? "Cluster" : "Local";
  }
}
