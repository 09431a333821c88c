package io.ironlb.l2.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ironlb.l2.Layer2Config;
import io.ironlb.l2.Layer2Counters;
import io.ironlb.l2.NetInterface;
import io.ironlb.netns.Host;
import io.ironlb.netns.TestNetwork;
import io.ironlb.netns.VethEnd;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The data plane sees a link lose its carrier and get it back as the kernel reports it (nothing
 * polls): a node whose LAN is cut and healed must notice both (it withdraws, and announces again
 * with a gratuitous burst after the heal).
 */
@Tag("netns")
class LinkWatchNetnsTest {

  @Test
  void aSwitchPortThatGoesDownAndUpIsSeenWithinTwoSecondsEachWay() throws Exception {
    String why = Host.whyNoNamespaces();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    TestNetwork.sweep(TestNetwork.PREFIX + "lwatch-");
    try (TestNetwork net = TestNetwork.create("lwatch")) {
      String node = net.namespace("node");
      String lan = net.namespace("lan");
      net.veth(VethEnd.of(node, "lan0"), VethEnd.of(lan, "p-node"));
      net.address(node, "lan0", "198.51.100.11/24");
      Layer2Config config = Layer2Config.defaults();
      try (LinuxLayer2 l2 = LinuxLayer2.openIn(node, config, new Layer2Counters(), c -> { })) {
        await().atMost(Duration.ofSeconds(5)).until(() -> operational(l2));
        net.down(lan, "p-node"); // the switch port: the node's lan0 loses its carrier
        await().atMost(Duration.ofSeconds(2)).until(() -> !operational(l2));
        net.up(lan, "p-node");
        await().atMost(Duration.ofSeconds(2)).until(() -> operational(l2));
      }
    }
  }

  private static boolean operational(LinuxLayer2 l2) {
    return l2.interfaces().all().stream().filter(i -> i.name().equals("lan0")).anyMatch(NetInterface::operational);
  }
}
