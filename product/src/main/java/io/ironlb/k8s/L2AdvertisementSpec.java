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
 * {@code L2Advertisement.spec} as MetalLB defines it.
 *
 * @param unknownFields fields this model does not know, kept so that {@link UnsupportedFields} can
 *     name them instead of dropping them silently (an API server with IronLB's CRDs prunes them
 *     already; one with MetalLB's or no schema passes them on)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record L2AdvertisementSpec(
    List<String> ipAddressPools,
    List<LabelSelector> ipAddressPoolSelectors,
    List<LabelSelector> nodeSelectors,
    List<String> interfaces,
    List<LabelSelector> serviceSelectors,
    List<PreferredNodeSelector> preferredNodeSelectors,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> unknownFields) {

  // A field set to null is still a field set: no Map.copyOf, which refuses null values.
  public L2AdvertisementSpec {
    unknownFields = unknownFields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(unknownFields));
  }

  public L2AdvertisementSpec(List<String> ipAddressPools, List<LabelSelector> ipAddressPoolSelectors, List<LabelSelector> nodeSelectors,
      List<String> interfaces, List<LabelSelector> serviceSelectors) {
    this(ipAddressPools, ipAddressPoolSelectors, nodeSelectors, interfaces, serviceSelectors, null, null);
  }

  public L2AdvertisementSpec(List<String> ipAddressPools, List<LabelSelector> ipAddressPoolSelectors, List<LabelSelector> nodeSelectors,
      List<String> interfaces, List<LabelSelector> serviceSelectors, List<PreferredNodeSelector> preferredNodeSelectors) {
    this(ipAddressPools, ipAddressPoolSelectors, nodeSelectors, interfaces, serviceSelectors, preferredNodeSelectors, null);
  }

  /** A {@code preferredNodeSelectors} entry: nodes {@code preference} matches score {@code weight} (1-100). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PreferredNodeSelector(Integer weight, LabelSelector preference,
      @JsonAnySetter @JsonAnyGetter Map<String, Object> unknownFields) {
    public PreferredNodeSelector {
      unknownFields = unknownFields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(unknownFields));
    }

    public PreferredNodeSelector(Integer weight, LabelSelector preference) {
      this(weight, preference, null);
    }
  }
}
