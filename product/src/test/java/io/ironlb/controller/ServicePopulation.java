package io.ironlb.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.ironlb.k8s.IPAddressPoolSpec;
import io.ironlb.k8s.IPAddressPoolSpec.ServiceAllocation;
import io.ironlb.k8s.MetalLb;
import io.ironlb.testing.MockCluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;

/**
 * 5,000 LoadBalancer Services shaped like a real cluster's, and the pools they come from, for the
 * restart test: every way a Service can ask for an address, so that a rebuild that treats one of
 * them differently from the first allocation shows up as a moved address or a write.
 *
 * <p>Pools (documentation ranges only), tried for automatic allocation in this order:
 * <ul>
 *   <li>{@code prod} 198.51.100.128/25, priority 1, only for namespaces labelled {@code tier=prod};
 *   <li>{@code v6} 2001:db8:86::/64, priority 5;
 *   <li>{@code lan} 198.51.100.0/25, priority 10, {@code avoidBuggyIPs};
 *   <li>{@code dual} 203.0.113.128-203.0.113.255 and 2001:db8:d0::/120, priority 20;
 *   <li>{@code fixed} 203.0.113.0/25, {@code autoAssign: false}: pinned addresses and Services that name it.
 * </ul>
 * Pinned addresses sit at the top of their pool's range, automatic ones are handed out lowest
 * first, so the Services can be created in any order (the test creates them concurrently) and all
 * still get what they ask for.
 */
final class ServicePopulation {

  /** What a Service must end up with: its pool, its exact addresses if pinned, how many, and the partner it shares with. */
  record Expect(String pool, List<String> ips, int families, String partner) {}

  private final List<Service> services = new ArrayList<>();
  private final Map<String, Expect> expected = new HashMap<>();

  private ServicePopulation() {}

