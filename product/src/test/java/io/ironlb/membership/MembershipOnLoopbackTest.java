package io.ironlb.membership;

import io.ironlb.netns.Loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Members in this JVM on loopback addresses: forming a group, listeners, graceful leave, health. */
class MembershipOnLoopbackTest {

  private final Loopback net = Loopback.random();
  private final byte[] secret = Loopback.newSecret();
  private final List<JGroupsMembership> members = new ArrayList<>();

  @AfterEach
  void closeAll() {
    members.forEach(JGroupsMembership::close);
  }

  private JGroupsMembership member(int host, Supplier<List<InetSocketAddress>> peers) throws Exception {
    return member(host, secret, peers);
  }

  private JGroupsMembership member(int host, byte[] key, Supplier<List<InetSocketAddress>> peers) throws Exception {
    JGroupsMembership m = new JGroupsMembership(new MembershipConfig("node-" + host, net.address(host), net.port(), key, peers,
        Timings.defaults()));
    members.add(m);
    return m;
  }

  @Test
  void threeMembersFormOneViewNamedByTheirNodes() throws Exception {
    List<InetSocketAddress> all = net.endpoints(3);
    JGroupsMembership a = member(1, () -> all);
    JGroupsMembership b = member(2, () -> all);
    JGroupsMembership c = member(3, () -> all);
    a.start();
    b.start();
    c.start();

    Set<String> everyone = Set.of("node-1", "node-2", "node-3");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      assertThat(a.liveNodes()).isEqualTo(everyone);
      assertThat(b.liveNodes()).isEqualTo(everyone);
      assertThat(c.liveNodes()).isEqualTo(everyone);
    });
    assertThat(a.healthy()).isTrue();
  }

  @Test
  void aGracefulLeaveOfTheCoordinatorIsSeenByTheOthersAtOnce() throws Exception {
    List<InetSocketAddress> all = net.endpoints(3);
    JGroupsMembership a = member(1, () -> all);
    JGroupsMembership b = member(2, () -> all);
    JGroupsMembership c = member(3, () -> all);
    a.start();
    b.start();
    c.start();
    await().atMost(Duration.ofSeconds(15)).until(() -> a.liveNodes().size() == 3 && b.liveNodes().size() == 3 && c.liveNodes().size() == 3);

    // The coordinator (the first to start) leaves: the hardest case, the group needs a new one.
    long t0 = System.nanoTime();
    a.close();
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(5))
        .until(() -> b.liveNodes().equals(Set.of("node-2", "node-3")) && c.liveNodes().equals(Set.of("node-2", "node-3")));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("graceful leave of the coordinator seen by both others after " + ms + " ms");
    assertThat(a.liveNodes()).isEmpty();
  }

  @Test
  void listenersHearTheCurrentViewThenEveryChangeOnTheMembershipThread() throws Exception {
    List<InetSocketAddress> all = net.endpoints(2);
    JGroupsMembership a = member(1, () -> all);
    JGroupsMembership b = member(2, () -> all);
    a.start();
    List<Set<String>> heard = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    a.addListener(live -> {
      heard.add(live);
      threads.add(Thread.currentThread().getName());
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> heard.equals(List.of(Set.of("node-1"))));

    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 2);
    b.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> heard.size() == 3);

    assertThat(heard).containsExactly(Set.of("node-1"), Set.of("node-1", "node-2"), Set.of("node-1"));
    assertThat(threads).containsOnly("ironlb-membership");
  }

  @Test
  void aMemberAloneWhileTheApiListsAPeerItNeverSawBecomesUnhealthyAfterTheGrace() throws Exception {
    // host 2 is listed but nobody runs there: like a speaker behind a firewall.
    List<InetSocketAddress> listed = net.endpoints(2);
    JGroupsMembership a = new JGroupsMembership(new MembershipConfig("node-1", net.address(1), net.port(), secret, () -> listed,
        withAloneGrace(Duration.ofMillis(500))));
    members.add(a);
    List<Boolean> told = new CopyOnWriteArrayList<>();
    a.onHealthChange(() -> told.add(a.healthy()));
    a.start();
    assertThat(a.healthy()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> !a.healthy());
    assertThat(a.healthReason()).isEqualTo("ALONE_WITH_UNSEEN_PEERS");
    // Watchers are told of each turn (healthy once started, then not) rather than polling for it.
    await().atMost(Duration.ofSeconds(5)).until(() -> told.size() == 2 && !told.get(1));
  }

  @Test
  void aMemberThatLostItsPeersToFailureDetectionStaysHealthy() throws Exception {
    List<InetSocketAddress> all = net.endpoints(2);
    Timings t = withAloneGrace(Duration.ofMillis(300));
    JGroupsMembership a = new JGroupsMembership(new MembershipConfig("node-1", net.address(1), net.port(), secret, () -> all, t));
    JGroupsMembership b = new JGroupsMembership(new MembershipConfig("node-2", net.address(2), net.port(), secret, () -> all, t));
    members.add(a);
    members.add(b);
    a.start();
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> a.liveNodes().size() == 2);
    b.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.liveNodes().equals(Set.of("node-1")));
    // Well past the grace: the peer is still listed (its pod object lingers) but was seen to go.
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(a::healthy);
  }

  @Test
  void aSecondMemberOnAPortInUseFailsToStartAndSaysWhere() throws Exception {
    member(1, List::of).start();
    JGroupsMembership second = new JGroupsMembership(new MembershipConfig("node-1b", net.address(1), net.port(), secret, List::of,
        Timings.defaults()));
    members.add(second);
    org.assertj.core.api.Assertions.assertThatThrownBy(second::start)
        .hasMessageContaining(net.address(1).getHostAddress() + ":" + net.port())
        .hasMessageContaining("another speaker");
    assertThat(second.healthy()).isFalse();
  }

  @Test
  void healthIsFalseBeforeStartAndAfterClose() throws Exception {
    JGroupsMembership a = member(1, List::of);
    assertThat(a.healthy()).isFalse();
    a.start();
    assertThat(a.healthy()).isTrue();
    a.close();
    assertThat(a.healthy()).isFalse();
    assertThat(a.liveNodes()).isEmpty();
  }

  @Test
  void itListensOnlyOnTheNodeAddressAndOpensNoDiagnosticsPort() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(io.ironlb.netns.Commands.onPath("ss"), "skipped: needs ss (iproute2)");
    JGroupsMembership a = member(1, List::of);
    a.start();
    String me = "pid=" + ProcessHandle.current().pid() + ",";
    List<String> ours = io.ironlb.netns.Commands.run(Duration.ofSeconds(10), "ss", "-H", "-l", "-n", "-t", "-u", "-p").orThrow()
        .stdout().lines().filter(l -> l.contains(me)).toList();
    List<String> membership = ours.stream().filter(l -> l.matches(".*:(7800|7900|7500)\\s.*")).toList();
    // TCP (JGroups) and FD_SOCK2 listen on TCP, the heartbeats on UDP at the membership port: all on the node's address only.
    assertThat(membership).as("TCP, FD_SOCK2 and heartbeat sockets").hasSize(3)
        .allMatch(l -> l.contains(net.address(1).getHostAddress()));
    assertThat(membership.stream().filter(l -> l.startsWith("udp")).toList()).as("the heartbeat socket")
        .singleElement().matches(l -> l.contains(":" + net.port() + " "));
    assertThat(ours).as("no diagnostics socket").noneMatch(l -> l.startsWith("udp") && l.contains(":7500 "));
  }

  private static Timings withAloneGrace(Duration grace) {
    Timings d = Timings.defaults();
    return new Timings(d.heartbeatInterval(), d.heartbeatTimeout(), d.verifyTimeout(), d.mergeMinInterval(), d.mergeMaxInterval(),
        d.joinTimeout(), d.viewAckTimeout(), grace);
  }
}
