package io.ironlb.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("netns")
class TestNetworkTest {

  private static final Duration T = Duration.ofSeconds(10);

  @BeforeAll
  static void needsNamespaces() {
    String why = Host.whyNoNamespaces();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    TestNetwork.sweep(TestNetwork.PREFIX + "nettest-");
  }

  @Test
  void hostsOnABridgeReachEachOtherOverIpv4AndIpv6AndSeeEachOthersMac() {
    String rootLinks = rootLinks();
    try (TestNetwork net = TestNetwork.create("nettest")) {
      String lan = net.namespace("lan");
      String client = net.namespace("client");
      String node = net.namespace("node");
      net.veth(VethEnd.of(client, "eth0"), VethEnd.of(lan, "p-client"));
      net.veth(new VethEnd(node, "eth0", "02:00:00:00:00:11"), VethEnd.of(lan, "p-node"));
      net.bridge(lan, "br0", "p-client", "p-node");
      net.address(client, "eth0", "198.51.100.2/24");
      net.address(client, "eth0", "2001:db8:86::2/64");
      net.address(node, "eth0", "198.51.100.11/24");
      net.address(node, "eth0", "2001:db8:86::11/64");

      assertThat(net.exec(client, T, "ping", "-c1", "-W2", "198.51.100.11").describe()).contains("exited 0");
      assertThat(net.neighbour(client, "198.51.100.11")).get().extracting(Neighbour::mac).isEqualTo("02:00:00:00:00:11");
      await().atMost(T).until(() -> net.exec(client, T, "ping", "-6", "-c1", "-W1", "2001:db8:86::11").ok());
      assertThat(Netns.mac(node, "eth0")).isEqualTo("02:00:00:00:00:11");
    }
    assertThat(rootLinks()).as("the root namespace's links are untouched").isEqualTo(rootLinks);
  }

  @Test
  void closeEndsProcessesAndDescendantsAndRemovesNamespaces() {
    TestNetwork net = TestNetwork.create("nettest");
    LabProcess p;
    String ns;
    try (net) {
      ns = net.namespace("host");
      p = net.start("sleeper", ns, "sleep", "600");
      await().atMost(T).until(() -> Netns.pids(ns).contains(p.pid()));
      assertThat(p.alive()).isTrue();
    }
    assertThat(p.alive()).isFalse();
    assertThat(Netns.exists(ns)).isFalse();
    assertThat(net.dir()).doesNotExist();
    net.close(); // a second close is harmless
  }

  @Test
  void aCommandThatOutlivesItsTimeoutIsKilled() {
    try (TestNetwork net = TestNetwork.create("nettest")) {
      String ns = net.namespace("host");
      CommandResult r = net.exec(ns, Duration.ofMillis(300), "sleep", "600");
      assertThat(r.timedOut()).isTrue();
      assertThat(r.ok()).isFalse();
      assertThat(Netns.pids(ns)).isEmpty();
    }
  }

  @Test
  void commandOutputAndFailuresAreCaptured() {
    try (TestNetwork net = TestNetwork.create("nettest")) {
      String ns = net.namespace("host");
      assertThat(net.exec(ns, T, "ip", "-o", "link").stdout()).contains("lo:").doesNotContain("eth0");
      CommandResult bad = net.exec(ns, T, "ip", "link", "show", "nosuchlink");
      assertThat(bad.ok()).isFalse();
      assertThat(bad.describe()).contains("nosuchlink");
    }
  }

  @Test
  void sweepRemovesLeftoversOfDeadOwnersOnly() throws Exception {
    Process dead = new ProcessBuilder("true").start();
    dead.waitFor();
    String orphan = "ilb-nettest-" + dead.pid() + "-1-orphan";
    String live = "ilb-nettest-" + ProcessHandle.current().pid() + "-999-live";
    try {
      Netns.create(orphan);
      Netns.create(live);
      LabProcess leftover = LabProcess.start("leftover", orphan, java.util.List.of("sleep", "600"), java.nio.file.Path.of("/dev/null"));
      await().atMost(T).until(() -> Netns.pids(orphan).contains(leftover.pid()));

      assertThat(TestNetwork.sweep("ilb-nettest-")).contains(orphan).doesNotContain(live);
      assertThat(Netns.exists(orphan)).isFalse();
      assertThat(Netns.exists(live)).isTrue();
      assertThat(leftover.alive()).isFalse();
    } finally {
      Netns.delete(orphan);
      Netns.delete(live);
    }
  }

  private static String rootLinks() {
    return Commands.run(T, "ip", "-o", "link", "show").orThrow().stdout().replaceAll("(?m)\\s+link/.*$", "").replaceAll("state \\S+", "");
  }
}
