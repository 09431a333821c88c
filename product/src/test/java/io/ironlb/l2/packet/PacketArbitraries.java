package io.ironlb.l2.packet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Generators for packet values, shared by round-trip properties and fuzz corpora. */
final class PacketArbitraries {

  private PacketArbitraries() {}

  static Arbitrary<MacAddress> macs() {
    return Arbitraries.longs().between(0, 0xffff_ffff_ffffL).map(MacAddress::new);
  }

  static Arbitrary<Inet4Address> inet4s() {
    return Arbitraries.bytes().array(byte[].class).ofSize(4).map(Addresses::inet4);
  }

  static Arbitrary<Inet6Address> inet6s() {
    return Arbitraries.bytes().array(byte[].class).ofSize(16).map(Addresses::inet6);
  }

  static Arbitrary<Inet6Address> unicastInet6s() {
    return inet6s().filter(a -> !a.isMulticastAddress());
  }

  static Arbitrary<EthernetHeader> ethernet(int etherType) {
    Arbitrary<Integer> tags = Arbitraries.oneOf(Arbitraries.just(EthernetHeader.UNTAGGED), Arbitraries.integers().between(0, 0xffff));
    return Combinators.combine(macs(), macs(), tags).as((d, s, t) -> new EthernetHeader(d, s, t, etherType));
  }

  static Arbitrary<ArpPacket> arps() {
    return Combinators.combine(Arbitraries.of(ArpPacket.Operation.class), macs(), inet4s(), macs(), inet4s()).as(ArpPacket::new);
  }

  static Arbitrary<NdpOption> options() {
    Arbitrary<NdpOption> other = Combinators.combine(
            Arbitraries.integers().between(3, 255),
            Arbitraries.integers().between(1, 4).flatMap(units -> Arbitraries.bytes().array(byte[].class).ofSize(units * 8 - 2)))
        .as(NdpOption.Other::new);
    return Arbitraries.oneOf(macs().map(NdpOption.SourceLinkLayer::new), macs().map(NdpOption.TargetLinkLayer::new), other);
  }

  static Arbitrary<NdpMessage> ndpMessages() {
    Arbitrary<NdpMessage> ns = Combinators.combine(unicastInet6s(), options().list().ofMaxSize(3)).as(NdpMessage.NeighborSolicitation::new);
    Arbitrary<NdpMessage> na = Combinators.combine(
            Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false), unicastInet6s(), options().list().ofMaxSize(3))
        .as(NdpMessage.NeighborAdvertisement::new);
    return Arbitraries.oneOf(ns, na);
  }

  static Arbitrary<Ipv6Header> ipv6Headers() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 0xfffff), Arbitraries.integers().between(0, 255),
            unicastInet6s().filter(a -> !a.isAnyLocalAddress()), inet6s())
        .as((tc, flow, hop, src, dst) -> new Ipv6Header(tc, flow, Ipv6Header.NEXT_HEADER_ICMPV6, hop, src, dst));
  }

  static Arbitrary<Frame.Arp> arpFrames() {
    return Combinators.combine(ethernet(EthernetHeader.ETHERTYPE_ARP), arps()).as(Frame.Arp::new);
  }

  static Arbitrary<Frame.Ndp> ndpFrames() {
    return Combinators.combine(ethernet(EthernetHeader.ETHERTYPE_IPV6), ipv6Headers(), ndpMessages()).as(Frame.Ndp::new);
  }
}
