package io.ironlb.membership;

import io.ironlb.netns.Loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgroups.protocols.TCP;
import org.jgroups.stack.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nobody without the shared secret gets into a view: not a member configured with another key, and
 * not an eavesdropper replaying the bytes of a real member's join. A control run without TLS shows
 * the replay test does see the attack when the protection is missing.
 */
class MembershipSecurityTest {

  private final Loopback net = Loopback.random();
  private final byte[] secret = Loopback.newSecret();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  private MembershipConfig config(int host, byte[] key, List<InetSocketAddress> peers) {
    return new MembershipConfig("node-" + host, net.address(host), net.port(), key, () -> peers, Timings.defaults());
  }

  @Test
  void aMemberWithTheWrongSecretNeverEntersAViewAndIsRefused() throws Exception {
    List<InetSocketAddress> all = net.endpoints(3);
    JGroupsMembership a = closing(new JGroupsMembership(config(1, secret, all)));
    JGroupsMembership b = closing(new JGroupsMembership(config(2, secret, all)));
    JGroupsMembership rogue = closing(new JGroupsMembership(config(3, Loopback.newSecret(), all)));
    a.start();
    b.start();
    rogue.start();
    List<Set<String>> seenByA = new CopyOnWriteArrayList<>();
    List<Set<String>> seenByRogue = new CopyOnWriteArrayList<>();
    a.addListener(seenByA::add);
    rogue.addListener(seenByRogue::add);

    await().atMost(Duration.ofSeconds(10)).until(() -> b.liveNodes().equals(Set.of("node-1", "node-2")));
    // Longer than two MERGE3 rounds (max 3 s each): the rogue keeps probing, and keeps being refused.
    await().during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(9)).until(() ->
        !a.liveNodes().contains("node-3") && !b.liveNodes().contains("node-3") && rogue.liveNodes().equals(Set.of("node-3")));
    assertThat(seenByA).noneMatch(v -> v.contains("node-3"));
    assertThat(seenByRogue).allMatch(v -> v.equals(Set.of("node-3")));
    // The rogue did reach them: its handshakes were refused for want of the secret.
    assertThat(a.refusedPeers() + b.refusedPeers()).isPositive();
  }

  @Test
  void replayingTheCapturedBytesOfAMembersJoinNeverBringsItBack() throws Exception {
    Replay r = captureAJoinThenLeave(true);
    assertThat(r.ghostSeen()).as("node-1 re-entered node-2's view from replayed bytes").isFalse();
    assertThat(r.closedByTarget()).as("node-2 dropped every replayed connection").isTrue();
  }

  @Test
  void withoutTlsTheSameReplayBringsAGhostBackSoTheReplayTestCanSeeTheAttack() throws Exception {
    Replay r = captureAJoinThenLeave(false);
    assertThat(r.ghostSeen()).as("control: a replayed join on an unprotected stack").isTrue();
  }

  private record Replay(boolean ghostSeen, boolean closedByTarget) {}

  /**
   * node-2 sits behind a recording proxy (it advertises the proxy's address, as behind NAT), so
   * every byte node-1 sends it passes the proxy. node-1 joins, then leaves; the captured client
   * streams are replayed to node-2 directly, and node-2's views are watched for node-1.
   */
  private Replay captureAJoinThenLeave(boolean tls) throws Exception {
    InetSocketAddress proxyAt = net.endpoint(9);
    RecordingProxy proxy = closing(new RecordingProxy(proxyAt, net.endpoint(2)));
    List<InetSocketAddress> viaProxy = List.of(proxyAt);

    MembershipConfig cb = config(2, secret, viaProxy);
    List<Protocol> stackB = tls ? GroupStack.build(cb).protocols() : GroupStack.withoutTlsForTests(cb);
    ((TCP) stackB.getFirst()).setExternalAddr(proxyAt.getAddress()).setExternalPort(proxyAt.getPort());
    forgetOldConnectionsSoon(stackB);
    JGroupsMembership b = closing(new JGroupsMembership(cb, stackB, null));
    b.start();

    MembershipConfig ca = config(1, secret, viaProxy);
    JGroupsMembership a = closing(new JGroupsMembership(ca, tls ? GroupStack.build(ca).protocols() : GroupStack.withoutTlsForTests(ca), null));
    a.start();
    Set<String> both = Set.of("node-1", "node-2");
    await().atMost(Duration.ofSeconds(10)).until(() -> a.liveNodes().equals(both) && b.liveNodes().equals(both));
    proxy.close(); // the capture ends with the join; the leave goes out on a new direct connection
    a.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.liveNodes().equals(Set.of("node-2")));
    // Replay once UNICAST3 has forgotten node-1's connection, as an attacker could after 4 minutes.
    org.jgroups.protocols.UNICAST3 unicastB = (org.jgroups.protocols.UNICAST3) stackB.stream()
        .filter(p -> p instanceof org.jgroups.protocols.UNICAST3).findFirst().orElseThrow();
    await().atMost(Duration.ofSeconds(10)).until(() -> unicastB.getNumReceiveConnections() == 0);
    List<byte[]> streams = proxy.capturedClientStreams();
    assertThat(streams).as("the proxy captured node-1's traffic").isNotEmpty();
    assertThat(streams.stream().mapToInt(s -> s.length).sum()).isGreaterThan(200);

    List<Set<String>> viewsOfB = new CopyOnWriteArrayList<>();
    b.addListener(viewsOfB::add);
    boolean allClosed = true;
    List<Socket> replays = new ArrayList<>();
    for (byte[] stream : streams) {
      Socket s = new Socket();
      s.connect(net.endpoint(2), 2000);
      replays.add(s);
      s.getOutputStream().write(stream);
      s.getOutputStream().flush();
    }
    try {
      // The ghost would appear within a view installation (ms); give it several merge rounds.
      await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> viewsOfB.stream().noneMatch(v -> v.contains("node-1")));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // the ghost appeared
    }
    for (Socket s : replays) {
      allClosed &= closedByPeer(s);
      s.close();
    }
    return new Replay(viewsOfB.stream().anyMatch(v -> v.contains("node-1")), allClosed);
  }

  /**
   * UNICAST3 remembers a departed member's connection (and so drops its replayed, already seen
   * sequence numbers) for {@code conn_close_timeout}, 4 minutes by default. Both the protected and
   * the control stacks forget after 0.5 s, so the tests need not wait 4 minutes, and whatever stops
   * the replay in the protected run is the TLS, not that memory.
   */
  private static void forgetOldConnectionsSoon(List<Protocol> stack) {
    stack.stream().filter(p -> p instanceof org.jgroups.protocols.UNICAST3).forEach(p -> p.setValue("conn_close_timeout", 500L));
  }

  /** True when the other side closed or reset the connection within 5 s (reading it ends). */
  private static boolean closedByPeer(Socket s) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    try {
      s.setSoTimeout(500);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      while (System.nanoTime() < deadline) {
        try {
          if (in.read(buf) < 0) {
            return true;
          }
        } catch (java.net.SocketTimeoutException e) {
          // nothing yet: read again until the deadline
        }
      }
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }
}
