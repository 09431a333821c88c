package io.ironlb.k8s;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code IPAddressPool.spec} as MetalLB defines it.
 *
 * @param unknownFields fields this model does not know, kept for {@link UnsupportedFields} (see
 *     {@link L2AdvertisementSpec})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IPAddressPoolSpec(
    List<String> addresses, Boolean autoAssign, Boolean avoidBuggyIPs, ServiceAllocation serviceAllocation,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> unknownFields) {

  public IPAddressPoolSpec {
    unknownFields = unknownFields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(unknownFields));
  }

  public IPAddressPoolSpec(List<String> addresses, Boolean autoAssign, Boolean avoidBuggyIPs, ServiceAllocation serviceAllocation) {
    this(addresses, autoAssign, avoidBuggyIPs, serviceAllocation, null);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ServiceAllocation(
      Integer priority,
      List<String> namespaces,
      List<LabelSelector> namespaceSelectors,
      List<LabelSelector> serviceSelectors,
      @JsonAnySetter @JsonAnyGetter Map<String, Object> unknownFields) {

    public ServiceAllocation {
      unknownFields = unknownFields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(unknownFields));
    }

    public ServiceAllocation(Integer priority, List<String> namespaces, List<LabelSelector> namespaceSelectors,
        List<LabelSelector> serviceSelectors) {
      this(priority, namespaces, namespaceSelectors, serviceSelectors, null);
    }
  }
}