  static ServicePopulation create(MockCluster cluster) {
    cluster.namespace("prod-a", Map.of("tier", "prod"));
    cluster.namespace("prod-b", Map.of("tier", "prod"));
    cluster.pool("prod", new IPAddressPoolSpec(List.of("198.51.100.128/25"), null, null,
        new ServiceAllocation(1, null, List.of(new LabelSelectorBuilder().addToMatchLabels("tier", "prod").build()), null)));
    cluster.pool("v6", new IPAddressPoolSpec(List.of("2001:db8:86::/64"), null, null, new ServiceAllocation(5, null, null, null)));
    cluster.pool("lan", new IPAddressPoolSpec(List.of("198.51.100.0/25"), null, true, new ServiceAllocation(10, null, null, null)));
    cluster.pool("dual", new IPAddressPoolSpec(List.of("203.0.113.128-203.0.113.255", "2001:db8:d0::/120"), null, null,
        new ServiceAllocation(20, null, null, null)));
    cluster.pool("fixed", new IPAddressPoolSpec(List.of("203.0.113.0/25"), false, null, null));

    ServicePopulation p = new ServicePopulation();
    // lan: 50 + 30 shared pairs + 10 (deprecated pool key) + 10 PreferDualStack on an IPv4-only view = 100 of 127.
    for (int i = 0; i < 50; i++) {
      p.add(base("default", "svc-v4-" + i), new Expect("lan", null, 1, null));
    }
    for (int i = 0; i < 30; i++) {
      p.pair("default", "dns-" + i, "lan", null, "Cluster");
    }
    for (int i = 0; i < 10; i++) {
      // Users migrating from MetalLB < 0.13 still carry the old prefix.
      p.add(base("default", "svc-old-" + i).editMetadata().addToAnnotations(MetalLb.DEPRECATED_PREFIX + "address-pool", "lan")
          .endMetadata(), new Expect("lan", null, 1, null));
    }
    for (int i = 0; i < 10; i++) {
      p.add(base("default", "svc-prefer4-" + i).editSpec().withIpFamilyPolicy("PreferDualStack").withIpFamilies("IPv4").endSpec(),
          new Expect("lan", null, 1, null));
    }
    // prod: 100 of 128; their IPv6 siblings find no IPv6 in prod and fall through to v6.
    for (int i = 0; i < 100; i++) {
      p.add(base(i % 2 == 0 ? "prod-a" : "prod-b", "svc-prod-" + i), new Expect("prod", null, 1, null));
    }
    for (int i = 0; i < 100; i++) {
      p.add(v6(base(i % 2 == 0 ? "prod-a" : "prod-b", "svc-prod6-" + i)), new Expect("v6", null, 1, null));
    }
    // fixed: 20 named by pool (lowest first: .0-.19), pinned from .28 up: 50 by annotation, 30 by
    // spec.loadBalancerIP, 20 shared pairs (Local, same selector) = 120 of 128.
    for (int i = 0; i < 20; i++) {
      p.add(base("default", "svc-fixed-" + i).editMetadata().addToAnnotations(MetalLb.ANNOTATION_ADDRESS_POOL, "fixed").endMetadata(),
          new Expect("fixed", null, 1, null));
    }
    for (int i = 0; i < 50; i++) {
      String ip = "203.0.113." + (28 + i);
      p.add(base("default", "svc-pinned-" + i).editMetadata().addToAnnotations(MetalLb.ANNOTATION_LOAD_BALANCER_IPS, ip).endMetadata(),
          new Expect("fixed", List.of(ip), 1, null));
    }
    for (int i = 0; i < 30; i++) {
      String ip = "203.0.113." + (78 + i);
      p.add(base("default", "svc-spec-" + i).editSpec().withLoadBalancerIP(ip).endSpec(), new Expect("fixed", List.of(ip), 1, null));
    }
    for (int i = 0; i < 20; i++) {
      p.pair("default", "pinned-dns-" + i, "fixed", "203.0.113." + (108 + i), "Local");
    }
    // dual: 100 automatic dual-stack (some IPv6-first) and 10 pinned pairs of addresses = 110 of 128 IPv4.
    for (int i = 0; i < 100; i++) {
      String policy = i % 10 < 5 ? "RequireDualStack" : "PreferDualStack";
      String[] families = i % 10 == 9 ? new String[] {"IPv6", "IPv4"} : new String[] {"IPv4", "IPv6"};
      p.add(base("default", "svc-dual-" + i).editSpec().withIpFamilyPolicy(policy).withIpFamilies(families).endSpec(),
          new Expect("dual", null, 2, null));
    }
    for (int i = 0; i < 10; i++) {
      String v4 = "203.0.113." + (240 + i);
      String v6 = "2001:db8:d0::" + Integer.toHexString(0xf0 + i);
      p.add(base("default", "svc-dualpin-" + i).editMetadata().addToAnnotations(MetalLb.ANNOTATION_LOAD_BALANCER_IPS, v6 + "," + v4)
          .endMetadata().editSpec().withIpFamilyPolicy("RequireDualStack").withIpFamilies("IPv4", "IPv6").endSpec(),
          new Expect("dual", List.of(v4, v6), 2, null));
    }
    // v6: the bulk. 200 shared pairs, 180 pinned by annotation and 20 by spec, 300 named by pool, the rest automatic.
    for (int i = 0; i < 200; i++) {
      p.pair("default", "dns6-" + i, "v6", null, "Cluster");
    }
    for (int i = 0; i < 200; i++) {
      String ip = "2001:db8:86::1:" + Integer.toHexString(i);
      ServiceBuilder b = v6(base("default", "svc-pinned6-" + i));
      if (i < 180) {
        b.editMetadata().addToAnnotations(MetalLb.ANNOTATION_LOAD_BALANCER_IPS, ip).endMetadata();
      } else {
        b.editSpec().withLoadBalancerIP(ip).endSpec();
      }
      p.add(b, new Expect("v6", List.of(ip), 1, null));
    }
    for (int i = 0; i < 300; i++) {
      p.add(v6(base("default", "svc-pool6-" + i)).editMetadata().addToAnnotations(MetalLb.ANNOTATION_ADDRESS_POOL, "v6").endMetadata(),
          new Expect("v6", null, 1, null));
    }
    for (int i = 0; p.services.size() < 5000; i++) {
      p.add(v6(base("default", "svc-v6-" + i)), new Expect("v6", null, 1, null));
    }
    return p;
  }

