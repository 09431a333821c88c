package io.ironlb.l2;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.l2.packet.Addresses;
import io.ironlb.l2.packet.ArpPacket;
import io.ironlb.l2.packet.EthernetHeader;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.Ipv6Header;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.l2.packet.NdpMessage;
import io.ironlb.l2.packet.NdpOption;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The engine's decision for each kind of frame, on a fake link: one row per rule. */
class ResponderTest {

  static final MacAddress LAN_MAC = MacAddress.parse("02:00:00:00:0a:01");
  static final MacAddress CLIENT = MacAddress.parse("02:00:00:00:00:02");
  static final Inet4Address VIP = (Inet4Address) Addresses.inet4(new byte[] {(byte) 198, 51, 100, (byte) 200});
  static final Inet4Address OTHER = (Inet4Address) Addresses.inet4(new byte[] {(byte) 198, 51, 100, 99});
  static final Inet4Address CLIENT_IP = (Inet4Address) Addresses.inet4(new byte[] {(byte) 198, 51, 100, 2});
  static final Inet6Address VIP6 = v6("2001:db8:1::200");
  static final Inet6Address CLIENT6 = v6("2001:db8:1::2");
  static final NetInterface LAN = new NetInterface("lan0", 2, LAN_MAC, true, true, false, false, "", 0,
      List.of(new InterfaceAddress(Addresses.inet4(new byte[] {(byte) 198, 51, 100, 11}), 24), new InterfaceAddress(v6("2001:db8:1::11"), 64)));
  static final NetInterface INTERNAL = new NetInterface("int0", 3, MacAddress.parse("02:00:00:00:1a:01"), true, true, false, false, "", 0,
      List.of(new InterfaceAddress(Addresses.inet4(new byte[] {(byte) 203, 0, 113, 11}), 24)));

  FakeLink link;
  Layer2Counters stats;
  Layer2Engine engine;
  ScheduledExecutorService scheduler;
  AtomicLong clock = new AtomicLong(1_000_000_000L);

