package io.ironlb.l2.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ironlb.ipam.IpFamily;
import io.ironlb.k8s.NodeInterfacesAnnotation;
import io.ironlb.k8s.NodeInterfacesAnnotation.PublishedInterface;
import io.ironlb.l2.DefaultRoutes;
import io.ironlb.l2.ExcludedInterfaces;
import io.ironlb.l2.Layer2Config;
import io.ironlb.l2.Layer2Counters;
import io.ironlb.netns.Host;
import io.ironlb.netns.TestNetwork;
import io.ironlb.netns.VethEnd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a speaker publishes in {@code ironlb.io/interfaces}, from the interfaces and routes of a real
 * namespace as its data plane reads them: a bridge member names its bridge and is never announced
 * on, a veth carries its subnets and the default routes. {@code ironlb check} judges a node by
 * exactly this.
 */
@Tag("netns")
class NodeInterfacesNetnsTest {

  @Test
  void aBridgeMemberNamesItsMasterAndAVethItsSubnetsAndTheNamespacesDefaultRoutes() throws Exception {
    String why = Host.whyNoNamespaces();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    TestNetwork.sweep(TestNetwork.PREFIX + "ifpub-");
    try (TestNetwork net = TestNetwork.create("ifpub")) {
      String node = net.namespace("node");
      String lan = net.namespace("lan");
      net.veth(VethEnd.of(node, "lan0"), VethEnd.of(lan, "p-lan"));
      net.address(node, "lan0", "198.51.100.11/24");
      net.address(node, "lan0", "2001:db8:86::11/64");
      net.veth(VethEnd.of(node, "port0"), VethEnd.of(lan, "p-port"));
      net.bridge(node, "br0", "port0");
      net.address(node, "br0", "203.0.113.11/24");
      // The LAN carries the default routes, the bridge (the internal link) its subnet only.
      net.exec(node, Duration.ofSeconds(5), "ip", "route", "add", "default", "via", "198.51.100.1", "dev", "lan0").orThrow();
      net.exec(node, Duration.ofSeconds(5), "ip", "-6", "route", "add", "default", "via", "2001:db8:86::1", "dev", "lan0").orThrow();

      try (LinuxLayer2 l2 = LinuxLayer2.openIn(node, Layer2Config.defaults().withExcludedInterfaces(ExcludedInterfaces.of(List.of("^p-"))),
          new Layer2Counters(), c -> { })) {
        List<PublishedInterface> published = await().atMost(Duration.ofSeconds(5))
            .until(() -> NodeInterfacesAnnotation.describe(l2.interfaces(), l2.excludedInterfaces(), l2.defaultRoutes()),
                d -> named(d, "lan0").filter(PublishedInterface::mayAnnounce).isPresent() && named(d, "br0").isPresent());

        // Read from this thread, which is in the host's namespace with default routes of its own.
        assertThat(l2.defaultRoutes()).isEqualTo(new DefaultRoutes(List.of("lan0"), List.of("lan0")));
        assertThat(named(published, "lan0").orElseThrow().defaultRoute()).containsExactlyInAnyOrder(IpFamily.IPV4, IpFamily.IPV6);
        assertThat(named(published, "br0").orElseThrow().defaultRoute()).isEmpty();

        assertThat(named(published, "lan0").orElseThrow().kind()).isEqualTo("veth");
        assertThat(named(published, "lan0").orElseThrow().subnets()).extracting(Object::toString)
            .containsExactlyInAnyOrder("198.51.100.11/24", "2001:db8:86::11/64"); // no fe80:: link-local
        assertThat(named(published, "port0").orElseThrow()).isEqualTo(new PublishedInterface("port0", "veth", "br0", "member", List.of()));
        assertThat(named(published, "br0").orElseThrow().kind()).isEqualTo("bridge");
        assertThat(named(published, "br0").orElseThrow().subnets()).extracting(Object::toString).containsExactly("203.0.113.11/24");
        assertThat(published).extracting(PublishedInterface::name).doesNotContain("lo");
        assertThat(NodeInterfacesAnnotation.read(Map.of(NodeInterfacesAnnotation.KEY, NodeInterfacesAnnotation.format(published))))
            .hasValueSatisfying(back -> assertThat(back).containsExactlyInAnyOrderElementsOf(published));
      }
    }
  }

