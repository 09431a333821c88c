package io.ironlb.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.lab.ClusterSeeder;
import io.ironlb.lab.Json;
import io.ironlb.lab.LabLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the scale benchmark adds to a lab: a namespace of its own, an IPv4 pool beside the lab's
 * (hosts .51-.199 of the LAN: above the nodes, below {@code lan-pool}), an IPv6 pool of 65,536
 * addresses, an L2Advertisement for both, and N LoadBalancer Services, each with one
 * EndpointSlice whose endpoint is one of the lab's apps (alternating between the two nodes, so
 * both nodes host endpoints).
 */
final class ScaleObjects {

  static final String NAMESPACE = "scale";
  static final String POOL_V4 = "scale-v4";
  static final String POOL_V6 = "scale-v6";
  static final int POOL_V4_FIRST = 51;
  static final int POOL_V4_LAST = 199;
  /** Free IPv4 addresses once the lab is up: scale-v4, plus lan-pool less the lab's two apps' addresses. */
  static final int FREE_IPV4 = POOL_V4_LAST - POOL_V4_FIRST + 1 + LabLayout.POOL_LAST - LabLayout.POOL_FIRST + 1 - 2;

  /** One Service of the burst: which family and which app (node) serves it. */
  record Spec(String name, boolean ipv4, LabLayout.Node endpoint) {}

  private final LabLayout layout;

  ScaleObjects(LabLayout layout) {
    this.layout = layout;
  }

  /** The namespace, the two pools and their advertisement. */
  void configure(KubernetesClient client) {
    client.resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).addToLabels("kubernetes.io/metadata.name", NAMESPACE)
        .endMetadata().withNewStatus().withPhase("Active").endStatus().build()).createOr(r -> r.update());
    String v4 = layout.lan4().host(POOL_V4_FIRST) + "-" + layout.lan4().host(POOL_V4_LAST);
    // 2001:db8:86::1:0/112 of the default LAN: far above the lab's hosts (::2, ::11 ...) and lan-pool (::200-::220).
    String v6 = layout.lan6().host(0x1_0000L) + "/112";
    for (GenericKubernetesResource r : List.of(
        metallb("IPAddressPool", POOL_V4, Json.obj("addresses", List.of(v4), "autoAssign", true)),
        metallb("IPAddressPool", POOL_V6, Json.obj("addresses", List.of(v6), "autoAssign", true)),
        metallb("L2Advertisement", "scale-advertisement", Json.obj("ipAddressPools", List.of(POOL_V4, POOL_V6))))) {
      client.resource(r).createOr(x -> x.update());
    }
  }

  private static GenericKubernetesResource metallb(String kind, String name, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder().withApiVersion("metallb.io/v1beta1").withKind(kind)
        .withNewMetadata().withName(name).withNamespace(ClusterSeeder.METALLB_NS).endMetadata()
        .addToAdditionalProperties("spec", spec).build();
  }

  /** Whether the controller took both pools into service (their Ready condition). */
  static boolean poolsReady(KubernetesClient client) {
    for (String pool : List.of(POOL_V4, POOL_V6)) {
      GenericKubernetesResource r = client.genericKubernetesResources("metallb.io/v1beta1", "IPAddressPool")
          .inNamespace(ClusterSeeder.METALLB_NS).withName(pool).get();
      List<Object> conditions = r == null ? List.of() : Json.list(r.getAdditionalProperties(), "status.conditions");
      if (conditions.stream().noneMatch(c -> "Ready".equals(Json.str(c, "type")) && "True".equals(Json.str(c, "status")))) {
        return false;
      }
    }
    return true;
  }

  /** {@code total} Services, the first {@code ipv4} of them IPv4, the rest IPv6; endpoints alternate between the nodes of the apps. */
  List<Spec> specs(int total, int ipv4) {
    List<LabLayout.Node> apps = ClusterSeeder.apps(layout).stream().map(a -> layout.node(a.node()).orElseThrow()).distinct().toList();
    List<Spec> out = new ArrayList<>(total);
    for (int i = 0; i < total; i++) {
      out.add(new Spec(String.format("scale-%05d", i), i < ipv4, apps.get(i % apps.size())));
    }
    return out;
  }

  /** The Service's EndpointSlice: one ready endpoint, the app on {@code spec.endpoint()}, port 8080. */
  static EndpointSlice slice(Spec spec) {
    return new EndpointSliceBuilder().withNewMetadata().withName(spec.name() + (spec.ipv4() ? "-ipv4" : "-ipv6")).withNamespace(NAMESPACE)
        .addToLabels("kubernetes.io/service-name", spec.name())
        .addToLabels("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io").endMetadata()
        .withAddressType(spec.ipv4() ? "IPv4" : "IPv6")
        .addNewEndpoint().withAddresses(spec.ipv4() ? spec.endpoint().internal4() : spec.endpoint().internal6())
        .withNodeName(spec.endpoint().name())
        .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions().endEndpoint()
        .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
        .build();
  }

  static Service service(Spec spec) {
    return new ServiceBuilder().withNewMetadata().withName(spec.name()).withNamespace(NAMESPACE).addToLabels("app", spec.name()).endMetadata()
        .withNewSpec().withType("LoadBalancer").withExternalTrafficPolicy("Cluster").withSessionAffinity("None")
        .withAllocateLoadBalancerNodePorts(false).withIpFamilyPolicy("SingleStack").withIpFamilies(spec.ipv4() ? "IPv4" : "IPv6")
        .withSelector(Map.of("app", spec.name()))
        .addNewPort().withName("http").withProtocol("TCP").withPort(80).withTargetPort(new IntOrString(8080)).endPort()
        .endSpec().build();
  }

  /**
   * Creates every Service with its EndpointSlice (slice first, so a speaker that hears of the
   * Service finds its endpoints) from {@code writers} threads at once; returns how many writes
   * failed. {@code created} hears each Service's creation.
   */
  static int createAll(KubernetesClient client, List<Spec> specs, int writers, Runnable created) throws InterruptedException {
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    try (ExecutorService pool = Executors.newFixedThreadPool(writers, Thread.ofPlatform().name("scale-writer-", 0).factory())) {
      List<Future<?>> all = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        all.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < specs.size(); i = next.getAndIncrement()) {
            Spec s = specs.get(i);
            try {
              client.resource(slice(s)).create();
              client.resource(service(s)).create();
              created.run();
            } catch (RuntimeException e) {
              if (failed.getAndIncrement() < 5) {
                System.out.println("  create " + s.name() + " failed: " + e.getMessage());
              }
            }
          }
        }));
      }
      for (Future<?> f : all) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("a writer thread failed", e.getCause());
        }
      }
    }
    return failed.get();
  }
}
