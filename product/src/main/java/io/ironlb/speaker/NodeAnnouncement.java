package io.ironlb.speaker;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.Writes;
import io.ironlb.l2.packet.MacAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What a speaker publishes about itself on its Node: its MACs and its membership endpoint. */
final class NodeAnnouncement {
  private NodeAnnouncement() {}

  static void publish(KubernetesClient client, String node, Collection<MacAddress> macs, String membershipAddress) {
    String macList = macs.stream().map(MacAddress::toString).sorted().distinct().collect(Collectors.joining(","));
    Writes.retryOnConflict(() -> client.nodes().withName(node).edit(n -> {
      Map<String, String> a = new LinkedHashMap<>(n.getMetadata().getAnnotations() == null ? Map.of() : n.getMetadata().getAnnotations());
      a.put(IronLb.ANNOTATION_NODE_MACS, macList);
      a.put(IronLb.ANNOTATION_MEMBERSHIP, membershipAddress);
      n.getMetadata().setAnnotations(a);
      return n;
    }));
  }

  static List<MacAddress> macs(Node n) {
    List<MacAddress> out = new ArrayList<>();
    String v = n.getMetadata().getAnnotations() == null ? null : n.getMetadata().getAnnotations().get(IronLb.ANNOTATION_NODE_MACS);
    if (v == null || v.isBlank()) {
      return out;
    }
    for (String part : v.split(",")) {
      try {
        out.add(MacAddress.parse(part.strip()));
      } catch (IllegalArgumentException e) {
        // A hand-edited annotation must not break the speaker; the MAC is just not known as ours.
      }
    }
    return out;
  }

  static String membershipAddress(Node n) {
    return n.getMetadata().getAnnotations() == null ? null : n.getMetadata().getAnnotations().get(IronLb.ANNOTATION_MEMBERSHIP);
  }
}
