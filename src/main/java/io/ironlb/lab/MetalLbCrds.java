package io.ironlb.lab;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/**
 * MetalLB's CustomResourceDefinitions as the lab registers them: names, scope, served versions,
 * status subresources and printer columns as MetalLB v0.14+ declares them, but with a schema that
 * accepts anything (the mock enforces no schema anyway). Registering them makes discovery, tables
 * and {@code kubectl get crd} behave as on a cluster with MetalLB's manifest applied.
 */
final class MetalLbCrds {

  static final String GROUP = "metallb.io";

  private MetalLbCrds() {}

  static List<CustomResourceDefinition> all() {
    return List.of(
        crd("IPAddressPool", "ipaddresspools", "v1beta1", true,
            col("Auto Assign", "boolean", ".spec.autoAssign", 0), col("Avoid Buggy IPs", "boolean", ".spec.avoidBuggyIPs", 0),
            col("Addresses", "string", ".spec.addresses", 10)),
        crd("L2Advertisement", "l2advertisements", "v1beta1", false,
            col("IPAddressPools", "string", ".spec.ipAddressPools", 0),
            col("IPAddressPool Selectors", "string", ".spec.ipAddressPoolSelectors", 0),
            col("Interfaces", "string", ".spec.interfaces", 0), col("Node Selectors", "string", ".spec.nodeSelectors", 10)),
        crd("ServiceL2Status", "servicel2statuses", "v1beta1", true,
            col("Allocated Node", "string", ".status.node", 0), col("Service Name", "string", ".status.serviceName", 0),
            col("Service Namespace", "string", ".status.serviceNamespace", 0)),
        crd("BGPAdvertisement", "bgpadvertisements", "v1beta1", false,
            col("IPAddressPools", "string", ".spec.ipAddressPools", 0), col("Peers", "string", ".spec.peers", 0)),
        crd("BGPPeer", "bgppeers", "v1beta2", false,
            col("Address", "string", ".spec.peerAddress", 0), col("ASN", "string", ".spec.peerASN", 0)),
        crd("BFDProfile", "bfdprofiles", "v1beta1", false),
        crd("Community", "communities", "v1beta1", false));
  }

  static void register(KubernetesClient client) {
    for (CustomResourceDefinition crd : all()) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd).createOr(r -> r.update());
    }
  }

  private static CustomResourceColumnDefinition col(String name, String type, String path, int priority) {
    CustomResourceColumnDefinition c = new CustomResourceColumnDefinition();
    c.setName(name);
    c.setType(type);
    c.setJsonPath(path);
    c.setPriority(priority);
    return c;
  }

  private static CustomResourceDefinition crd(String kind, String plural, String version, boolean status,
                                              CustomResourceColumnDefinition... cols) {
    List<CustomResourceColumnDefinition> columns = new ArrayList<>(List.of(cols));
    columns.add(col("Age", "date", ".metadata.creationTimestamp", 0));
    CustomResourceDefinitionVersionBuilder v = new CustomResourceDefinitionVersionBuilder()
        .withName(version).withServed(true).withStorage(true)
        .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema().endSchema()
        .withAdditionalPrinterColumns(columns);
    if (status) {
      v.withNewSubresources().withNewStatus().endStatus().endSubresources();
    }
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName(plural + "." + GROUP).addToLabels("app", "metallb").endMetadata()
        .withNewSpec().withGroup(GROUP).withScope("Namespaced")
        .withNewNames().withKind(kind).withListKind(kind + "List").withPlural(plural)
        .withSingular(kind.toLowerCase(java.util.Locale.ROOT)).endNames()
        .withVersions(v.build())
        .endSpec().build();
  }
}
