package io.ironlb.speaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ironlb.k8s.NodeInterfacesAnnotation;
import io.ironlb.l2.DefaultRoutes;
import io.ironlb.l2.ExcludedInterfaces;
import io.ironlb.l2.InterfaceAddress;
import io.ironlb.l2.InterfaceTable;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.testing.MockCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The Node's {@code ironlb.io/interfaces} follows the node's interfaces after start, on the mock API server. */
class InterfacesRepublisherTest {

  private static NetInterface link(String name, int index, String kind, InterfaceAddress... addresses) {
    return new NetInterface(name, index, new MacAddress(0x0200_0000_0000L + index), true, true, false, false, kind, 0, List.of(addresses));
  }

  private static String published(MockCluster cluster) {
    Map<String, String> a = cluster.client().nodes().withName("spark-2959").get().getMetadata().getAnnotations();
    return a == null ? "" : a.getOrDefault(NodeInterfacesAnnotation.KEY, "");
  }

  @Test
  void anAddressAndDefaultRouteAddedAfterStartReachTheNodeAndAPodsVethWritesNothing() {
    try (MockCluster cluster = new MockCluster()) {
      cluster.node("spark-2959", "198.51.100.11");
      AtomicReference<DefaultRoutes> routes = new AtomicReference<>(DefaultRoutes.NONE);
      List<NetInterface> links = new ArrayList<>(List.of(link("lan0", 2, "", new InterfaceAddress(MockCluster.ip("198.51.100.11"), 24))));
      String atStart = NodeInterfacesAnnotation.format(NodeInterfacesAnnotation.describe(InterfaceTable.of(links), ExcludedInterfaces.none(),
          DefaultRoutes.NONE));
      InterfacesRepublisher republisher = new InterfacesRepublisher(cluster.client(), "spark-2959", ExcludedInterfaces.none(),
          routes::get, atStart);

      links.add(link("wlan0", 3, NetInterface.KIND_WIRELESS, new InterfaceAddress(MockCluster.ip("203.0.113.7"), 24)));
      routes.set(new DefaultRoutes(List.of("lan0"), List.of())); // DHCP's router option, with the address
      republisher.interfacesChanged(InterfaceTable.of(links));

      await().atMost(Duration.ofSeconds(5))
          .until(() -> published(cluster).equals("lan0 default=ipv4 198.51.100.11/24, wlan0 kind=wireless 203.0.113.7/24"));
      String version = cluster.client().nodes().withName("spark-2959").get().getMetadata().getResourceVersion();

      links.add(link("cali12ab34cd", 4, "veth"));
      republisher.interfacesChanged(InterfaceTable.of(links));
      links.add(link("eth9", 5, "", new InterfaceAddress(MockCluster.ip("192.0.2.9"), 24)));
      republisher.interfacesChanged(InterfaceTable.of(links));

      // Writes happen in order, so once eth9 is there the veth change was written or skipped before it:
      // skipped, as exactly one more write happened.
      await().atMost(Duration.ofSeconds(5)).until(() -> published(cluster).contains("eth9 192.0.2.9/24"));
      assertThat(published(cluster)).doesNotContain("cali");
      assertThat(Long.parseLong(cluster.client().nodes().withName("spark-2959").get().getMetadata().getResourceVersion()))
          .isEqualTo(Long.parseLong(version) + 1);
    }
  }
}
