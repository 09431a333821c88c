package io.ironlb.l2.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.ironlb.l2.Announcer;
import io.ironlb.l2.Claim;
import io.ironlb.l2.DropReason;
import io.ironlb.l2.InterfaceTable;
import io.ironlb.l2.Layer2Config;
import io.ironlb.l2.Layer2Counters;
import io.ironlb.l2.ProbeResult;
import io.ironlb.l2.packet.ArpPacket;
import io.ironlb.l2.packet.EthernetHeader;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Host;
import io.ironlb.netns.Neighbour;
import io.ironlb.netns.TestNetwork;
import io.ironlb.netns.VethEnd;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The data plane on real packets: a LAN bridge with a client, three nodes, a foreign host that
 * owns an address, and an attacker; node A also has an internal link with a host of its own. The
 * client uses the kernel's ARP/NDP, arping, ndisc6 and curl; the nodes run {@link LinuxLayer2}
 * in-process (each opened inside its namespace).
 */
@Tag("netns")
class Layer2NetnsTest {

  static final Duration T = Duration.ofSeconds(10);
  static final String MAC_A = "02:00:00:00:0a:01";
  static final String MAC_B = "02:00:00:00:0b:01";
  static final String MAC_C = "02:00:00:00:0c:01";
  static final String MAC_FOREIGN = "02:00:00:00:0f:01";
  static final String MAC_ATTACKER = "02:00:00:00:0e:01";

  static TestNetwork net;
  static String client;
  static String inside;
  static String nodeA;
  static String nodeB;
  static String nodeC;
  static String foreign;
  static String attacker;
  static LinuxLayer2 a;
  static LinuxLayer2 b;
  static LinuxLayer2 c;
  static final Layer2Counters statsA = new Layer2Counters();
  static final List<Claim> claimsA = new CopyOnWriteArrayList<>();
  static HttpServer http;

  @BeforeAll
  static void network() throws Exception {
    String why = Host.whyNoNamespaces();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    List<String> missing = Host.missing("arping", "ndisc6", "curl", "nft", "ping");
    Assumptions.assumeTrue(missing.isEmpty(), () -> "skipped: missing " + missing + " (Debian: iputils-arping ndisc6 curl nftables iputils-ping)");
    TestNetwork.sweep(TestNetwork.PREFIX + "l2e-");
    net = TestNetwork.create("l2e");
    String lan = net.namespace("lan");
    String internal = net.namespace("internal");
    client = net.namespace("client");
    inside = net.namespace("inside");
    nodeA = net.namespace("node-a");
    nodeB = net.namespace("node-b");
    nodeC = net.namespace("node-c");
    foreign = net.namespace("foreign");
    attacker = net.namespace("attacker");
    net.veth(VethEnd.of(client, "eth0"), VethEnd.of(lan, "p-client"));
    net.veth(new VethEnd(nodeA, "lan0", MAC_A), VethEnd.of(lan, "p-a"));
    net.veth(new VethEnd(nodeB, "lan0", MAC_B), VethEnd.of(lan, "p-b"));
    net.veth(new VethEnd(nodeC, "lan0", MAC_C), VethEnd.of(lan, "p-c"));
    net.veth(new VethEnd(foreign, "eth0", MAC_FOREIGN), VethEnd.of(lan, "p-foreign"));
    net.veth(new VethEnd(attacker, "eth0", MAC_ATTACKER), VethEnd.of(lan, "p-attacker"));
    net.bridge(lan, "br0", "p-client", "p-a", "p-b", "p-c", "p-foreign", "p-attacker");
    net.veth(new VethEnd(nodeA, "int0", "02:00:00:00:1a:01"), VethEnd.of(internal, "q-a"));
    net.veth(VethEnd.of(inside, "eth0"), VethEnd.of(internal, "q-inside"));
    net.bridge(internal, "br1", "q-a", "q-inside");
    net.address(client, "eth0", "198.51.100.2/24");
    net.address(client, "eth0", "2001:db8:1::2/64");
    net.address(nodeA, "lan0", "198.51.100.11/24");
    net.address(nodeA, "lan0", "2001:db8:1::11/64");
    net.address(nodeA, "int0", "203.0.113.11/24");
    net.address(inside, "eth0", "203.0.113.2/24");
    net.address(nodeB, "lan0", "198.51.100.12/24");
    net.address(nodeC, "lan0", "198.51.100.13/24");
    net.down(nodeC, "lan0");
    net.address(foreign, "eth0", "198.51.100.50/24");
    net.address(foreign, "eth0", "2001:db8:1::50/64");
    // Stands in for kube-proxy: the VIP is on no interface, traffic to it goes to the "pod".
    io.ironlb.netns.Netns.nft(nodeA, """
        table ip nat { chain prerouting { type nat hook prerouting priority -100;
          ip daddr 198.51.100.200 tcp dport 80 dnat to 198.51.100.11:8080; }; }
        table ip6 nat { chain prerouting { type nat hook prerouting priority -100;
          ip6 daddr 2001:db8:1::201 tcp dport 80 dnat to [2001:db8:1::11]:8080; }; }
        """);
    http = NetNamespace.call(nodeA, () -> {
      HttpServer s = HttpServer.create(new InetSocketAddress(8080), 0);
      s.createContext("/", ex -> {
        byte[] body = "served by node-a\n".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
      });
      s.start();
      return s;
    });
    Layer2Config config = Layer2Config.defaults()
        .withAnnounce(new Announcer.Config(List.of(Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(200)), Duration.ofHours(1)));
    a = LinuxLayer2.openIn(nodeA, config, statsA, claimsA::add);
    b = LinuxLayer2.openIn(nodeB, config, new Layer2Counters(), claim -> { });
    c = LinuxLayer2.openIn(nodeC, config, new Layer2Counters(), claim -> { });
  }

