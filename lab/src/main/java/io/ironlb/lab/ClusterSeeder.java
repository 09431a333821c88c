package io.ironlb.lab;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Registers the seed's cluster in the lab's API server: namespaces, Nodes (labels, InternalIP =
 * LAN address, Ready), the MetalLB pods (a speaker per node, the controller), the memberlist
 * Secret, the apps' Pods, Services and EndpointSlices, and the seed's pool and advertisement.
 */
public final class ClusterSeeder {

  public static final String METALLB_NS = "metallb-system";
  public static final String APP_NS = "default";
  public static final String KUBELET_VERSION = "v1." + Discovery.KUBE_VERSION_MINOR + ".0";

  /** An app the lab deploys: a name, the node its pod runs on, and whether its Service is dual-stack. */
  public record App(String name, String node, boolean dualStack) {}

  private ClusterSeeder() {}

  /** openwebui on the worker (dual-stack, as the seed's user would want from a Mac), ollama on the control plane. */
  public static List<App> apps(LabLayout layout) {
    String worker = layout.nodes().size() > 1 ? layout.nodes().get(1).name() : layout.nodes().getFirst().name();
    return List.of(new App("openwebui", worker, true), new App("ollama", layout.nodes().getFirst().name(), false));
  }

  public static void namespacesAndNodes(KubernetesClient c, LabLayout layout) {
    for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease", METALLB_NS)) {
      apply(c, new NamespaceBuilder().withNewMetadata().withName(ns).addToLabels("kubernetes.io/metadata.name", ns)
          .endMetadata().withNewStatus().withPhase("Active").endStatus().build());
    }
    String now = Instant.now().toString();
    for (LabLayout.Node n : layout.nodes()) {
      Map<String, String> labels = new LinkedHashMap<>();
      labels.put("beta.kubernetes.io/arch", "arm64");
      labels.put("beta.kubernetes.io/os", "linux");
      labels.put("kubernetes.io/arch", "arm64");
      labels.put("kubernetes.io/hostname", n.name());
      labels.put("kubernetes.io/os", "linux");
      if (n.controlPlane()) {
        // Without kubeadm's exclude-from-external-load-balancers label: the seed's control plane runs
        // Ollama and its speaker may announce, as in the seed's cluster.
        labels.put("node-role.kubernetes.io/control-plane", "");
      }
      apply(c, new NodeBuilder().withNewMetadata().withName(n.name()).withLabels(labels)
          .addToAnnotations("lab.ironlb.io/namespace", n.namespace()).endMetadata()
          .withNewSpec().withPodCIDR(n.internal4().replaceAll("\\.\\d+$", ".0") + "/24").endSpec()
          .withNewStatus()
          .addNewAddress().withType("InternalIP").withAddress(n.lan4()).endAddress()
          .addNewAddress().withType("InternalIP").withAddress(n.lan6()).endAddress()
          .addNewAddress().withType("Hostname").withAddress(n.name()).endAddress()
          .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
          .withMessage("kubelet is posting ready status").withLastTransitionTime(now).withLastHeartbeatTime(now).endCondition()
          .addNewCondition().withType("NetworkUnavailable").withStatus("False").withReason("LabNetworkReady")
          .withLastTransitionTime(now).endCondition()
          .withNewNodeInfo().withKubeletVersion(KUBELET_VERSION).withKubeProxyVersion(KUBELET_VERSION)
          .withOsImage("IronLB lab (network namespace)").withOperatingSystem("linux").withArchitecture("arm64")
          .withKernelVersion(System.getProperty("os.version")).withContainerRuntimeVersion("lab://1.0")
          .withMachineID("").withSystemUUID("").withBootID("").endNodeInfo()
          .endStatus().build());
      // The kubelet's heartbeat, which `kubectl describe node` shows.
      apply(c, new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata().withName(n.name())
          .withNamespace("kube-node-lease").endMetadata().withNewSpec().withHolderIdentity(n.name())
          .withLeaseDurationSeconds(40).withRenewTime(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)).endSpec().build());
    }
  }

  public static void metallb(KubernetesClient c, LabLayout layout, LabState state) {
    // As MetalLB's install does it: a random base64 text, stored (base64 again) as the Secret's data.
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    apply(c, new SecretBuilder().withNewMetadata().withName("memberlist").withNamespace(METALLB_NS).endMetadata()
        .addToData("secretkey", Base64.getEncoder().encodeToString(Base64.getEncoder().encode(key))).build());
    for (LabLayout.Node n : layout.nodes()) {
      apply(c, pod(METALLB_NS, "speaker-" + n.name(), n.name(), Map.of("app", "metallb", "component", "speaker"),
          "speaker", List.of(n.lan4(), n.lan6()), true, state.log("speaker " + n.name()), true, null));
    }
    String cp = layout.nodes().getFirst().name();
    apply(c, pod(METALLB_NS, "controller-" + cp, cp, Map.of("app", "metallb", "component", "controller"),
        "controller", List.of(layout.nodes().getFirst().internal4()), false, state.log("controller"), true, null));
  }

  public static void apps(KubernetesClient c, LabLayout layout, LabState state) {
    for (App app : apps(layout)) {
      LabLayout.Node n = layout.node(app.node()).orElseThrow();
      Map<String, String> sel = Map.of("app", app.name());
      String podName = app.name() + "-0";
      Pod pod = apply(c, pod(APP_NS, podName, n.name(), sel, app.name(), List.of(n.internal4(), n.internal6()), false,
          state.log("app " + app.name()), true, null));
      ServiceBuilder svc = new ServiceBuilder().withNewMetadata().withName(app.name()).withNamespace(APP_NS)
          .addToLabels("app", app.name()).endMetadata()
          .withNewSpec().withType("LoadBalancer").withSelector(sel).withExternalTrafficPolicy("Cluster")
          .withSessionAffinity("None").withAllocateLoadBalancerNodePorts(false)
          .withIpFamilyPolicy(app.dualStack() ? "PreferDualStack" : "SingleStack")
          .withIpFamilies(app.dualStack() ? List.of("IPv4", "IPv6") : List.of("IPv4"))
          .addNewPort().withName("http").withProtocol("TCP").withPort(80).withTargetPort(new IntOrString(LabLayout.APP_PORT)).endPort()
          .endSpec();
      apply(c, svc.build());
      List<String[]> families = new ArrayList<>();
      families.add(new String[] {"IPv4", n.internal4(), "ipv4"});
      if (app.dualStack()) {
        families.add(new String[] {"IPv6", n.internal6(), "ipv6"});
      }
      for (String[] f : families) {
        apply(c, new EndpointSliceBuilder().withNewMetadata().withName(app.name() + "-" + f[2]).withNamespace(APP_NS)
            .addToLabels("kubernetes.io/service-name", app.name())
            .addToLabels("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io").endMetadata()
            .withAddressType(f[0])
            .addNewEndpoint().withAddresses(f[1]).withNodeName(n.name())
            .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions()
            .withNewTargetRef().withKind("Pod").withNamespace(APP_NS).withName(podName)
            .withUid(pod.getMetadata().getUid()).endTargetRef()
            .endEndpoint()
            .addNewPort().withName("http").withProtocol("TCP").withPort(LabLayout.APP_PORT).endPort()
            .build());
      }
      apply(c, new EndpointsBuilder().withNewMetadata().withName(app.name()).withNamespace(APP_NS).endMetadata()
          .addNewSubset().addNewAddress().withIp(n.internal4()).withNodeName(n.name()).endAddress()
          .addNewPort().withName("http").withPort(LabLayout.APP_PORT).withProtocol("TCP").endPort().endSubset().build());
    }
  }

  /**
   * The seed's pool and advertisement, with the lab's LAN addresses plus an IPv6 range. They carry
   * kubectl's last-applied annotation, as if applied with {@code kubectl apply}, so a later
   * {@code kubectl apply -f metallb-config.yaml} merges without a warning.
   */
  public static List<GenericKubernetesResource> pool(LabLayout layout) {
    return List.of(
        applied("IPAddressPool", "lan-pool", Json.obj("addresses", List.of(layout.poolRange4(), layout.poolRange6()), "autoAssign", true)),
        applied("L2Advertisement", "lan-advertisement", Json.obj("ipAddressPools", List.of("lan-pool"))));
  }

  private static GenericKubernetesResource applied(String kind, String name, Map<String, Object> spec) {
    String lastApplied = Json.write(Json.obj("apiVersion", "metallb.io/v1beta1", "kind", kind,
        "metadata", Json.obj("annotations", Json.obj(), "name", name, "namespace", METALLB_NS), "spec", spec));
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("metallb.io/v1beta1").withKind(kind)
        .withNewMetadata().withName(name).withNamespace(METALLB_NS)
        .addToAnnotations("kubectl.kubernetes.io/last-applied-configuration", lastApplied).endMetadata()
        .addToAdditionalProperties("spec", spec)
        .build();
  }

  /** The seed's metallb-config.yaml, with the lab's addresses: what a user would {@code kubectl apply}. */
  public static String poolYaml(LabLayout layout) {
    return """
        apiVersion: metallb.io/v1beta1
        kind: IPAddressPool
        metadata:
          name: lan-pool
          namespace: metallb-system
        spec:
          addresses:
          - %s  # Safe range
          - %s
          autoAssign: true
        ---
        apiVersion: metallb.io/v1beta1
        kind: L2Advertisement
        metadata:
          name: lan-advertisement
          namespace: metallb-system
        spec:
          ipAddressPools:
          - lan-pool
        """.formatted(layout.poolRange4(), layout.poolRange6());
  }

  public static void applyPool(KubernetesClient c, LabLayout layout) {
    for (GenericKubernetesResource r : pool(layout)) {
      c.resource(r).createOr(x -> x.update());
    }
  }

  private static Pod pod(String ns, String name, String node, Map<String, String> labels, String container,
                         List<String> ips, boolean hostNetwork, Path log, boolean running, String whyNot) {
    String now = Instant.now().toString();
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels)
        .addToAnnotations(LabDispatcher.LOG_ANNOTATION, log.toString()).endMetadata()
        .withNewSpec().withNodeName(node).withHostNetwork(hostNetwork)
        .addNewContainer().withName(container).withImage("ironlb/lab-" + container).endContainer().endSpec();
    if (running) {
      b.withNewStatus().withPhase("Running").withPodIP(ips.getFirst()).withHostIP(ips.getFirst())
          .withPodIPs(ips.stream().map(ip -> new io.fabric8.kubernetes.api.model.PodIP(ip)).toList())
          .withStartTime(now)
          .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(now).endCondition()
          .addNewContainerStatus().withName(container).withReady(true).withStarted(true).withRestartCount(0)
          .withImage("ironlb/lab-" + container).withImageID("").withNewState().withNewRunning().withStartedAt(now)
          .endRunning().endState().endContainerStatus()
          .endStatus();
    } else {
      b.withNewStatus().withPhase("Pending").withMessage(whyNot)
          .addNewCondition().withType("Ready").withStatus("False").withReason("NotAvailable").withMessage(whyNot).endCondition()
          .addNewContainerStatus().withName(container).withReady(false).withRestartCount(0).withImage("ironlb/lab-" + container)
          .withImageID("").withNewState().withNewWaiting().withReason("NotAvailable").withMessage(whyNot).endWaiting().endState()
          .endContainerStatus().endStatus();
    }
    return b.build();
  }

  private static <T extends HasMetadata> T apply(KubernetesClient c, T obj) {
    return c.resource(obj).createOr(r -> r.update());
  }
}
