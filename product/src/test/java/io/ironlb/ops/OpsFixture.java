package io.ironlb.ops;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.k8s.ConfigurationState;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IPAddressPoolSpec;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.L2AdvertisementSpec;
import io.ironlb.testing.MockCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A small healthy cluster on the mock API server, and the pieces the status and check tests change. */
final class OpsFixture {
  static final String NS = MockCluster.CONFIG_NAMESPACE;

  private OpsFixture() {}

  /** One Linux node with a running speaker, the seed's pool and advertisement, kube-proxy in IPVS mode with strictARP. */
  static void healthy(MockCluster c) {
    node(c, "spark-2959", "192.168.86.11", Map.of("kubernetes.io/os", "linux"), "02:00:00:00:00:11");
    interfaces(c, "spark-2959", HEALTHY_INTERFACES);
    speaker(c, "spark-2959", "ghcr.io/example/ironlb:0.1.0", "Running", true, null);
    c.pool("lan-pool", "192.168.86.200-192.168.86.220");
    advertisement(c, "lan-advertisement", List.of("lan-pool"), null);
    kubeProxy(c, "mode: ipvs\nipvs:\n  strictARP: true\n");
    configurationState(c, "controller", "Valid", null);
  }

  /** A process's ConfigurationState as ConfigurationStateReporter writes it: the object, then its status. */
  /** The seed's control plane as its speaker publishes it: the LAN link and the 200G internal link. */
  static final String HEALTHY_INTERFACES = "enP7s7 192.168.86.11/24, enp1s0f0np0 10.10.10.11/24";

  /** Replaces the {@code ironlb.io/interfaces} annotation a speaker published on the node. */
  static void interfaces(MockCluster c, String node, String value) {
    c.client().nodes().withName(node).edit(n -> {
      Map<String, String> a = new java.util.LinkedHashMap<>(n.getMetadata().getAnnotations() == null ? Map.of()
          : n.getMetadata().getAnnotations());
      a.put(IronLb.ANNOTATION_NODE_INTERFACES, value);
      n.getMetadata().setAnnotations(a);
      return n;
    });
  }

  /** An advertisement of the pools on the nodes its selector picks, on {@code interfaces} (null: by subnet). */
  static void advertisementOnNodes(MockCluster c, String name, List<String> pools, Map<String, String> nodeLabels,
      List<String> interfaces) {
    L2Advertisement ad = new L2Advertisement();
    ad.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    ad.setSpec(new L2AdvertisementSpec(pools, null, List.of(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
        .withMatchLabels(nodeLabels).build()), interfaces, null));
    c.client().resources(L2Advertisement.class).inNamespace(NS).resource(ad).create();
  }

  static void configurationState(MockCluster c, String name, String result, String errorSummary) {
    ConfigurationState o = new ConfigurationState();
    o.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    var resource = c.client().resources(ConfigurationState.class).inNamespace(NS);
    if (resource.withName(name).get() == null) {
      resource.resource(o).create();
    }
    resource.withName(name).editStatus(x -> {
      x.setStatus(new ConfigurationState.Status(result, errorSummary, null));
      return x;
    });
  }

  static void node(MockCluster c, String name, String ip, Map<String, String> labels, String macs) {
    c.client().nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels)
        .withAnnotations(macs == null ? Map.of() : Map.of(IronLb.ANNOTATION_NODE_MACS, macs,
            IronLb.ANNOTATION_MEMBERSHIP, ip + ":7946")).endMetadata()
        .withNewStatus().addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus().build()).create();
  }

  /** A speaker pod on a node; {@code waiting} is a container waiting reason such as CrashLoopBackOff. */
  static Pod speaker(MockCluster c, String node, String image, String phase, boolean ready, String waiting) {
    return c.client().pods().inNamespace(NS).resource(new PodBuilder()
        .withNewMetadata().withName("ironlb-speaker-" + node).withNamespace(NS)
        .withLabels(Map.of("app.kubernetes.io/name", "ironlb", "component", "speaker")).endMetadata()
        .withNewSpec().withNodeName(node).addNewContainer().withName("speaker").withImage(image).endContainer().endSpec()
        .withNewStatus().withPhase(phase).addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
        .addNewContainerStatus().withName("speaker").withReady(ready).withNewState()
        .withWaiting(waiting == null ? null : new io.fabric8.kubernetes.api.model.ContainerStateWaitingBuilder().withReason(waiting).build())
        .endState().endContainerStatus().endStatus()
        .build()).create();
  }

  static Pod metallbPod(MockCluster c, String name, String component, String node) {
    return c.client().pods().inNamespace(NS).resource(new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).withLabels(Map.of("app", "metallb", "component", component)).endMetadata()
        .withNewSpec().withNodeName(node).addNewContainer().withName(component).withImage("quay.io/metallb/" + component + ":v0.13.12")
        .endContainer().endSpec().withNewStatus().withPhase("Running").endStatus().build()).create();
  }

  static void advertisement(MockCluster c, String name, List<String> pools, List<String> interfaces) {
    L2Advertisement ad = new L2Advertisement();
    ad.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    ad.setSpec(new L2AdvertisementSpec(pools, null, null, interfaces, null));
    c.client().resources(L2Advertisement.class).inNamespace(NS).resource(ad).create();
  }

  static void labelledPool(MockCluster c, String name, Map<String, String> labels, String... addresses) {
    IPAddressPool pool = new IPAddressPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withLabels(labels).build());
    pool.setSpec(new IPAddressPoolSpec(List.of(addresses), null, null, null));
    c.client().resources(IPAddressPool.class).inNamespace(NS).resource(pool).create();
  }

  static void deleteAll(MockCluster c, Class<? extends io.fabric8.kubernetes.api.model.HasMetadata> kind) {
    c.client().resources(kind).inNamespace(NS).delete();
  }

  static void kubeProxy(MockCluster c, String configConf) {
    c.client().configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata().withName("kube-proxy")
        .withNamespace("kube-system").endMetadata().withData(Map.of("config.conf", configConf)).build()).createOr(r -> r.update());
  }

  static void event(MockCluster c, String namespace, String service, String type, String reason, String message, Instant at) {
    c.client().v1().events().inNamespace(namespace).resource(new EventBuilder()
        .withNewMetadata().withName(service + "." + reason.toLowerCase() + at.toEpochMilli()).withNamespace(namespace).endMetadata()
        .withNewInvolvedObject().withKind("Service").withApiVersion("v1").withNamespace(namespace).withName(service).endInvolvedObject()
        .withType(type).withReason(reason).withMessage(message).withLastTimestamp(at.toString()).withFirstTimestamp(at.toString())
        .build()).create();
  }

  /** A kubeconfig file for the mock server, as a user's ~/.kube/config would point at a cluster. */
  static Path kubeconfig(MockCluster c, Path dir) throws IOException {
    KubernetesClient client = c.client();
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster:
            server: %s
        contexts:
        - name: mock
          context: {cluster: mock, user: me, namespace: default}
        current-context: mock
        users:
        - name: me
          user: {token: secret}
        """.formatted(client.getMasterUrl().toString().replaceAll("/$", "")));
    return file;
  }
}
