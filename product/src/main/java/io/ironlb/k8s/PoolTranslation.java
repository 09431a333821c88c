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
import java.util.Objects;

/** Maps MetalLB custom resources and Kubernetes selectors onto the pure core's types. */
public final class PoolTranslation {
  private PoolTranslation() {}

  /**
   * The pool's spec for {@link io.ironlb.ipam.Pool#parse}. Throws IllegalArgumentException naming
   * the field when a selector cannot be read (an API server with the CRDs' schema refuses those;
   * one without, like the lab's, lets them through).
   */
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
        allocation == null ? null : selectors(allocation.namespaceSelectors(), "spec.serviceAllocation.namespaceSelectors"),
        allocation == null ? null : selectors(allocation.serviceSelectors(), "spec.serviceAllocation.serviceSelectors"),
        allocation != null);
  }

  /**
   * Translates the selectors of the list field {@code field} (e.g. {@code spec.nodeSelectors}).
   * Throws IllegalArgumentException naming the entry and the value when one is malformed, as the
   * API server's own rules would: a missing or unknown operator, a missing key, In/NotIn without
   * values, Exists/DoesNotExist with values, a label without a value.
   */
  public static List<LabelSelector> selectors(List<io.fabric8.kubernetes.api.model.LabelSelector> in, String field) {
    if (in == null) {
      return List.of();
    }
    List<LabelSelector> out = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      out.add(selector(in.get(i), field + "[" + i + "]"));
    }
    return out;
  }

  /** One selector at {@code field}; see {@link #selectors}. */
  public static LabelSelector selector(io.fabric8.kubernetes.api.model.LabelSelector s, String field) {
    if (s == null) {
      throw new IllegalArgumentException(field + " is null; write a selector ({} selects everything) or remove the entry");
    }
    List<LabelSelector.Requirement> requirements = new ArrayList<>();
    List<LabelSelectorRequirement> expressions = ServiceTranslation.nullToEmpty(s.getMatchExpressions());
    for (int i = 0; i < expressions.size(); i++) {
      requirements.add(requirement(expressions.get(i), field + ".matchExpressions[" + i + "]"));
    }
    Map<String, String> labels = s.getMatchLabels() == null ? Map.of() : s.getMatchLabels();
    labels.forEach((k, v) -> {
      if (v == null) {
        throw new IllegalArgumentException(field + ".matchLabels[\"" + k + "\"] has no value; write the label's value (\"\" for an empty one)");
      }
    });
    return new LabelSelector(labels, requirements);
  }

  private static LabelSelector.Requirement requirement(LabelSelectorRequirement r, String field) {
    if (r == null) {
      throw new IllegalArgumentException(field + " is null; write {key, operator, values} or remove the entry");
    }
    if (r.getKey() == null || r.getKey().isBlank()) {
      throw new IllegalArgumentException(field + ".key is missing; name the label the expression tests");
    }
    if (r.getOperator() == null) {
      throw new IllegalArgumentException(field + ".operator is missing; use one of In, NotIn, Exists, DoesNotExist");
    }
    LabelSelector.Operator op = switch (r.getOperator().toLowerCase(Locale.ROOT)) {
      case "in" -> LabelSelector.Operator.IN;
      case "notin" -> LabelSelector.Operator.NOT_IN;
      case "exists" -> LabelSelector.Operator.EXISTS;
      case "doesnotexist" -> LabelSelector.Operator.DOES_NOT_EXIST;
      default -> throw new IllegalArgumentException(
          field + ".operator \"" + r.getOperator() + "\" is not one of In, NotIn, Exists, DoesNotExist");
    };
    List<String> values = ServiceTranslation.nullToEmpty(r.getValues());
    if (values.stream().anyMatch(Objects::isNull)) {
      throw new IllegalArgumentException(field + ".values has an empty entry; remove it");
    }
    boolean needsValues = op == LabelSelector.Operator.IN || op == LabelSelector.Operator.NOT_IN;
    if (needsValues && values.isEmpty()) {
      throw new IllegalArgumentException(field + ": operator " + r.getOperator() + " on key \"" + r.getKey()
          + "\" needs at least one value in values");
    }
    if (!needsValues && !values.isEmpty()) {
      throw new IllegalArgumentException(field + ": operator " + r.getOperator() + " on key \"" + r.getKey()
          + "\" takes no values, but lists " + values);
    }
    return new LabelSelector.Requirement(r.getKey(), op, values);
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
