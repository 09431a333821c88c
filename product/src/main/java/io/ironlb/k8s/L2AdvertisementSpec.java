package io.ironlb.k8s;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record L2AdvertisementSpec(
    List<String> ipAddressPools,
    List<LabelSelector> ipAddressPoolSelectors,
    List<LabelSelector> nodeSelectors,
    List<String> interfaces,
    List<LabelSelector> serviceSelectors) {}