  @Test
  void aDefaultRouteThatMovesIsReportedAndARouteToOneSubnetIsNot() throws Exception {
    String why = Host.whyNoNamespaces();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    TestNetwork.sweep(TestNetwork.PREFIX + "ifrt-");
    try (TestNetwork net = TestNetwork.create("ifrt")) {
      String node = net.namespace("node");
      String lan = net.namespace("lan");
      net.veth(VethEnd.of(node, "lan0"), VethEnd.of(lan, "p-lan"));
      net.address(node, "lan0", "198.51.100.11/24");
      net.veth(VethEnd.of(node, "int0"), VethEnd.of(lan, "p-int"));
      net.address(node, "int0", "203.0.113.11/24");
      net.exec(node, Duration.ofSeconds(5), "ip", "route", "add", "default", "via", "198.51.100.1", "dev", "lan0").orThrow();

      try (LinuxLayer2 l2 = LinuxLayer2.openIn(node, Layer2Config.defaults(), new Layer2Counters(), c -> { })) {
        java.util.concurrent.atomic.AtomicInteger reported = new java.util.concurrent.atomic.AtomicInteger();
        l2.onDefaultRoutesChanged(reported::incrementAndGet);
        assertThat(l2.defaultRoutes()).isEqualTo(new DefaultRoutes(List.of("lan0"), List.of()));

        // A pod's route (some CNIs add one per pod) is no news for the annotation.
        net.exec(node, Duration.ofSeconds(5), "ip", "route", "add", "203.0.113.77/32", "dev", "int0").orThrow();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> reported.get() == 0);

        // The uplink moves to the internal link: a route change alone, no interface changes.
        net.exec(node, Duration.ofSeconds(5), "ip", "route", "replace", "default", "via", "203.0.113.1", "dev", "int0").orThrow();
        await().atMost(Duration.ofSeconds(5)).until(() -> reported.get() > 0);
        assertThat(l2.defaultRoutes()).isEqualTo(new DefaultRoutes(List.of("int0"), List.of()));
      }
    }
  }

  @Test
  void aBondMemberNamesItsBond() throws Exception {
    String why = Host.whyNoNamespaces();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    // Loading the bonding module would create bond0 in the host's own namespace (max_bonds=1):
    // use it only when it is loaded already.
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/sys/module/bonding")),
        "skipped: the bonding module is not loaded, and loading it would add bond0 to the host's namespace");
    TestNetwork.sweep(TestNetwork.PREFIX + "ifbond-");
    try (TestNetwork net = TestNetwork.create("ifbond")) {
      String node = net.namespace("node");
      String lan = net.namespace("lan");
      net.veth(VethEnd.of(node, "nic0"), VethEnd.of(lan, "p-nic"));
      net.exec(node, Duration.ofSeconds(5), "ip", "link", "add", "bond0", "type", "bond").orThrow();
      net.down(node, "nic0");
      net.exec(node, Duration.ofSeconds(5), "ip", "link", "set", "nic0", "master", "bond0").orThrow();
      net.up(node, "bond0");
      net.address(node, "bond0", "198.51.100.11/24");

      try (LinuxLayer2 l2 = LinuxLayer2.openIn(node, Layer2Config.defaults(), new Layer2Counters(), c -> { })) {
        List<PublishedInterface> published = NodeInterfacesAnnotation.describe(l2.interfaces(), l2.excludedInterfaces(),
            l2.defaultRoutes());

        assertThat(named(published, "nic0").orElseThrow()).isEqualTo(new PublishedInterface("nic0", "veth", "bond0", "member", List.of()));
        assertThat(named(published, "bond0").orElseThrow().kind()).isEqualTo("bond");
        assertThat(l2.defaultRoutes()).as("a namespace without a default route").isEqualTo(DefaultRoutes.NONE);
      }
    }
  }

  private static Optional<PublishedInterface> named(List<PublishedInterface> published, String name) {
    return published.stream().filter(i -> i.name().equals(name)).findFirst();
  }
}