  @BeforeEach
  void engine() {
    link = new FakeLink();
    stats = new Layer2Counters();
    scheduler = Executors.newSingleThreadScheduledExecutor();
    // One round at takeover, then a refresh every second: a test that waits 2.5 s after withdrawal
    // would see two refreshes if withdrawal did not stop them.
    Layer2Config config = Layer2Config.defaults()
        .withRateLimit(new RateLimiter.Config(2, 2, 1000, 1000, 1000, 1000, 16))
        .withAnnounce(new Announcer.Config(List.of(java.time.Duration.ZERO), java.time.Duration.ofSeconds(1)));
    engine = new Layer2Engine(link, config, stats, c -> { }, scheduler, clock::get, s -> { });
    engine.interfacesChanged(InterfaceTable.of(List.of(LAN, INTERNAL)));
    engine.announce(VIP, List.of());
    engine.announce(VIP6, List.of());
    org.awaitility.Awaitility.await().until(() -> link.sent.size() == 3); // 2 gratuitous ARP + 1 NA at takeover
    link.sent.clear();
  }

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  record Case(String name, int ifindex, boolean outgoing, byte[] frame, DropReason expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> framesThatGetNoAnswer() {
    return Stream.of(
        new Case("our own outgoing frame", 2, true, arpRequest(MacAddress.BROADCAST, CLIENT, VIP), DropReason.OWN_FRAME),
        new Case("a frame from the ingress interface's own MAC", 2, false, arpRequest(MacAddress.BROADCAST, LAN_MAC, VIP), DropReason.OWN_FRAME),
        new Case("a truncated ARP packet", 2, false, java.util.Arrays.copyOf(arpRequest(MacAddress.BROADCAST, CLIENT, VIP), 30), DropReason.MALFORMED),
        new Case("an IPv4 packet", 2, false, ipv4(), DropReason.NOT_ARP_OR_NEIGHBOR_DISCOVERY),
        new Case("a request on an interface discovery does not know", 9, false, arpRequest(MacAddress.BROADCAST, CLIENT, VIP),
            DropReason.UNKNOWN_INTERFACE),
        new Case("a request unicast to another host's MAC", 2, false, arpRequest(MacAddress.parse("02:00:00:00:0b:01"), CLIENT, VIP),
            DropReason.ETHERNET_DESTINATION),
        new Case("an ARP reply", 2, false, new Frame.Arp(eth(MacAddress.BROADCAST, CLIENT), new ArpPacket(ArpPacket.Operation.REPLY, CLIENT,
            CLIENT_IP, LAN_MAC, VIP)).encode(), DropReason.NOT_A_REQUEST),
        new Case("a gratuitous ARP from someone else", 2, false, new Frame.Arp(eth(MacAddress.BROADCAST, CLIENT),
            ArpPacket.gratuitousRequest(CLIENT, CLIENT_IP)).encode(), DropReason.GRATUITOUS),
        new Case("a request for an address not announced", 2, false, arpRequest(MacAddress.BROADCAST, CLIENT, OTHER), DropReason.NOT_ANNOUNCED),
        new Case("a request for the VIP on the internal link", 3, false, arpRequest(MacAddress.BROADCAST, CLIENT, VIP), DropReason.NOT_ANNOUNCED),
        new Case("a neighbour solicitation with hop limit 64", 2, false, ns(CLIENT6, 64, VIP6), DropReason.NDP_HOP_LIMIT),
        new Case("a neighbour advertisement", 2, false, new Frame.Ndp(eth6(MacAddress.IPV6_ALL_NODES, CLIENT),
            Ipv6Header.forNdp(CLIENT6, Addresses.IPV6_ALL_NODES), new NdpMessage.NeighborAdvertisement(false, false, true, CLIENT6,
            List.of())).encode(), DropReason.NOT_A_REQUEST),
        new Case("a solicitation for an address not announced", 2, false, ns(CLIENT6, 255, v6("2001:db8:1::99")), DropReason.NOT_ANNOUNCED),
        new Case("a unicast request to the internal link's MAC for the VIP announced on the LAN", 3, false,
            arpRequest(INTERNAL.mac(), CLIENT, VIP), DropReason.NOT_ANNOUNCED),
        new Case("a unicast request to the LAN's MAC that arrives on the internal link", 3, false, arpRequest(LAN_MAC, CLIENT, VIP),
            DropReason.ETHERNET_DESTINATION),
        new Case("a unicast solicitation to the internal link's MAC for the VIP announced on the LAN", 3, false,
            unicastNs(INTERNAL.mac(), VIP6, VIP6, List.of()), DropReason.NOT_ANNOUNCED),
        new Case("a unicast solicitation to another host's MAC", 2, false,
            unicastNs(MacAddress.parse("02:00:00:00:0b:01"), VIP6, VIP6, List.of()), DropReason.ETHERNET_DESTINATION));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("framesThatGetNoAnswer")
  void everyFrameNotAnsweredHasANamedReasonThatIsCounted(Case c) {
    assertThat(engine.onFrame(c.ifindex(), c.outgoing(), ByteBuffer.wrap(c.frame()))).isEqualTo(Outcome.dropped(c.expected()));
    assertThat(stats.drops(c.expected())).isEqualTo(1);
    assertThat(link.sent).noneMatch(s -> s.frame() instanceof Frame.Arp arp && arp.arp().operation() == ArpPacket.Operation.REPLY
        && !arp.arp().isGratuitous());
  }

  @Test
  void requestsForAWatchedAddressAnotherNodeAnnouncesAreReportedAtMostOnceASecond() {
    java.util.List<InetAddress> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    engine.onRequest(heard::add);
    Inet6Address other6 = v6("2001:db8:1::99");
    engine.watchRequests(OTHER, true);
    engine.watchRequests(other6, true);
    engine.watchRequests(VIP, true); // announced here: answered, so nothing to report

    for (int i = 0; i < 3; i++) {
      engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, CLIENT, OTHER)));
      engine.onFrame(2, false, ByteBuffer.wrap(ns(CLIENT6, 255, other6)));
      engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, CLIENT, VIP)));
      engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, CLIENT, CLIENT_IP)));
      clock.addAndGet(100_000_000L);
    }
    assertThat(heard).as("a client asking three times in 300 ms: one report each").containsExactly(OTHER, other6);

    clock.addAndGet(1_000_000_000L);
    engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, CLIENT, OTHER)));
    assertThat(heard).as("a second later: reported again").containsExactly(OTHER, other6, OTHER);

    engine.watchRequests(OTHER, false);
    clock.addAndGet(2_000_000_000L);
    engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, CLIENT, OTHER)));
    assertThat(heard).as("no longer watched").hasSize(3);
  }

  @Test
  void anInterfaceTheExcludeL2ConfigMapNamesNeitherAnnouncesNorAnswers() {
    Layer2Engine excluding = new Layer2Engine(link, Layer2Config.defaults().withExcludedInterfaces(ExcludedInterfaces.of(List.of("^lan"))),
        stats, c -> { }, scheduler, clock::get, s -> { });
    excluding.interfacesChanged(InterfaceTable.of(List.of(LAN, INTERNAL)));
    excluding.announce(VIP, List.of());

    assertThat(excluding.announcedOn(VIP)).as("not on lan0, and not on the internal link instead").isEmpty();
    assertThat(excluding.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, CLIENT, VIP))))
        .isEqualTo(Outcome.dropped(DropReason.NOT_ANNOUNCED));
    assertThat(link.sent).isEmpty();
  }

  @Test
  void anArpRequestForTheVipIsAnsweredWithTheIngressMacToTheRequester() {
    link.sent.clear();
    Outcome o = engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, CLIENT, VIP)));
    assertThat(o).isEqualTo(new Outcome.Answered(VIP, "lan0"));
    assertThat(link.sent).containsExactly(new FakeLink.Sent(2, new Frame.Arp(eth(CLIENT, LAN_MAC),
        new ArpPacket(ArpPacket.Operation.REPLY, LAN_MAC, VIP, CLIENT, CLIENT_IP))));
    assertThat(stats.forIp(VIP).requestsReceived()).isEqualTo(1);
    assertThat(stats.forIp(VIP).responsesSent()).isEqualTo(1);
  }

  /**
   * What a client's kernel sends when its entry for the VIP goes STALE and traffic flows (NUD
   * probe): the request goes to the MAC it has cached, not to broadcast.
   */
  @Test
  void aUnicastArpRequestToTheIngressMacIsAnsweredLikeABroadcastOne() {
    assertThat(engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(LAN_MAC, CLIENT, VIP)))).isEqualTo(new Outcome.Answered(VIP, "lan0"));
    assertThat(link.sent).containsExactly(new FakeLink.Sent(2, new Frame.Arp(eth(CLIENT, LAN_MAC),
        new ArpPacket(ArpPacket.Operation.REPLY, LAN_MAC, VIP, CLIENT, CLIENT_IP))));
  }

  record UnicastNs(String name, Inet6Address ipDestination, List<NdpOption> options) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<UnicastNs> unicastSolicitations() {
    return Stream.of(
        new UnicastNs("to the VIP itself without a source link-layer option (Linux NUD probe, RFC 4861 7.2.2)", VIP6, List.of()),
        new UnicastNs("to the VIP itself with a source link-layer option", VIP6, List.of(new NdpOption.SourceLinkLayer(CLIENT))),
        new UnicastNs("to the VIP's solicited-node group, Ethernet-unicast to our MAC", Addresses.solicitedNode(VIP6), List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unicastSolicitations")
  void aUnicastNeighbourSolicitationForTheVipIsAnsweredToTheRequesterWithTheIngressMac(UnicastNs c) {
    assertThat(engine.onFrame(2, false, ByteBuffer.wrap(unicastNs(LAN_MAC, c.ipDestination(), VIP6, c.options()))))
        .isEqualTo(new Outcome.Answered(VIP6, "lan0"));
    assertThat(link.sent).singleElement().satisfies(s -> {
      Frame.Ndp ndp = (Frame.Ndp) s.frame();
      assertThat(ndp.ethernet().destination()).isEqualTo(CLIENT);
      assertThat(ndp.ethernet().source()).isEqualTo(LAN_MAC);
      assertThat(ndp.ip().source()).isEqualTo(VIP6);
      assertThat(ndp.ip().destination()).isEqualTo(CLIENT6);
      assertThat(ndp.message()).isEqualTo(new NdpMessage.NeighborAdvertisement(false, true, true, VIP6,
          List.of(new NdpOption.TargetLinkLayer(LAN_MAC))));
    });
  }

  @Test
  void aRequestWithAVlanTagIsAnsweredWithTheSameTag() {
    byte[] tagged = new Frame.Arp(new EthernetHeader(MacAddress.BROADCAST, CLIENT, 0x2007, EthernetHeader.ETHERTYPE_ARP),
        new ArpPacket(ArpPacket.Operation.REQUEST, CLIENT, CLIENT_IP, MacAddress.ZERO, VIP)).encode();
    assertThat(engine.onFrame(2, false, ByteBuffer.wrap(tagged))).isEqualTo(new Outcome.Answered(VIP, "lan0"));
    assertThat(link.sent.getFirst().frame().ethernet().vlanTag()).isEqualTo(0x2007);
  }

  @Test
  void aNeighborSolicitationForTheVipGetsASolicitedOverridingAdvertisement() {
    link.sent.clear();
    assertThat(engine.onFrame(2, false, ByteBuffer.wrap(ns(CLIENT6, 255, VIP6)))).isEqualTo(new Outcome.Answered(VIP6, "lan0"));
    assertThat(link.sent).singleElement().satisfies(s -> {
      Frame.Ndp ndp = (Frame.Ndp) s.frame();
      assertThat(ndp.ethernet().destination()).isEqualTo(CLIENT);
      assertThat(ndp.ip().destination()).isEqualTo(CLIENT6);
      assertThat(ndp.ip().hopLimit()).isEqualTo(255);
      assertThat(ndp.message()).isEqualTo(new NdpMessage.NeighborAdvertisement(false, true, true, VIP6,
          List.of(new NdpOption.TargetLinkLayer(LAN_MAC))));
    });
  }

  @Test
  void duplicateAddressDetectionForTheVipIsAnsweredToAllNodes() {
    link.sent.clear();
    assertThat(engine.onFrame(2, false, ByteBuffer.wrap(ns(Addresses.IPV6_UNSPECIFIED, 255, VIP6)))).isInstanceOf(Outcome.Answered.class);
    // The answer, not a refresh the engine's 1 s schedule may have sent meanwhile on a busy machine.
    Frame.Ndp ndp = link.sent.stream().map(FakeLink.Sent::frame).filter(Frame.Ndp.class::isInstance).map(Frame.Ndp.class::cast)
        .findFirst().orElseThrow();
    assertThat(ndp.ip().destination()).isEqualTo(Addresses.IPV6_ALL_NODES);
    assertThat(ndp.ethernet().destination()).isEqualTo(MacAddress.IPV6_ALL_NODES);
    assertThat(((NdpMessage.NeighborAdvertisement) ndp.message()).solicited()).isFalse();
  }

  @Test
  void aRequesterThatFloodsIsLimitedWhileAnotherRequesterIsStillAnswered() {
    MacAddress flooder = MacAddress.parse("02:00:00:00:ee:ee");
    long answered = 0;
    for (int i = 0; i < 100; i++) {
      if (engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, flooder, VIP))) instanceof Outcome.Answered) {
        answered++;
      }
    }
    assertThat(answered).isEqualTo(2);
    assertThat(stats.drops(DropReason.RATE_LIMITED)).isEqualTo(98);
    assertThat(engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, CLIENT, VIP)))).isInstanceOf(Outcome.Answered.class);
    clock.addAndGet(1_000_000_000L);
    assertThat(engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, flooder, VIP)))).isInstanceOf(Outcome.Answered.class);
  }

  @Test
  void aReplyThatCannotBeSentIsASendFailureNotACrash() {
    link.failSends = true;
    assertThat(engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, CLIENT, VIP))))
        .isEqualTo(Outcome.dropped(DropReason.SEND_FAILED));
  }

  @Test
  void afterWithdrawalTheVipIsNeitherAnsweredNorAnnounced() throws Exception {
    engine.withdraw(VIP);
    Thread.sleep(10); // let the burst's first round (scheduled at 0) run if it was going to
    link.sent.clear();
    assertThat(engine.onFrame(2, false, ByteBuffer.wrap(arpRequest(MacAddress.BROADCAST, CLIENT, VIP))))
        .isEqualTo(Outcome.dropped(DropReason.NOT_ANNOUNCED));
    org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(2500)).atMost(java.time.Duration.ofSeconds(4))
        .until(() -> link.sent.stream().noneMatch(s -> s.frame() instanceof Frame.Arp));
  }

  @Test
  void anIpv6VipJoinsItsSolicitedNodeGroupOnTheLanAndLeavesItOnWithdrawal() {
    assertThat(link.memberships).containsExactly("+2 33:33:ff:00:02:00");
    engine.withdraw(VIP6);
    assertThat(link.memberships).containsExactly("+2 33:33:ff:00:02:00", "-2 33:33:ff:00:02:00");
  }

  static byte[] arpRequest(MacAddress dst, MacAddress src, Inet4Address target) {
    return new Frame.Arp(eth(dst, src), new ArpPacket(ArpPacket.Operation.REQUEST, src, CLIENT_IP, MacAddress.ZERO, target)).encode();
  }

  static byte[] ns(Inet6Address src, int hopLimit, Inet6Address target) {
    Inet6Address group = Addresses.solicitedNode(target);
    List<NdpOption> opts = src.isAnyLocalAddress() ? List.of() : List.of(new NdpOption.SourceLinkLayer(CLIENT));
    return new Frame.Ndp(eth6(MacAddress.ofIpv6Multicast(group), CLIENT), new Ipv6Header(0, 0, 58, hopLimit, src, group),
        new NdpMessage.NeighborSolicitation(target, opts)).encode();
  }

  /** A solicitation from the client's global address sent to {@code mac} at IPv6 {@code dst}. */
  static byte[] unicastNs(MacAddress mac, Inet6Address dst, Inet6Address target, List<NdpOption> options) {
    return new Frame.Ndp(eth6(mac, CLIENT), new Ipv6Header(0, 0, 58, 255, CLIENT6, dst), new NdpMessage.NeighborSolicitation(target, options))
        .encode();
  }

  static byte[] ipv4() {
    byte[] f = new byte[60];
    EthernetHeader.untagged(LAN_MAC, CLIENT, EthernetHeader.ETHERTYPE_IPV4).encode(ByteBuffer.wrap(f));
    return f;
  }

  static EthernetHeader eth(MacAddress dst, MacAddress src) {
    return EthernetHeader.untagged(dst, src, EthernetHeader.ETHERTYPE_ARP);
  }

  static EthernetHeader eth6(MacAddress dst, MacAddress src) {
    return EthernetHeader.untagged(dst, src, EthernetHeader.ETHERTYPE_IPV6);
  }

  static Inet6Address v6(String s) {
    try {
      return (Inet6Address) InetAddress.getByName(s);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