  @AfterAll
  static void cleanUp() {
    for (AutoCloseable x : new AutoCloseable[] {a, b, c}) {
      try {
        if (x != null) {
          x.close();
        }
      } catch (Exception e) {
        // the namespaces go anyway
      }
    }
    if (http != null) {
      http.stop(0);
    }
    if (net != null) {
      net.close();
    }
  }

  @Test
  void theClientResolvesTheVipToTheAnnouncingNodeAndReachesItsHttpServer() throws Exception {
    a.announce(ip("198.51.100.200"), List.of());
    assertThat(a.announcedOn(ip("198.51.100.200"))).containsExactly("lan0");

    CommandResult arping = net.exec(client, T, "arping", "-c", "3", "-w", "5", "-I", "eth0", "198.51.100.200");
    assertThat(arping.ok()).as(arping.describe()).isTrue();
    assertThat(arping.stdout().toLowerCase(Locale.ROOT)).contains(MAC_A);

    await().atMost(T).untilAsserted(() -> assertThat(net.exec(client, Duration.ofSeconds(3), "curl", "-s", "-m", "2", "http://198.51.100.200/").stdout())
        .isEqualTo("served by node-a\n"));
    assertThat(net.neighbour(client, "198.51.100.200")).get().extracting(Neighbour::mac).isEqualTo(MAC_A);
    assertThat(statsA.forIp(ip("198.51.100.200")).responsesSent()).isGreaterThanOrEqualTo(3);
    assertThat(statsA.forIp(ip("198.51.100.200")).gratuitousSent()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void theClientResolvesAnIpv6VipWithNdisc6AndReachesTheHttpServerOverIpv6() throws Exception {
    a.announce(ip("2001:db8:1::201"), List.of());

    CommandResult ndisc = net.exec(client, T, "ndisc6", "-n", "-r", "3", "-w", "1000", "2001:db8:1::201", "eth0");
    assertThat(ndisc.ok()).as(ndisc.describe()).isTrue();
    assertThat(ndisc.stdout().toLowerCase(Locale.ROOT)).contains(MAC_A);

    await().atMost(T).untilAsserted(() -> assertThat(
        net.exec(client, Duration.ofSeconds(3), "curl", "-6", "-g", "-s", "-m", "2", "http://[2001:db8:1::201]/").stdout())
        .isEqualTo("served by node-a\n"));
    assertThat(net.neighbour(client, "2001:db8:1::201")).get().extracting(Neighbour::mac).isEqualTo(MAC_A);
  }

  @Test
  void gratuitousAnnouncementsMoveTheClientFromNodeAToNodeBWithoutTheClientAsking() throws Exception {
    InetAddress v4 = ip("198.51.100.202");
    InetAddress v6 = ip("2001:db8:1::202");
    a.announce(v4, List.of());
    a.announce(v6, List.of());
    net.exec(client, T, "ping", "-c", "1", "-W", "1", "198.51.100.202");
    net.exec(client, T, "ping", "-6", "-c", "1", "-W", "1", "2001:db8:1::202");
    assertThat(net.neighbour(client, "198.51.100.202")).get().extracting(Neighbour::mac).isEqualTo(MAC_A);
    assertThat(net.neighbour(client, "2001:db8:1::202")).get().extracting(Neighbour::mac).isEqualTo(MAC_A);

    a.withdraw(v4);
    a.withdraw(v6);
    b.announce(v4, List.of());
    b.announce(v6, List.of());

    await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
      assertThat(net.neighbour(client, "198.51.100.202")).get().extracting(Neighbour::mac).isEqualTo(MAC_B);
      assertThat(net.neighbour(client, "2001:db8:1::202")).get().extracting(Neighbour::mac).isEqualTo(MAC_B);
    });
    b.withdraw(v4);
    b.withdraw(v6);
  }

