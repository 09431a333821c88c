package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.ironlb.ipam.PoolSpec;
import io.ironlb.model.IpText;
import io.ironlb.model.LabelSelector;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Maps MetalLB custom resources and Kubernetes selectors onto the pure core's types. */
public final class PoolTranslation {
  private PoolTranslation() {}

  public static PoolSpec toSpec(IPAddressPool pool) {
    IPAddressPoolSpec spec = pool.getSpec() == null ? new IPAddressPoolSpec(null, null, null, null) : pool.getSpec();
    var allocation = spec.serviceAllocation();
    return new PoolSpec(
        pool.getMetadata().getName(),
        spec.addresses(),
        spec.autoAssign() == null || spec.autoAssign(),
        Boolean.TRUE.equals(spec.avoidBuggyIPs()),
        allocation == null ? null : allocation.priority(),
        allocation == null ? null : allocation.namespaces(),
        allocation == null ? null : selectors(allocation.namespaceSelectors()),
        allocation == null ? null : selectors(allocation.serviceSelectors()));
  }

  public static List<LabelSelector> selectors(List<io.fabric8.kubernetes.api.model.LabelSelector> in) {
    if (in == null) {
      return List.of();
    }
    List<LabelSelector> out = new ArrayList<>();
    for (var s : in) {
      out.add(selector(s));
    }
    return out;
  }

  public static LabelSelector selector(io.fabric8.kubernetes.api.model.LabelSelector s) {
    List<LabelSelector.Requirement> requirements = new ArrayList<>();
    for (LabelSelectorRequirement r : ServiceTranslation.nullToEmpty(s.getMatchExpressions())) {
      LabelSelector.Operator op = switch (r.getOperator().toLowerCase(Locale.ROOT)) {
        case "in" -> LabelSelector.Operator.IN;
        case "notin" -> LabelSelector.Operator.NOT_IN;
        case "exists" -> LabelSelector.Operator.EXISTS;
        case "doesnotexist" -> LabelSelector.Operator.DOES_NOT_EXIST;
        default -> throw new IllegalArgumentException(
            "label selector operator \"" + r.getOperator() + "\" is not one of In, NotIn, Exists, DoesNotExist");
      };
      requirements.add(new LabelSelector.Requirement(r.getKey(), op, ServiceTranslation.nullToEmpty(r.getValues())));
    }
    Map<String, String> labels = s.getMatchLabels() == null ? Map.of() : s.getMatchLabels();
    return new LabelSelector(labels, requirements);
  }

  /** A node's own addresses (InternalIP and ExternalIP): a pool must never hand them out. */
  public static List<InetAddress> nodeIps(Node node) {
    List<InetAddress> out = new ArrayList<>();
    if (node.getStatus() == null) {
      return out;
    }
    for (NodeAddress a : ServiceTranslation.nullToEmpty(node.getStatus().getAddresses())) {
      if ("InternalIP".equals(a.getType()) || "ExternalIP".equals(a.getType())) {
        IpText.parse(a.getAddress()).ifPresent(out::add);
      }
    }
    return out;
  }
}
