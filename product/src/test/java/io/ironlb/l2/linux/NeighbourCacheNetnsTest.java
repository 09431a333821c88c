package io.ironlb.l2.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ironlb.l2.Announcer;
import io.ironlb.l2.DropReason;
import io.ironlb.l2.Layer2Config;
import io.ironlb.l2.Layer2Counters;
import io.ironlb.l2.packet.Addresses;
import io.ironlb.l2.packet.Decoded;
import io.ironlb.l2.packet.EthernetHeader;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.Ipv6Header;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.l2.packet.NdpMessage;
import io.ironlb.l2.packet.NdpOption;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Host;
import io.ironlb.netns.LabProcess;
import io.ironlb.netns.Neighbour;
import io.ironlb.netns.Netns;
import io.ironlb.netns.TestNetwork;
import io.ironlb.netns.VethEnd;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Neighbour caches on real packets: a client whose kernel re-validates a STALE entry with unicast
 * probes (NUD), a gateway resolving hundreds of addresses at once, and a takeover of many
 * addresses watched from the segment. Node A has a LAN and an internal link (with a host of its
 * own); node P announces with a low frames-per-second bound. Each node runs {@link LinuxLayer2}
 * in-process, opened inside its namespace.
 */
@Tag("netns")
class NeighbourCacheNetnsTest {

  static final Duration T = Duration.ofSeconds(15);
  static final String MAC_CLIENT = "02:00:00:00:00:02";
  static final String MAC_A = "02:00:00:00:0a:01";
  static final String MAC_A_INTERNAL = "02:00:00:00:1a:01";
  static final String MAC_P = "02:00:00:00:0d:01";
  static final int PACED_FRAMES_PER_SECOND = 100;

  static TestNetwork net;
  static String lan;
  static String client;
  static String inside;
  static String nodeA;
  static String nodeP;
  static LinuxLayer2 a;
  static LinuxLayer2 p;
  static final Layer2Counters statsA = new Layer2Counters();

  @BeforeAll
  static void network() throws Exception {
    String why = Host.whyNoNamespaces();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    List<String> missing = Host.missing("arping", "ping", "tcpdump");
    Assumptions.assumeTrue(missing.isEmpty(), () -> "skipped: missing " + missing + " (Debian: iputils-arping iputils-ping tcpdump)");
    TestNetwork.sweep(TestNetwork.PREFIX + "nbr-");
    net = TestNetwork.create("nbr");
    lan = net.namespace("lan");
    String internal = net.namespace("internal");
    client = net.namespace("client");
    inside = net.namespace("inside");
    nodeA = net.namespace("node-a");
    nodeP = net.namespace("node-p");
    net.veth(new VethEnd(client, "eth0", MAC_CLIENT), VethEnd.of(lan, "p-client"));
    net.veth(new VethEnd(nodeA, "lan0", MAC_A), VethEnd.of(lan, "p-a"));
    net.veth(new VethEnd(nodeP, "lan0", MAC_P), VethEnd.of(lan, "p-p"));
    net.bridge(lan, "br0", "p-client", "p-a", "p-p");
    net.veth(new VethEnd(nodeA, "int0", MAC_A_INTERNAL), VethEnd.of(internal, "q-a"));
    net.veth(VethEnd.of(inside, "eth0"), VethEnd.of(internal, "q-inside"));
    net.bridge(internal, "br1", "q-a", "q-inside");
    net.address(client, "eth0", "198.51.100.2/24");
    net.address(client, "eth0", "2001:db8:1::2/64");
    net.address(nodeA, "lan0", "198.51.100.11/24");
    net.address(nodeA, "lan0", "2001:db8:1::11/64");
    net.address(nodeP, "lan0", "198.51.100.12/24");
    net.address(nodeA, "int0", "203.0.113.11/24");
    net.address(nodeA, "int0", "2001:db8:2::11/64");
    net.address(inside, "eth0", "203.0.113.2/24");
    net.address(inside, "eth0", "2001:db8:2::2/64");
    // A STALE entry is probed 1 s after traffic uses it instead of 5 s.
    for (String host : List.of(client, inside)) {
      Netns.sysctl(host, "net.ipv4.neigh.eth0.delay_first_probe_time", "1");
      Netns.sysctl(host, "net.ipv6.neigh.eth0.delay_first_probe_time", "1");
    }
    List<Duration> burst = List.of(Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(200));
    a = LinuxLayer2.openIn(nodeA, Layer2Config.defaults().withAnnounce(new Announcer.Config(burst, Duration.ofHours(1))), statsA, claim -> { });
    // The burst's repeats come late enough (1 s) that announcing 100 addresses is done long before, also on a busy machine.
    p = LinuxLayer2.openIn(nodeP, Layer2Config.defaults().withAnnounce(new Announcer.Config(
        List.of(Duration.ZERO, Duration.ofSeconds(1), Duration.ofMillis(1_500)), Duration.ofHours(1), PACED_FRAMES_PER_SECOND)),
        new Layer2Counters(), claim -> { });
  }

