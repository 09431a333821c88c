package io.ironlb.l2.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.l2.InterfaceAddress;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.packet.Addresses;
import io.ironlb.l2.packet.ArpPacket;
import io.ironlb.l2.packet.Decoded;
import io.ironlb.l2.packet.EthernetHeader;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.netns.Host;
import io.ironlb.netns.TestNetwork;
import io.ironlb.netns.VethEnd;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("netns")
class LinuxSocketsTest {

  static TestNetwork net;
  static String a;
  static String b;

  @BeforeAll
  static void network() {
    String why = Host.whyNoNamespaces();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    TestNetwork.sweep(TestNetwork.PREFIX + "l2sock-");
    net = TestNetwork.create("l2sock");
    a = net.namespace("a");
    b = net.namespace("b");
    net.veth(new VethEnd(a, "lan0", "02:00:00:00:0a:01"), new VethEnd(b, "lan0", "02:00:00:00:0b:01"));
    net.veth(VethEnd.of(b, "port0"), VethEnd.of(a, "peer0"));
    net.bridge(b, "br0", "port0");
    net.address(a, "lan0", "198.51.100.1/24");
    net.address(a, "lan0", "2001:db8:1::1/64");
  }

  @AfterAll
  static void cleanUp() {
    if (net != null) {
      net.close();
    }
  }

  @Test
  void netlinkReportsNameMacFlagsKindMasterAndAddressesOfTheNamespaceItWasOpenedIn() throws Exception {
    List<NetInterface> inA = NetNamespace.call(a, () -> {
      try (Rtnetlink r = Rtnetlink.open()) {
        return r.interfaces();
      }
    });
    NetInterface lan = inA.stream().filter(i -> i.name().equals("lan0")).findFirst().orElseThrow();
    assertThat(lan.mac()).isEqualTo(MacAddress.parse("02:00:00:00:0a:01"));
    assertThat(lan.kind()).isEqualTo("veth");
    assertThat(lan.up()).isTrue();
    assertThat(lan.addresses()).contains(new InterfaceAddress(InetAddress.getByName("198.51.100.1"), 24),
        new InterfaceAddress(InetAddress.getByName("2001:db8:1::1"), 64));
    assertThat(inA).anySatisfy(i -> assertThat(i.loopback()).isTrue());
    assertThat(inA).noneMatch(i -> i.name().equals("br0"));

    List<NetInterface> inB = NetNamespace.call(b, () -> {
      try (Rtnetlink r = Rtnetlink.open()) {
        return r.interfaces();
      }
    });
    NetInterface br = inB.stream().filter(i -> i.name().equals("br0")).findFirst().orElseThrow();
    NetInterface port = inB.stream().filter(i -> i.name().equals("port0")).findFirst().orElseThrow();
    assertThat(br.kind()).isEqualTo("bridge");
    assertThat(port.masterIndex()).isEqualTo(br.index());
  }

  @Test
  void aFrameSentFromOneNamespaceArrivesAtAPacketSocketInTheOtherWithItsInterfaceIndex() throws Exception {
    int ifA = NetNamespace.call(a, () -> indexOf("lan0"));
    int ifB = NetNamespace.call(b, () -> indexOf("lan0"));
    try (PacketSocket sa = NetNamespace.call(a, () -> PacketSocket.open(PacketSocket.ETH_P_ARP, null, Duration.ofMillis(200)));
        PacketSocket sb = NetNamespace.call(b, () -> PacketSocket.open(PacketSocket.ETH_P_ARP, null, Duration.ofMillis(200)))) {
      assertThat(sa.hardwareAddress("lan0")).isEqualTo(MacAddress.parse("02:00:00:00:0a:01"));
      MacAddress mac = MacAddress.parse("02:00:00:00:0a:01");
      byte[] garp = new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, mac, EthernetHeader.ETHERTYPE_ARP),
          ArpPacket.gratuitousRequest(mac, (java.net.Inet4Address) InetAddress.getByName("198.51.100.77"))).encode();
      AtomicReference<Frame> got = new AtomicReference<>();
      AtomicReference<Integer> at = new AtomicReference<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      sa.send(ifA, ByteBuffer.wrap(garp));
      while (got.get() == null && System.nanoTime() < deadline) {
        sb.receive((ifindex, outgoing, frame) -> {
          if (!outgoing && Frame.decode(frame) instanceof Decoded.Ok<Frame>(Frame f) && f instanceof Frame.Arp arp
              && arp.arp().targetIp().equals(Addresses.inet4(new byte[] {(byte) 198, 51, 100, 77}))) {
            got.set(f);
            at.set(ifindex);
          }
        });
      }
      assertThat(got.get()).isNotNull();
      assertThat(at.get()).isEqualTo(ifB);
    }
  }

  @Test
  void theNeighborDiscoveryFilterAndMulticastMembershipAreAccepted() throws Exception {
    try (PacketSocket s = NetNamespace.call(a, () -> PacketSocket.open(PacketSocket.ETH_P_IPV6, Bpf.neighborDiscovery(), Duration.ofMillis(100)))) {
      int ifA = NetNamespace.call(a, () -> indexOf("lan0"));
      MacAddress group = MacAddress.parse("33:33:ff:00:00:c8");
      s.joinMulticast(ifA, group);
      s.leaveMulticast(ifA, group);
      assertThat(s.receive((i, o, f) -> { })).isIn(PacketSocket.Received.TIMEOUT, PacketSocket.Received.FRAME);
    }
  }

  static int indexOf(String name) throws Exception {
    try (Rtnetlink r = Rtnetlink.open()) {
      return r.interfaces().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow().index();
    }
  }
}
