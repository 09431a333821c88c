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
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Claims and probes on a fake link, with a clock the test moves. */
class ConflictWatchTest {

  static final MacAddress INTRUDER = MacAddress.parse("02:00:00:00:0f:01");
  static final MacAddress PEER = MacAddress.parse("02:00:00:00:0b:01");

  FakeLink link;
  Layer2Engine engine;
  ScheduledExecutorService scheduler;
  final AtomicLong clock = new AtomicLong(1_000_000_000L);
  final List<Claim> claims = new CopyOnWriteArrayList<>();

  @BeforeEach
  void engine() {
    link = new FakeLink();
    scheduler = Executors.newSingleThreadScheduledExecutor();
    Layer2Config config = Layer2Config.defaults().withAnnounce(new Announcer.Config(List.of(Duration.ZERO), Duration.ofHours(1)));
    engine = new Layer2Engine(link, config, new Layer2Counters(), claims::add, scheduler, clock::get, s -> { });
    engine.interfacesChanged(InterfaceTable.of(List.of(ResponderTest.LAN, ResponderTest.INTERNAL)));
  }

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void aForeignGratuitousArpForAnAnnouncedVipIsReportedOncePerEpisodeAndDefendedEachTime() {
    engine.announce(ResponderTest.VIP, List.of());
    org.awaitility.Awaitility.await().until(() -> link.sent.size() == 2);
    link.sent.clear();
    for (int i = 0; i < 5; i++) {
      clock.addAndGet(1_000_000_000L);
      engine.onFrame(2, false, garp(INTRUDER));
    }
    assertThat(claims).containsExactly(new Claim(ResponderTest.VIP, INTRUDER, "lan0", "gratuitous ARP"));
    // A device that keeps claiming would win the clients back with each claim left unanswered.
    assertThat(link.sent).hasSize(5 * 2); // a defence round per claim: request and reply forms

    clock.addAndGet(Duration.ofSeconds(11).toNanos()); // quiet for longer than the episode
    engine.onFrame(2, false, garp(INTRUDER));
    assertThat(claims).hasSize(2);
  }

  @Test
  void claimsInQuickSuccessionAreDefendedAtMostOncePerGap() {
    engine.announce(ResponderTest.VIP, List.of());
    org.awaitility.Awaitility.await().until(() -> link.sent.size() == 2);
    link.sent.clear();
    for (int i = 0; i < 10; i++) {
      clock.addAndGet(ConflictWatch.DEFEND_GAP.toNanos() / 10); // ten claims within one gap
      engine.onFrame(2, false, garp(INTRUDER));
    }
    assertThat(link.sent).hasSize(2);
    clock.addAndGet(ConflictWatch.DEFEND_GAP.toNanos());
    engine.onFrame(2, false, garp(INTRUDER));
    assertThat(link.sent).hasSize(4);
  }

  @Test
  void forgedClaimsFromEverNewMacsCostABoundedNumberOfReportsAndDefencesPerEpisode() {
    engine.announce(ResponderTest.VIP, List.of());
    org.awaitility.Awaitility.await().until(() -> link.sent.size() == 2);
    link.sent.clear();
    for (int i = 0; i < 1000; i++) {
      engine.onFrame(2, false, garp(new MacAddress(0x0200_0000_1000L + i)));
    }
    assertThat(claims).hasSize(ConflictWatch.MAX_CLAIMANTS);
    assertThat(link.sent).hasSize(2 * ConflictWatch.MAX_CLAIMANTS);
  }

  @Test
  void aClusterPeerClaimingDuringAForeignEpisodeIsStillReported() {
    engine.announce(ResponderTest.VIP, List.of());
    engine.onFrame(2, false, garp(INTRUDER));
    engine.onFrame(2, false, garp(PEER));
    engine.onFrame(2, false, garp(INTRUDER));
    assertThat(claims).extracting(Claim::mac).containsExactly(INTRUDER, PEER);
  }

  @Test
  void aForeignNeighborAdvertisementForAnAnnouncedIpv6VipIsReported() {
    engine.announce(ResponderTest.VIP6, List.of());
    var na = new Frame.Ndp(EthernetHeader.untagged(MacAddress.IPV6_ALL_NODES, INTRUDER, EthernetHeader.ETHERTYPE_IPV6),
        Ipv6Header.forNdp(ResponderTest.VIP6, Addresses.IPV6_ALL_NODES),
        new NdpMessage.NeighborAdvertisement(false, false, true, ResponderTest.VIP6, List.of(new NdpOption.TargetLinkLayer(INTRUDER))));
    engine.onFrame(2, false, ByteBuffer.wrap(na.encode()));
    assertThat(claims).containsExactly(new Claim(ResponderTest.VIP6, INTRUDER, "lan0", "neighbour advertisement"));
  }

