package io.ironlb.k8s;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IPAddressPoolSpec(
    List<String> addresses, Boolean autoAssign, Boolean avoidBuggyIPs, ServiceAllocation serviceAllocation) {

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ServiceAllocation(
      Integer priority,
      List<String> namespaces,
      List<io.fabric8.kubernetes.api.model.LabelSelector> namespaceSelectors,
      List<io.fabric8.kubernetes.api.model.LabelSelector> serviceSelectors) {}
}