  /** The Services to create, in an order that mixes the kinds (as a cluster's history would). */
  List<Service> services() {
    List<Service> out = new ArrayList<>(services);
    java.util.Collections.shuffle(out, new java.util.Random(7));
    return out;
  }

  /** How many distinct addresses the population holds once allocated: a shared pair holds one. */
  long addresses() {
    return expected.values().stream().mapToLong(e -> e.partner() == null ? e.families() : 1).sum()
        - expected.values().stream().filter(e -> e.partner() != null).count() / 2;
  }

  /** The population came out as designed: without this, a restart test over a half-allocated cluster proves little. */
  void assertShape(List<Service> actual) {
    Map<String, Service> byKey = new HashMap<>();
    actual.forEach(s -> byKey.put(key(s), s));
    SoftAssertions soft = new SoftAssertions();
    expected.forEach((key, e) -> {
      Service s = byKey.get(key);
      List<String> ips = MockCluster.ingress(s);
      soft.assertThat(ips).as("%s addresses", key).hasSize(e.families());
      soft.assertThat(s.getMetadata().getAnnotations()).as("%s pool", key).containsEntry(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL, e.pool());
      if (e.ips() != null) {
        soft.assertThat(ips).as("%s pinned addresses", key).isEqualTo(e.ips());
      }
      if (e.partner() != null) {
        soft.assertThat(ips).as("%s shares with %s", key, e.partner()).isEqualTo(MockCluster.ingress(byKey.get(e.partner())));
      }
    });
    soft.assertAll();
    assertThat(actual.stream().filter(s -> MockCluster.ingress(s).size() == 2)).as("dual-stack Services").hasSize(110);
  }

  private void add(ServiceBuilder b, Expect e) {
    Service s = b.build();
    services.add(s);
    expected.put(key(s), e);
  }

  /** Two Services with one allow-shared-ip key on non-overlapping ports (DNS over TCP and UDP). */
  private void pair(String namespace, String name, String pool, String pinned, String trafficPolicy) {
    String tcp = "svc-" + name + "-tcp";
    String udp = "svc-" + name + "-udp";
    for (String[] side : new String[][] {{tcp, "TCP", udp}, {udp, "UDP", tcp}}) {
      ServiceBuilder b = base(namespace, side[0]).editMetadata().addToAnnotations(MetalLb.ANNOTATION_ALLOW_SHARED_IP, name).endMetadata()
          .editSpec().withPorts(new ServicePortBuilder().withName("dns").withProtocol(side[1]).withPort(53).build())
          .withExternalTrafficPolicy(trafficPolicy).withSelector(Map.of("app", name)).endSpec();
      if (pool.equals("v6")) {
        v6(b);
      }
      if (pinned != null) {
        b.editMetadata().addToAnnotations(MetalLb.ANNOTATION_LOAD_BALANCER_IPS, pinned).endMetadata();
      }
      add(b, new Expect(pool, pinned == null ? null : List.of(pinned), 1, namespace + "/" + side[2]));
    }
  }

  private static ServiceBuilder base(String namespace, String name) {
    return MockCluster.loadBalancer(namespace, name);
  }

  private static ServiceBuilder v6(ServiceBuilder b) {
    return b.editSpec().withIpFamilyPolicy("SingleStack").withIpFamilies("IPv6").endSpec();
  }

  private static String key(Service s) {
    return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
  }
}