  @Test
  void claimsForAddressesNotAnnouncedAndWithdrawnOnesAreNotReported() {
    engine.onFrame(2, false, garp(INTRUDER));
    engine.announce(ResponderTest.VIP, List.of());
    engine.withdraw(ResponderTest.VIP);
    engine.onFrame(2, false, garp(INTRUDER));
    assertThat(claims).isEmpty();
  }

  @Test
  void aProbeAnsweredByAForeignMacReportsItTakenAndAClusterMacDoesNot() throws Exception {
    var taken = engine.probe(ResponderTest.VIP, List.of(), java.util.Set.of(PEER));
    org.awaitility.Awaitility.await().until(() -> !link.sent.isEmpty());
    assertThat(link.sent.getFirst().frame()).isInstanceOfSatisfying(Frame.Arp.class, a -> assertThat(a.arp().isProbe()).isTrue());
    engine.onFrame(2, false, reply(PEER));
    assertThat(taken).isNotDone();
    engine.onFrame(2, false, reply(INTRUDER));
    assertThat(taken.get(1, TimeUnit.SECONDS)).isEqualTo(new ProbeResult.Taken(INTRUDER, "lan0", "ARP reply"));

    assertThat(engine.probe(ResponderTest.VIP, List.of(), java.util.Set.of(PEER)).get(2, TimeUnit.SECONDS))
        .isEqualTo(new ProbeResult.Free(List.of("lan0")));
  }

  @Test
  void aVerificationAsksEightTimesWhenNobodyAnswers() throws Exception {
    assertThat(engine.verify(ResponderTest.VIP, List.of()).get(2, TimeUnit.SECONDS)).isEqualTo(new ProbeResult.Free(List.of("lan0")));
    assertThat(link.sent).as("one probe per attempt on the LAN, where the address belongs").hasSize(8)
        .allSatisfy(s -> assertThat(s.frame()).isInstanceOfSatisfying(Frame.Arp.class, a -> assertThat(a.arp().isProbe()).isTrue()));
  }

  @Test
  void aProbeEndsAtTheFirstAnswerItCountsAndSendsNoMore() throws Exception {
    // Probes a second apart, so the answer surely comes between the first and the second.
    ConflictProbe probe = new ConflictProbe(link, engine::interfaces, scheduler);
    var answered = probe.probe(ResponderTest.VIP, List.of(ResponderTest.LAN), java.util.Set.of(),
        new ConflictProbe.Config(8, Duration.ofSeconds(1), Duration.ofMillis(100)));
    org.awaitility.Awaitility.await().pollInterval(Duration.ofMillis(5)).until(() -> !link.sent.isEmpty());
    probe.observe(ResponderTest.LAN, ((io.ironlb.l2.packet.Decoded.Ok<Frame>) Frame.decode(reply(PEER))).value());
    assertThat(answered.get(1, TimeUnit.SECONDS)).as("a cluster node's answer counts when no MAC is ignored")
        .isEqualTo(new ProbeResult.Taken(PEER, "lan0", "ARP reply"));
    org.awaitility.Awaitility.await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> link.sent.size() == 1);
  }

  @Test
  void aProbeForAnAddressNoInterfaceServesIsNotProbed() throws Exception {
    assertThat(engine.probe(ResponderTest.VIP, List.of("eth9"), java.util.Set.of()).get(1, TimeUnit.SECONDS))
        .isInstanceOf(ProbeResult.NotProbed.class);
  }

  static ByteBuffer garp(MacAddress mac) {
    return ByteBuffer.wrap(new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, mac, EthernetHeader.ETHERTYPE_ARP),
        ArpPacket.gratuitousRequest(mac, ResponderTest.VIP)).encode());
  }

  static ByteBuffer reply(MacAddress mac) {
    return ByteBuffer.wrap(new Frame.Arp(EthernetHeader.untagged(ResponderTest.LAN_MAC, mac, EthernetHeader.ETHERTYPE_ARP),
        new ArpPacket(ArpPacket.Operation.REPLY, mac, ResponderTest.VIP, ResponderTest.LAN_MAC, Addresses.IPV4_UNSPECIFIED)).encode());
  }
}
