package io.ironlb.l2.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each row: a frame broken in one way, and the rule the decoder names for it. */
class MalformedFrameTest {

  record Case(String name, byte[] frame, Malformation expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  record OtherCase(String name, byte[] frame, Frame.Kind expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final MacAddress MAC = MacAddress.parse("02:00:00:00:00:01");
  static final Inet6Address SRC = Addresses.inet6(hex("20010db8000000000000000000000001"));
  static final Inet6Address TARGET = Addresses.inet6(hex("20010db80000000000000000000000c8"));
  static final int ETH = EthernetHeader.LENGTH;
  static final int ICMP = ETH + Ipv6Header.LENGTH;

  static Stream<Case> malformedFrames() {
    return Stream.of(
        new Case("an empty frame is truncated", new byte[0], Malformation.TRUNCATED),
        new Case("13 bytes of Ethernet header are truncated", new byte[13], Malformation.TRUNCATED),
        new Case("a VLAN tag cut short is truncated", Arrays.copyOf(tagged(), 16), Malformation.TRUNCATED),
        new Case("ARP of 27 bytes is truncated", Arrays.copyOf(arp(b -> {}), ETH + 27), Malformation.TRUNCATED),
        new Case("ARP over a non-Ethernet link layer", arp(b -> b.putShort(ETH, (short) 6)), Malformation.ARP_HARDWARE_TYPE),
        new Case("ARP for a protocol other than IPv4", arp(b -> b.putShort(ETH + 2, (short) 0x86dd)), Malformation.ARP_PROTOCOL_TYPE),
        new Case("ARP with 8-byte hardware addresses", arp(b -> b.put(ETH + 4, (byte) 8)), Malformation.ARP_ADDRESS_LENGTHS),
        new Case("ARP with 16-byte protocol addresses", arp(b -> b.put(ETH + 5, (byte) 16)), Malformation.ARP_ADDRESS_LENGTHS),
        new Case("ARP operation 3 (RARP request)", arp(b -> b.putShort(ETH + 6, (short) 3)), Malformation.ARP_OPERATION),
        new Case("an IPv6 header of 39 bytes is truncated", Arrays.copyOf(ns(b -> {}, true), ICMP - 1), Malformation.TRUNCATED),
        new Case("IP version 4 inside an IPv6 ethertype", ns(b -> b.put(ETH, (byte) 0x45), true), Malformation.IPV6_VERSION),
        new Case("IPv6 payload length beyond the frame", ns(b -> b.putShort(ETH + 4, (short) 200), true), Malformation.TRUNCATED),
        new Case("a neighbour solicitation with a wrong checksum", ns(b -> b.putShort(ICMP + 2, (short) 0x1234), false), Malformation.ICMPV6_CHECKSUM),
        new Case("a neighbour solicitation with ICMP code 1", ns(b -> b.put(ICMP + 1, (byte) 1), true), Malformation.NDP_CODE),
        new Case("a neighbour solicitation of 23 bytes", shortNs(), Malformation.TRUNCATED),
        new Case("an option of length 0", ns(b -> b.put(ICMP + 25, (byte) 0), true), Malformation.NDP_OPTION_LENGTH_ZERO),
        new Case("an option longer than the message", ns(b -> b.put(ICMP + 24, (byte) 9).put(ICMP + 25, (byte) 2), true), Malformation.TRUNCATED),
        new Case("a source link-layer option of 16 bytes", withLongLinkLayerOption(), Malformation.NDP_LINK_LAYER_OPTION_LENGTH),
        new Case("a solicitation for a multicast target", ns(b -> b.put(ICMP + 8, (byte) 0xff), true), Malformation.NDP_TARGET_MULTICAST),
        new Case("duplicate address detection with a source link-layer option", dadWithSourceOption(),
            Malformation.NDP_UNSPECIFIED_SOURCE_WITH_LINK_LAYER_OPTION));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedFrames")
  void aBrokenFrameIsRefusedWithTheRuleItBreaks(Case c) {
    Decoded<Frame> result = Frame.decode(ByteBuffer.wrap(c.frame()));
    assertThat(result).isInstanceOfSatisfying(Decoded.Malformed.class, m -> assertThat(m.reason()).isEqualTo(c.expected()));
  }

  static Stream<OtherCase> framesThatAreNotForUs() {
    byte[] ipv4 = arp(b -> {});
    ByteBuffer.wrap(ipv4).putShort(12, (short) 0x0800);
    byte[] udp = ns(b -> b.put(ETH + 6, (byte) 17), false);
    byte[] echo = ns(b -> b.put(ICMP, (byte) 128), true);
    return Stream.of(
        new OtherCase("an IPv4 frame", ipv4, Frame.Kind.NOT_ARP_OR_IPV6),
        new OtherCase("IPv6 carrying UDP", udp, Frame.Kind.IPV6_NOT_ICMPV6),
        new OtherCase("an ICMPv6 echo request", echo, Frame.Kind.ICMPV6_NOT_NEIGHBOR_DISCOVERY));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("framesThatAreNotForUs")
  void aFrameThatIsNeitherArpNorNeighborDiscoveryIsOtherWithItsKind(OtherCase c) {
    assertThat(Frame.decode(ByteBuffer.wrap(c.frame())))
        .isInstanceOfSatisfying(Decoded.Ok.class, ok -> assertThat(ok.value()).isEqualTo(new Frame.Other(
            ((Frame) ok.value()).ethernet(), c.expected())));
  }

  @org.junit.jupiter.api.Test
  void aTaggedArpRequestKeepsItsTag() {
    assertThat(Frame.decode(ByteBuffer.wrap(tagged())))
        .isInstanceOfSatisfying(Decoded.Ok.class, ok -> assertThat(((Frame) ok.value()).ethernet().vlanTag()).isEqualTo(42));
  }

  // --- builders: a good frame, then one mutation

  static byte[] arp(Consumer<ByteBuffer> mutation) {
    byte[] f = new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, MAC, EthernetHeader.ETHERTYPE_ARP),
        ArpPacket.gratuitousRequest(MAC, Addresses.inet4(new byte[] {(byte) 198, 51, 100, 10}))).encode();
    mutation.accept(ByteBuffer.wrap(f));
    return f;
  }

  static byte[] tagged() {
    return new Frame.Arp(new EthernetHeader(MacAddress.BROADCAST, MAC, 42, EthernetHeader.ETHERTYPE_ARP),
        ArpPacket.probe(MAC, Addresses.inet4(new byte[] {(byte) 198, 51, 100, 10}))).encode();
  }

  static byte[] ns(Consumer<ByteBuffer> mutation, boolean fixChecksum) {
    return ns(SRC, List.of(new NdpOption.SourceLinkLayer(MAC)), mutation, fixChecksum);
  }

  static byte[] ns(Inet6Address src, List<NdpOption> options, Consumer<ByteBuffer> mutation, boolean fixChecksum) {
    Inet6Address dst = Addresses.solicitedNode(TARGET);
    byte[] f = new Frame.Ndp(EthernetHeader.untagged(MacAddress.ofIpv6Multicast(dst), MAC, EthernetHeader.ETHERTYPE_IPV6),
        Ipv6Header.forNdp(src, dst), new NdpMessage.NeighborSolicitation(TARGET, options)).encode();
    ByteBuffer b = ByteBuffer.wrap(f);
    mutation.accept(b);
    if (fixChecksum) {
      b.putShort(ICMP + 2, (short) 0);
      int sum = InternetChecksum.icmpv6Sum(src, dst, b, ICMP, f.length - ICMP);
      b.putShort(ICMP + 2, (short) ~sum);
    }
    return f;
  }

  static byte[] shortNs() {
    byte[] f = ns(b -> {}, false);
    byte[] cut = Arrays.copyOf(f, ICMP + 23);
    ByteBuffer.wrap(cut).putShort(ETH + 4, (short) 23);
    return cut;
  }

  static byte[] withLongLinkLayerOption() {
    return ns(SRC, List.of(new NdpOption.Other(3, new byte[14])), b -> b.put(ICMP + 24, (byte) 1), true);
  }

  static byte[] dadWithSourceOption() {
    return ns(Addresses.IPV6_UNSPECIFIED, List.of(new NdpOption.SourceLinkLayer(MAC)), b -> {}, true);
  }

  static byte[] hex(String s) {
    return java.util.HexFormat.of().parseHex(s);
  }
}