  @Test
  void aForeignHostHoldingTheAddressIsReportedByTheProbeWithItsMac() throws Exception {
    Set<MacAddress> cluster = Set.of(MacAddress.parse(MAC_A), MacAddress.parse(MAC_B), MacAddress.parse(MAC_C));
    ProbeResult v4 = a.probe(ip("198.51.100.50"), List.of(), cluster).get(5, TimeUnit.SECONDS);
    ProbeResult v6 = a.probe(ip("2001:db8:1::50"), List.of(), cluster).get(5, TimeUnit.SECONDS);
    assertThat(v4).isInstanceOfSatisfying(ProbeResult.Taken.class, t -> {
      assertThat(t.mac()).isEqualTo(MacAddress.parse(MAC_FOREIGN));
      assertThat(t.interfaceName()).isEqualTo("lan0");
    });
    assertThat(v6).isInstanceOfSatisfying(ProbeResult.Taken.class, t -> assertThat(t.mac()).isEqualTo(MacAddress.parse(MAC_FOREIGN)));
  }

  @Test
  void aFreeAddressIsReportedFreeAndAnAddressAnotherClusterNodeAnnouncesIsNotAConflict() throws Exception {
    Set<MacAddress> cluster = Set.of(MacAddress.parse(MAC_A), MacAddress.parse(MAC_B), MacAddress.parse(MAC_C));
    assertThat(a.probe(ip("198.51.100.60"), List.of(), cluster).get(5, TimeUnit.SECONDS)).isEqualTo(new ProbeResult.Free(List.of("lan0")));
    assertThat(a.probe(ip("2001:db8:1::60"), List.of(), cluster).get(5, TimeUnit.SECONDS)).isEqualTo(new ProbeResult.Free(List.of("lan0")));
    b.announce(ip("198.51.100.206"), List.of());
    try {
      assertThat(a.probe(ip("198.51.100.206"), List.of(), cluster).get(5, TimeUnit.SECONDS)).isInstanceOf(ProbeResult.Free.class);
      assertThat(a.probe(ip("198.51.100.206"), List.of(), Set.of()).get(5, TimeUnit.SECONDS))
          .isEqualTo(new ProbeResult.Taken(MacAddress.parse(MAC_B), "lan0", "ARP reply"));
    } finally {
      b.withdraw(ip("198.51.100.206"));
    }
  }

