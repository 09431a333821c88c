package io.ironlb.k8s;

import io.ironlb.model.SelectorDuplicates;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The duplicates MetalLB refuses in an L2Advertisement (config.go: {@code duplicate definition of
 * ipAddressPools "pool1"}, and of each selector list), for an API server without the CRDs' schema
 * (the lab's): the speaker then leaves the advertisement out, or keeps its last valid version.
 */
final class AdvertisementDuplicates {
  private AdvertisementDuplicates() {}

  /** Throws IllegalArgumentException naming the field and the duplicate, if there is one. */
  static void refuse(L2AdvertisementSpec spec) {
    List<String> pools = spec.ipAddressPools() == null ? List.of() : spec.ipAddressPools();
    Map<String, Integer> first = new HashMap<>();
    for (int i = 0; i < pools.size(); i++) {
      Integer before = first.putIfAbsent(pools.get(i), i);
      if (before != null) {
        throw new IllegalArgumentException("spec.ipAddressPools[" + i + "]: duplicate definition of ipAddressPools \""
            + pools.get(i) + "\" (the same as spec.ipAddressPools[" + before + "]); list each pool once");
      }
    }
    check(spec.ipAddressPoolSelectors(), "spec.ipAddressPoolSelectors");
    check(spec.nodeSelectors(), "spec.nodeSelectors");
    check(spec.serviceSelectors(), "spec.serviceSelectors");
  }

  private static void check(List<io.fabric8.kubernetes.api.model.LabelSelector> selectors, String field) {
    SelectorDuplicates.find(PoolTranslation.selectors(selectors, field)).ifPresent(d -> {
      throw new IllegalArgumentException(d.describe(field));
    });
  }
}
