package io.ironlb.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fields set on an L2Advertisement or an IPAddressPool that IronLB does not act on, by path
 * ({@code spec.fooBar}, {@code spec.nodeSelectors[0].matchFields}), so that none is ignored
 * silently: the speaker (advertisements) and the controller (pools) report them in a Warning event.
 *
 * <p>IronLB reads every field of MetalLB's L2Advertisement and IPAddressPool (v0.16 and main,
 * preferredNodeSelectors included). What remains is what the model does not know: a field from a
 * newer MetalLB, or a typo. An API server with IronLB's CRDs prunes such fields on write (and
 * {@code kubectl apply} warns {@code unknown field}); one that still has MetalLB's CRDs, or no
 * schema at all like the lab's, passes them on, and this names them.
 */
public final class UnsupportedFields {
  /** The reason of the Warning event that names them. */
  public static final String EVENT_REASON = "UnsupportedField";

  private UnsupportedFields() {}

  /** Paths of the unsupported fields set on {@code ad}, in document order; empty when there are none. */
  public static List<String> of(L2Advertisement ad) {
    List<String> out = new ArrayList<>();
    L2AdvertisementSpec spec = ad.getSpec();
    if (spec == null) {
      return out;
    }
    unknown(spec.unknownFields(), "spec", out);
    selectors(spec.ipAddressPoolSelectors(), "spec.ipAddressPoolSelectors", out);
    selectors(spec.nodeSelectors(), "spec.nodeSelectors", out);
    selectors(spec.serviceSelectors(), "spec.serviceSelectors", out);
    List<L2AdvertisementSpec.PreferredNodeSelector> preferred = ServiceTranslation.nullToEmpty(spec.preferredNodeSelectors());
    for (int i = 0; i < preferred.size(); i++) {
      String path = "spec.preferredNodeSelectors[" + i + "]";
      if (preferred.get(i) != null) {
        unknown(preferred.get(i).unknownFields(), path, out);
        selector(preferred.get(i).preference(), path + ".preference", out);
      }
    }
    return List.copyOf(out);
  }

  /** Paths of the unsupported fields set on {@code pool}, in document order; empty when there are none. */
  public static List<String> of(IPAddressPool pool) {
    List<String> out = new ArrayList<>();
    IPAddressPoolSpec spec = pool.getSpec();
    if (spec == null) {
      return out;
    }
    unknown(spec.unknownFields(), "spec", out);
    IPAddressPoolSpec.ServiceAllocation allocation = spec.serviceAllocation();
    if (allocation != null) {
      unknown(allocation.unknownFields(), "spec.serviceAllocation", out);
      selectors(allocation.namespaceSelectors(), "spec.serviceAllocation.namespaceSelectors", out);
      selectors(allocation.serviceSelectors(), "spec.serviceAllocation.serviceSelectors", out);
    }
    return List.copyOf(out);
  }

  /** The event's message: what is ignored, and what to do. */
  public static String message(HasMetadata object, List<String> fields) {
    return object.getKind() + " " + object.getMetadata().getName() + ": IronLB does not support " + String.join(", ", fields)
        + (fields.size() == 1 ? "; it is" : "; they are") + " ignored (remove " + (fields.size() == 1 ? "it" : "them")
        + ", or check the spelling against MetalLB's " + object.getKind() + ")";
  }

  private static void selectors(List<LabelSelector> selectors, String path, List<String> out) {
    List<LabelSelector> all = ServiceTranslation.nullToEmpty(selectors);
    for (int i = 0; i < all.size(); i++) {
      selector(all.get(i), path + "[" + i + "]", out);
    }
  }

  private static void selector(LabelSelector selector, String path, List<String> out) {
    if (selector == null) {
      return;
    }
    unknown(selector.getAdditionalProperties(), path, out);
    List<LabelSelectorRequirement> expressions = ServiceTranslation.nullToEmpty(selector.getMatchExpressions());
    for (int i = 0; i < expressions.size(); i++) {
      if (expressions.get(i) != null) {
        unknown(expressions.get(i).getAdditionalProperties(), path + ".matchExpressions[" + i + "]", out);
      }
    }
  }

  private static void unknown(Map<String, Object> fields, String path, List<String> out) {
    if (fields != null) {
      fields.keySet().forEach(name -> out.add(path + "." + name));
    }
  }
}
