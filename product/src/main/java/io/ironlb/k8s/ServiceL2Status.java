package io.ironlb.k8s;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/** Written by the speaker that announces a service: which node and interfaces answer for it. */
@Group(MetalLb.GROUP)
@Version(MetalLb.VERSION)
@Kind("ServiceL2Status")
@Plural("servicel2statuses")
public class ServiceL2Status extends CustomResource<Void, ServiceL2Status.Status> implements Namespaced {

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Status(String node, String serviceName, String serviceNamespace, List<Interface> interfaces) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Interface(String name) {}
}