  @AfterAll
  static void cleanUp() {
    for (AutoCloseable x : new AutoCloseable[] {a, p}) {
      try {
        if (x != null) {
          x.close();
        }
      } catch (Exception e) {
        // the namespaces go anyway
      }
    }
    if (net != null) {
      net.close();
    }
  }

  @Test
  void aClientKernelsUnicastArpProbeOfAStaleEntryIsAnsweredSoTheEntryStaysValid() throws Exception {
    String vip = "198.51.100.210";
    a.announce(ip(vip), List.of());
    try (Capture requests = Capture.arp(lan, "p-client")) {
      makeStaleAndUse(client, vip, MAC_A);

      await().atMost(T).untilAsserted(() -> assertThat(net.neighbour(client, vip)).get()
          .satisfies(n -> assertThat(n.state()).isEqualTo("REACHABLE"), n -> assertThat(n.mac()).isEqualTo(MAC_A)));
      // The kernel asked the MAC it had, never broadcast: the answer came to its unicast probe.
      List<Frame.Arp> asked = requests.arpFor(ip(vip));
      assertThat(asked).isNotEmpty().allSatisfy(f -> assertThat(f.ethernet().destination()).isEqualTo(MacAddress.parse(MAC_A)));
    } finally {
      a.withdraw(ip(vip));
    }
  }

  @Test
  void aClientKernelsUnicastNeighbourSolicitationToTheVipItselfIsAnswered() throws Exception {
    String vip = "2001:db8:1::210";
    a.announce(ip(vip), List.of());
    try (Capture solicitations = Capture.ndp(lan, "p-client")) {
      makeStaleAndUse(client, vip, MAC_A);

      await().atMost(T).untilAsserted(() -> assertThat(net.neighbour(client, vip)).get()
          .satisfies(n -> assertThat(n.state()).isEqualTo("REACHABLE"), n -> assertThat(n.mac()).isEqualTo(MAC_A)));
      List<Frame.Ndp> asked = solicitations.solicitationsFor(ip(vip));
      assertThat(asked).isNotEmpty().allSatisfy(f -> {
        assertThat(f.ethernet().destination()).isEqualTo(MacAddress.parse(MAC_A));
        assertThat(f.ip().destination()).isEqualTo(ip(vip));
      });
    } finally {
      a.withdraw(ip(vip));
    }
  }

  @Test
  void arpingsUnicastFollowUpRequestsAreAnswered() throws Exception {
    String vip = "198.51.100.211";
    a.announce(ip(vip), List.of());
    try (Capture requests = Capture.arp(lan, "p-client")) {
      // iputils arping broadcasts until the first reply, then asks the MAC that answered.
      CommandResult arping = net.exec(client, T, "arping", "-c", "3", "-w", "6", "-I", "eth0", vip);

      assertThat(arping.ok()).as(arping.describe()).isTrue();
      assertThat(arping.stdout()).as(arping.describe()).contains("Received 3 response(s)");
      await().atMost(T).until(() -> requests.arpFor(ip(vip)).size() == 3);
      assertThat(requests.arpFor(ip(vip))).extracting(f -> f.ethernet().destination())
          .containsExactly(MacAddress.BROADCAST, MacAddress.parse(MAC_A), MacAddress.parse(MAC_A));
    } finally {
      a.withdraw(ip(vip));
    }
  }

