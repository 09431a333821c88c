package io.ironlb.speaker;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.k8s.MembershipAddressAnnotation;
import io.ironlb.k8s.NodeInterfacesAnnotation;
import io.ironlb.k8s.NodeMacsAnnotation;
import io.ironlb.k8s.Writes;
import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a speaker publishes about itself on its Node: its interfaces' MACs, its interfaces as
 * {@code ironlb check} needs them, and its membership endpoint.
 */
final class NodeAnnouncement {
  private NodeAnnouncement() {}

  static void publish(KubernetesClient client, String node, Collection<NodeMacsAnnotation.InterfaceMac> macs,
      List<NodeInterfacesAnnotation.PublishedInterface> interfaces, InetAddress membershipIp, int membershipPort) {
    Writes.retryOnConflict(() -> client.nodes().withName(node).edit(n -> {
      Map<String, String> a = new LinkedHashMap<>(n.getMetadata().getAnnotations() == null ? Map.of() : n.getMetadata().getAnnotations());
      a.put(NodeMacsAnnotation.KEY, NodeMacsAnnotation.format(macs));
      a.put(NodeInterfacesAnnotation.KEY, NodeInterfacesAnnotation.format(interfaces));
      a.put(MembershipAddressAnnotation.KEY, MembershipAddressAnnotation.format(membershipIp, membershipPort));
      n.getMetadata().setAnnotations(a);
      return n;
    }));
  }
}
