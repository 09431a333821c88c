package io.ironlb.lab;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.k8s.IronLbCrds;
import java.util.ArrayList;
import java.util.List;

/**
 * The CustomResourceDefinitions of the lab's API server: as on a cluster that ran MetalLB and then
 * applied IronLB's {@code deploy/crds} (the README's install). IronLB's own three
 * ({@link IronLbCrds}) come with their schemas, validation rules and status subresources, so
 * {@code ironlb check} and {@code kubectl get crd} see what a user's cluster has. MetalLB's BGP-side
 * CRDs, which IronLB does not ship, keep their names, versions and printer columns with a schema
 * that accepts anything (the mock enforces no schema anyway).
 */
public final class MetalLbCrds {

  public static final String GROUP = "metallb.io";

  private MetalLbCrds() {}

  public static List<CustomResourceDefinition> all() {
    List<CustomResourceDefinition> all = new ArrayList<>(IronLbCrds.all());
    all.addAll(List.of(
        crd("BGPAdvertisement", "bgpadvertisements", "v1beta1", false,
            col("IPAddressPools", "string", ".spec.ipAddressPools", 0), col("Peers", "string", ".spec.peers", 0)),
        crd("BGPPeer", "bgppeers", "v1beta2", false,
            col("Address", "string", ".spec.peerAddress", 0), col("ASN", "string", ".spec.peerASN", 0)),
        crd("BFDProfile", "bfdprofiles", "v1beta1", false),
        crd("Community", "communities", "v1beta1", false)));
    return all;
  }

  public static void register(KubernetesClient client) {
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