  @Test
  void aForeignClaimDuringAnnouncementIsReportedOnceAndDefendedOnce() throws Exception {
    InetAddress vip = ip("198.51.100.203");
    a.announce(vip, List.of());
    await().atMost(T).until(() -> statsA.forIp(vip).gratuitousSent() == 6); // the whole burst: 3 rounds x 2 forms
    MacAddress foreignMac = MacAddress.parse(MAC_ATTACKER);
    byte[] garp = new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, foreignMac, EthernetHeader.ETHERTYPE_ARP),
        ArpPacket.gratuitousRequest(foreignMac, (Inet4Address) vip)).encode();
    try (PacketSocket s = NetNamespace.call(attacker, () -> PacketSocket.open(PacketSocket.ETH_P_ARP, null, Duration.ofMillis(100)))) {
      int eth0 = NetNamespace.call(attacker, () -> LinuxSocketsTest.indexOf("eth0"));
      for (int i = 0; i < 3; i++) {
        s.send(eth0, ByteBuffer.wrap(garp));
      }
    }
    await().atMost(T).until(() -> claimsA.stream().anyMatch(cl -> cl.ip().equals(vip)));
    await().during(Duration.ofMillis(500)).atMost(T).until(() -> claimsA.stream().filter(cl -> cl.ip().equals(vip)).count() == 1);
    assertThat(claimsA).contains(new Claim(vip, foreignMac, "lan0", "gratuitous ARP"));
    assertThat(statsA.forIp(vip).gratuitousSent()).isEqualTo(8);
    a.withdraw(vip);
  }

  @Test
  void withALanAndAnInternalLinkTheVipIsAnsweredOnlyOnTheLan() throws Exception {
    InetAddress vip = ip("198.51.100.204");
    a.announce(vip, List.of());
    assertThat(a.announcedOn(vip)).containsExactly("lan0");
    long notAnnounced = statsA.drops(DropReason.NOT_ANNOUNCED);

    CommandResult fromInside = net.exec(inside, T, "arping", "-c", "2", "-w", "2", "-I", "eth0", "198.51.100.204");
    assertThat(fromInside.ok()).as("no answer on the internal link: " + fromInside.describe()).isFalse();
    assertThat(statsA.drops(DropReason.NOT_ANNOUNCED)).isGreaterThan(notAnnounced);
    assertThat(net.exec(client, T, "arping", "-c", "1", "-w", "3", "-I", "eth0", "198.51.100.204").ok()).isTrue();
    a.withdraw(vip);
  }

  @Test
  void anInterfaceThatComesUpLaterIsServedWithoutAskingAgain() throws Exception {
    InetAddress vip = ip("198.51.100.207");
    c.announce(vip, List.of());
    assertThat(c.announcedOn(vip)).isEmpty();
    net.up(nodeC, "lan0");
    await().atMost(T).until(() -> c.announcedOn(vip).equals(List.of("lan0")));
    CommandResult arping = net.exec(client, T, "arping", "-c", "1", "-w", "3", "-I", "eth0", "198.51.100.207");
    assertThat(arping.stdout().toLowerCase(Locale.ROOT)).as(arping.describe()).contains(MAC_C);
    c.withdraw(vip);
  }

  @Test
  void aLinkThatGoesDownAndComesBackIsAnnouncedAndServedAgain() throws Exception {
    InetAddress vip = ip("198.51.100.208");
    b.announce(vip, List.of());
    assertThat(net.exec(client, T, "arping", "-c", "1", "-w", "3", "-I", "eth0", "198.51.100.208").ok()).isTrue();
    net.down(nodeB, "lan0");
    await().atMost(T).until(() -> b.announcedOn(vip).isEmpty());
    net.up(nodeB, "lan0");
    await().atMost(T).until(() -> b.announcedOn(vip).equals(List.of("lan0")));
    CommandResult arping = net.exec(client, T, "arping", "-c", "1", "-w", "3", "-I", "eth0", "198.51.100.208");
    assertThat(arping.stdout().toLowerCase(Locale.ROOT)).as(arping.describe()).contains(MAC_B);
    b.withdraw(vip);
  }

  @Test
  void theListenerHearsALostCarrierAndItsReturnFromTheKernel() throws Exception {
    List<InterfaceTable> heard = new CopyOnWriteArrayList<>();
    b.onInterfacesChanged(heard::add);

    net.down(nodeB, "lan0");
    await().atMost(T).until(() -> heard.stream().anyMatch(t -> !t.name("lan0").orElseThrow().operational()));
    assertThat(b.interfaces().name("lan0").orElseThrow().operational()).isFalse();
    net.up(nodeB, "lan0");
    await().atMost(T).until(() -> heard.getLast().name("lan0").orElseThrow().operational());
    assertThat(b.interfaces()).isEqualTo(heard.getLast());
  }

  @Test
  void anIdleDataPlaneDoesNotWakeUp() throws IOException {
    // Before: each receive loop woke every 200 ms and the interfaces were read every second, ~13
    // wake-ups a second per node. Now the threads block until a frame, a change or close.
    assertThat(dataPlaneThreads()).as("three nodes' receive and interface threads").isEqualTo(9);
    long before = dataPlaneWakeups();

    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> dataPlaneWakeups() - before < 10);
  }

  private static final List<String> DATA_PLANE_THREADS = List.of("l2-arp-receiver", "l2-ndp-receiver", "l2-interfaces");

  private static long dataPlaneThreads() throws IOException {
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      return tasks.filter(t -> {
        try {
          return DATA_PLANE_THREADS.contains(Files.readString(t.resolve("comm")).strip());
        } catch (IOException ended) {
          return false;
        }
      }).count();
    }
  }

  /** Context switches of this JVM's receive and interface threads (three nodes' worth). */
  private static long dataPlaneWakeups() throws IOException {
    long sum = 0;
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (var task : tasks.toList()) {
        String name;
        List<String> status;
        try {
          name = Files.readString(task.resolve("comm")).strip();
          status = Files.readAllLines(task.resolve("status"));
        } catch (IOException ended) {
          continue;
        }
        if (DATA_PLANE_THREADS.contains(name)) {
          for (String line : status) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
          }
        }
      }
    }
    return sum;
  }

  @Test
  void malformedAndTruncatedFramesOnTheSegmentDoNotStopTheResponder() throws Exception {
    InetAddress vip = ip("198.51.100.205");
    a.announce(vip, List.of());
    long malformedBefore = statsA.drops(DropReason.MALFORMED);
    SplittableRandom random = new SplittableRandom(5);
    try (PacketSocket arpSocket = NetNamespace.call(attacker, () -> PacketSocket.open(PacketSocket.ETH_P_ARP, null, Duration.ofMillis(100)));
        PacketSocket v6Socket = NetNamespace.call(attacker, () -> PacketSocket.open(PacketSocket.ETH_P_IPV6, null, Duration.ofMillis(100)))) {
      int eth0 = NetNamespace.call(attacker, () -> LinuxSocketsTest.indexOf("eth0"));
      for (int i = 0; i < 5_000; i++) {
        boolean v6 = random.nextBoolean();
        byte[] f = new byte[14 + random.nextInt(v6 ? 90 : 40)];
        random.nextBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(f);
        bb.put(0, (byte) 0xff).put(1, (byte) 0xff).putInt(2, -1); // broadcast, so every node sees it
        if (v6) {
          bb.putShort(12, (short) EthernetHeader.ETHERTYPE_IPV6);
          if (f.length > 54) {
            bb.put(14, (byte) 0x60).put(20, (byte) 58).put(54, (byte) (random.nextBoolean() ? 135 : 136));
          }
        } else {
          bb.putShort(12, (short) EthernetHeader.ETHERTYPE_ARP);
        }
        try {
          (v6 ? v6Socket : arpSocket).send(eth0, bb);
        } catch (IOException e) {
          // some garbage is refused by the sending kernel; the rest is on the wire
        }
      }
    }
    await().atMost(T).until(() -> statsA.drops(DropReason.MALFORMED) > malformedBefore + 100);
    CommandResult arping = net.exec(client, T, "arping", "-c", "2", "-w", "5", "-I", "eth0", "198.51.100.205");
    assertThat(arping.ok()).as(arping.describe()).isTrue();
    assertThat(arping.stdout().toLowerCase(Locale.ROOT)).contains(MAC_A);
    a.withdraw(vip);
  }

  static InetAddress ip(String text) throws Exception {
    return InetAddress.getByName(text);
  }
}