  /**
   * The host on the internal link has the VIP cached at node A's internal MAC (as after a
   * misconfiguration) and probes it there; node A announces it only on the LAN, so the probes go
   * unanswered and the entry fails, on both families.
   */
  @Test
  void unicastProbesToTheInternalLinksMacForAVipAnnouncedOnTheLanAreNotAnswered() throws Exception {
    List<String> vips = List.of("198.51.100.212", "2001:db8:1::212");
    for (String vip : vips) {
      a.announce(ip(vip), List.of());
      assertThat(a.announcedOn(ip(vip))).containsExactly("lan0");
      net.exec(inside, T, "ip", "route", "add", vip + (vip.contains(":") ? "/128" : "/32"), "dev", "eth0").orThrow();
    }
    long notAnnounced = statsA.drops(DropReason.NOT_ANNOUNCED);
    try {
      for (String vip : vips) {
        makeStaleAndUse(inside, vip, MAC_A_INTERNAL);
      }

      await().atMost(T).untilAsserted(() -> assertThat(vips).allSatisfy(vip -> assertThat(net.neighbour(inside, vip))
          .get().extracting(Neighbour::state).isEqualTo("FAILED")));
      assertThat(statsA.drops(DropReason.NOT_ANNOUNCED) - notAnnounced).isGreaterThanOrEqualTo(2 * 3); // 3 unicast probes each
    } finally {
      vips.forEach(vip -> a.withdraw(ip(vip)));
    }
  }

  /**
   * A gateway that resolves 500 announced addresses at once (neighbour solicitations from one MAC)
   * gets all 500 answers; the same gateway flooding one address gets that address's share only.
   */
  @Test
  void aGatewayResolving500AddressesAtOnceGetsEveryAnswerAndAFloodForOneStaysLimited() throws Exception {
    List<Inet6Address> vips = new ArrayList<>();
    for (int i = 1; i <= 500; i++) {
      vips.add((Inet6Address) ip("2001:db8:1::1:" + Integer.toHexString(i)));
    }
    vips.forEach(v -> a.announce(v, List.of()));
    MacAddress gateway = MacAddress.parse(MAC_CLIENT);
    Inet6Address gatewayIp = (Inet6Address) ip("2001:db8:1::2");
    try (PacketSocket tx = NetNamespace.call(client, () -> PacketSocket.open(PacketSocket.ETH_P_IPV6, null, Duration.ofMillis(50)));
        Capture answers = Capture.ndp(client, "eth0")) {
      int eth0 = NetNamespace.call(client, () -> LinuxSocketsTest.indexOf("eth0"));
      long start = System.nanoTime();
      for (Inet6Address vip : vips) {
        tx.send(eth0, ByteBuffer.wrap(solicitation(gateway, gatewayIp, vip)));
      }
      assertThat(System.nanoTime() - start).as("500 solicitations sent within a second").isLessThan(1_000_000_000L);

      await().atMost(T).untilAsserted(() -> assertThat(answers.advertisedTargets()).containsAll(vips));

      long limited = statsA.drops(DropReason.RATE_LIMITED);
      Inet6Address flooded = vips.getFirst();
      int before = answers.advertisementsOf(flooded);
      long floodStart = System.nanoTime();
      for (int i = 0; i < 1_000; i++) {
        tx.send(eth0, ByteBuffer.wrap(solicitation(gateway, gatewayIp, flooded)));
      }
      double seconds = (System.nanoTime() - floodStart) / 1e9;
      await().atMost(T).until(() -> statsA.drops(DropReason.RATE_LIMITED) - limited + answers.advertisementsOf(flooded) - before >= 1_000);
      int answered = answers.advertisementsOf(flooded) - before;
      // 50 at once (minus the one the first round took), then 50/s; the bound allows for a slow machine.
      assertThat(answered).isBetween(49, 50 + (int) Math.ceil(seconds * 50) + 50);
      assertThat(statsA.drops(DropReason.RATE_LIMITED) - limited).isGreaterThanOrEqualTo(1_000 - answered);
    } finally {
      vips.forEach(a::withdraw);
    }
  }

