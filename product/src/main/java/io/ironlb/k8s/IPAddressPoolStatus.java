package io.ironlb.k8s;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** MetalLB's counters, plus conditions where IronLB says why a pool is out of service. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IPAddressPoolStatus(
    Long assignedIPv4, Long assignedIPv6, Long availableIPv4, Long availableIPv6, List<Condition> conditions) {}
