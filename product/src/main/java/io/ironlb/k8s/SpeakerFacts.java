package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.EndpointFacts;
import io.ironlb.election.NodeFacts;
import io.ironlb.election.PreferredNodeSelector;
import io.ironlb.election.ServiceFacts;
import io.ironlb.model.Vip;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Reduces the Kubernetes objects a speaker watches to the election's pure facts. */
public final class SpeakerFacts {
  /** The label every EndpointSlice carries to name its Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  private SpeakerFacts() {}

  /** Null when the service has no address to announce. */
  public static ServiceFacts service(Service s, List<EndpointSlice> slices) {
    List<InetAddress> ips = new ArrayList<>(ServiceTranslation.currentIps(s));
    if (ips.isEmpty()) {
      return null;
    }
    ips.sort(Comparator.comparing((InetAddress a) -> a instanceof Inet4Address ? 0 : 1));
    Map<String, String> annotations = s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
    List<EndpointFacts> endpoints = new ArrayList<>();
    for (EndpointSlice slice : slices) {
      for (Endpoint e : ServiceTranslation.nullToEmpty(slice.getEndpoints())) {
        endpoints.add(new EndpointFacts(e.getNodeName(), serving(e)));
      }
    }
    return new ServiceFacts(
        ServiceTranslation.key(s),
        ips.stream().map(Vip::of).toList(),
        annotations.get(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL),
        s.getMetadata().getLabels(),
        "Local".equalsIgnoreCase(s.getSpec().getExternalTrafficPolicy()),
        endpoints);
  }

  /**
   * MetalLB's rule ({@code epslices.EndpointCanServe}): ready (a missing {@code ready} means ready)
   * or serving; {@code terminating} plays no part, so a terminating endpoint that still serves counts.
   */
  static boolean serving(Endpoint e) {
    var c = e.getConditions();
    if (c == null || c.getReady() == null || c.getReady()) {
      return true;
    }
    return c.getReady() == null || c.getReady() || Boolean.TRUE.equals(c.getServing());
  }

  /** A node whose exclude label, if it carries one, is honoured. */
  public static NodeFacts node(Node n) {
    return node(n, false);
  }

  /**
   * @param ignoreExcludeLabel {@code --ignore-exclude-lb}: the node stays a candidate even when it
   *     carries {@link NodeFacts#EXCLUDE_LABEL} (NetworkUnavailable still excludes it)
   */
  public static NodeFacts node(Node n, boolean ignoreExcludeLabel) {
    boolean networkUnavailable = false;
    if (n.getStatus() != null) {
      for (NodeCondition c : ServiceTranslation.nullToEmpty(n.getStatus().getConditions())) {
        if ("NetworkUnavailable".equals(c.getType()) && "True".equals(c.getStatus())) {
          networkUnavailable = true;
        }
      }
    }
    Map<String, String> labels = n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
    return new NodeFacts(n.getMetadata().getName(), labels, networkUnavailable,
        !ignoreExcludeLabel && labels.containsKey(NodeFacts.EXCLUDE_LABEL));
  }

  /** Node readiness: the fallback liveness signal when membership cannot form. */
  public static boolean ready(Node n) {
    if (n.getStatus() == null) {
      return false;
    }
    return ServiceTranslation.nullToEmpty(n.getStatus().getConditions()).stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /**
   * Throws IllegalArgumentException naming the field and the value when the advertisement cannot
   * be read (a malformed selector, an empty entry in a list): the caller leaves that one out.
   */
  public static AdvertisementFacts advertisement(L2Advertisement ad) {
    L2AdvertisementSpec spec = ad.getSpec() == null ? new L2AdvertisementSpec(null, null, null, null, null) : ad.getSpec();
    noEmptyEntry(spec.ipAddressPools(), "spec.ipAddressPools");
    noEmptyEntry(spec.interfaces(), "spec.interfaces");
    AdvertisementDuplicates.refuse(spec);
    return new AdvertisementFacts(
        ad.getMetadata().getName(),
        spec.ipAddressPools(),
        PoolTranslation.selectors(spec.ipAddressPoolSelectors(), "spec.ipAddressPoolSelectors"),
        PoolTranslation.selectors(spec.nodeSelectors(), "spec.nodeSelectors"),
        spec.interfaces(),
        PoolTranslation.selectors(spec.serviceSelectors(), "spec.serviceSelectors"),
        preferences(spec.preferredNodeSelectors()));
  }

  /** {@code spec.preferredNodeSelectors}; throws IllegalArgumentException naming the entry, as advertisement() does. */
  private static List<PreferredNodeSelector> preferences(List<L2AdvertisementSpec.PreferredNodeSelector> in) {
    List<L2AdvertisementSpec.PreferredNodeSelector> entries = ServiceTranslation.nullToEmpty(in);
    List<PreferredNodeSelector> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String field = "spec.preferredNodeSelectors[" + i + "]";
      L2AdvertisementSpec.PreferredNodeSelector p = entries.get(i);
      if (p == null) {
        throw new IllegalArgumentException(field + " is null; write {weight, preference} or remove the entry");
      }
      if (p.weight() == null || p.weight() < PreferredNodeSelector.MIN_WEIGHT || p.weight() > PreferredNodeSelector.MAX_WEIGHT) {
        throw new IllegalArgumentException(field + ".weight " + (p.weight() == null ? "is missing" : p.weight() + " is out of range")
            + "; give a weight from " + PreferredNodeSelector.MIN_WEIGHT + " to " + PreferredNodeSelector.MAX_WEIGHT);
      }
      if (p.preference() == null) {
        throw new IllegalArgumentException(field + ".preference is missing; write a node label selector ({} prefers every node)");
      }
      out.add(new PreferredNodeSelector(p.weight(), PoolTranslation.selector(p.preference(), field + ".preference")));
    }
    return out;
  }

  private static void noEmptyEntry(List<String> list, String field) {
    if (list == null) {
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null || list.get(i).isBlank()) {
        throw new IllegalArgumentException(field + "[" + i + "] is empty; remove the entry");
      }
    }
  }
}