  /**
   * Node P takes over 100 addresses at once with a bound of 100 frames/s and a burst of three
   * rounds (0, 1, 1.5 s): on the wire (tcpdump on the client, kernel timestamps), every address has
   * its first announcement before any has its second, and no second of the capture holds more than
   * the bound plus one bucket. The first rounds take 1.9 s, so the repeats due meanwhile wait, and
   * the one due at 1.5 s merges with the one still waiting from 1 s: two or three rounds.
   */
  @Test
  void aMassTakeoverAnnouncesEveryAddressOnceBeforeAnyTwiceWithinTheFrameBound() throws Exception {
    int count = 100;
    List<InetAddress> vips = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      vips.add(ip("198.51.100." + (100 + i)));
    }
    LabProcess tcpdump = net.start("tcpdump-pacing", client, "tcpdump", "-Z", "root", "-i", "eth0", "-nn", "-e", "-tt", "-l",
        "arp and ether src " + MAC_P);
    try {
      await().atMost(T).until(() -> Files.readString(tcpdump.log()).contains("listening on"));
      vips.forEach(v -> p.announce(v, List.of()));

      await().atMost(Duration.ofSeconds(30)).until(() -> parseTcpdump(Files.readString(tcpdump.log())).size() >= count * 2 * 2);
      AtomicInteger last = new AtomicInteger();
      await().during(Duration.ofMillis(1_500)).atMost(T).until(() -> {
        int n = parseTcpdump(Files.readString(tcpdump.log())).size();
        return n == last.getAndSet(n);
      });
      List<Seen> seen = parseTcpdump(Files.readString(tcpdump.log()));
      Map<InetAddress, Integer> framesSoFar = new HashMap<>();
      int lastFirst = -1;
      int firstRepeat = Integer.MAX_VALUE;
      for (int i = 0; i < seen.size(); i++) {
        int round = (framesSoFar.merge(seen.get(i).vip(), 1, Integer::sum) - 1) / 2;
        if (round == 0) {
          lastFirst = i;
        } else {
          firstRepeat = Math.min(firstRepeat, i);
        }
      }
      assertThat(framesSoFar.keySet()).containsExactlyInAnyOrderElementsOf(vips);
      assertThat(framesSoFar.values()).allSatisfy(frames -> assertThat(frames).isIn(4, 6));
      assertThat(lastFirst).as("the last first-round frame comes before the first repeat").isLessThan(firstRepeat);
      int bucket = PACED_FRAMES_PER_SECOND / 10;
      for (Seen s : seen) {
        long inSecond = seen.stream().filter(o -> o.micros() >= s.micros() && o.micros() < s.micros() + 1_000_000).count();
        assertThat(inSecond).as("frames in the second from %d µs", s.micros()).isLessThanOrEqualTo(PACED_FRAMES_PER_SECOND + bucket);
      }
    } finally {
      tcpdump.kill();
      vips.forEach(p::withdraw);
    }
  }

  /** Puts {@code vip} at {@code mac} as STALE in {@code host}'s table and sends a ping through it, which starts NUD. */
  static void makeStaleAndUse(String host, String vip, String mac) {
    net.exec(host, T, "ip", "neigh", "replace", vip, "lladdr", mac, "dev", "eth0", "nud", "stale").orThrow();
    // Nobody answers the ping (the VIP is on no interface); it only makes the kernel use the entry.
    net.exec(host, T, "ping", vip.contains(":") ? "-6" : "-4", "-c", "1", "-W", "1", vip);
  }

  record Seen(long micros, InetAddress vip) {}

  static final Pattern TCPDUMP_LINE = Pattern.compile("^(\\d+)\\.(\\d{6}) .*?ARP.*?length \\d+: \\D*(\\d+\\.\\d+\\.\\d+\\.\\d+)");

  /** Frames in capture order: tcpdump's kernel timestamp and the announced address (the first IPv4 after the header). */
  static List<Seen> parseTcpdump(String log) throws Exception {
    List<Seen> out = new ArrayList<>();
    for (String line : log.lines().toList()) {
      Matcher m = TCPDUMP_LINE.matcher(line);
      if (m.find()) {
        out.add(new Seen(Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong(m.group(2)), ip(m.group(3))));
      }
    }
    return out;
  }

  static byte[] solicitation(MacAddress from, Inet6Address fromIp, Inet6Address target) {
    Inet6Address group = Addresses.solicitedNode(target);
    return new Frame.Ndp(EthernetHeader.untagged(MacAddress.ofIpv6Multicast(group), from, EthernetHeader.ETHERTYPE_IPV6),
        Ipv6Header.forNdp(fromIp, group), new NdpMessage.NeighborSolicitation(target, List.of(new NdpOption.SourceLinkLayer(from)))).encode();
  }

  /** Frames received on one interface of a namespace, decoded, collected by a thread of its own until closed. */
  static final class Capture implements AutoCloseable {
    private final PacketSocket socket;
    private final Thread thread;
    private final List<Frame> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private Capture(String ns, String ifname, int ethertype, Bpf.Program filter) throws Exception {
      this.socket = NetNamespace.call(ns, () -> PacketSocket.open(ethertype, filter, Duration.ofMillis(50)));
      int index = NetNamespace.call(ns, () -> LinuxSocketsTest.indexOf(ifname));
      this.thread = Thread.ofPlatform().daemon().start(() -> {
        while (!closed) {
          try {
            socket.receive((ifindex, outgoing, frame) -> {
              if (ifindex == index && !outgoing && Frame.decode(frame) instanceof Decoded.Ok<Frame>(Frame f)) {
                frames.add(f);
              }
            });
          } catch (java.io.IOException e) {
            return;
          }
        }
      });
    }

    /**
     * All ARP on {@code ifname}. The socket is for every protocol: on a bridge port the bridge takes
     * the frame before a socket for one protocol would see it.
     */
    static Capture arp(String ns, String ifname) throws Exception {
      return new Capture(ns, ifname, PacketSocket.ETH_P_ALL, new Bpf.Program(List.of(
          new Bpf.Insn(0x28, 0, 0, 12), new Bpf.Insn(0x15, 0, 1, EthernetHeader.ETHERTYPE_ARP),
          new Bpf.Insn(0x06, 0, 0, 0x40000), new Bpf.Insn(0x06, 0, 0, 0))));
    }

    static Capture ndp(String ns, String ifname) throws Exception {
      return new Capture(ns, ifname, PacketSocket.ETH_P_ALL, Bpf.neighborDiscovery());
    }

    /** ARP requests (not announcements) for {@code target}, in order. */
    List<Frame.Arp> arpFor(InetAddress target) {
      return frames.stream().filter(f -> f instanceof Frame.Arp a && a.arp().operation() == io.ironlb.l2.packet.ArpPacket.Operation.REQUEST
          && !a.arp().isGratuitous() && a.arp().targetIp().equals(target)).map(f -> (Frame.Arp) f).toList();
    }

    List<Frame.Ndp> solicitationsFor(InetAddress target) {
      return frames.stream().filter(f -> f instanceof Frame.Ndp n && n.message() instanceof NdpMessage.NeighborSolicitation ns
          && ns.target().equals(target)).map(f -> (Frame.Ndp) f).toList();
    }

    Set<Inet6Address> advertisedTargets() {
      Set<Inet6Address> out = new HashSet<>();
      frames.forEach(f -> {
        if (f instanceof Frame.Ndp n && n.message() instanceof NdpMessage.NeighborAdvertisement na && na.solicited()) {
          out.add(na.target());
        }
      });
      return out;
    }

    int advertisementsOf(Inet6Address target) {
      return (int) frames.stream().filter(f -> f instanceof Frame.Ndp n && n.message() instanceof NdpMessage.NeighborAdvertisement na
          && na.solicited() && na.target().equals(target)).count();
    }

    @Override
    public void close() throws InterruptedException {
      closed = true;
      thread.join(2_000);
      socket.close();
    }
  }

  static InetAddress ip(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
