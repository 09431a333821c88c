package io.ironlb.l2.packet;

import java.nio.ByteBuffer;

/**
 * A whole Ethernet frame as a responder sees it: ARP, neighbour discovery, or something it
 * ignores. {@link #decode} is the one call a receive loop makes per frame.
 */
public sealed interface Frame {

  EthernetHeader ethernet();

  record Arp(EthernetHeader ethernet, ArpPacket arp) implements Frame {
    public byte[] encode() {
      ByteBuffer out = ByteBuffer.allocate(ethernet.length() + ArpPacket.LENGTH);
      encode(out);
      return out.array();
    }

    public void encode(ByteBuffer out) {
      ethernet.encode(out);
      arp.encode(out);
    }
  }

  record Ndp(EthernetHeader ethernet, Ipv6Header ip, NdpMessage message) implements Frame {
    public byte[] encode() {
      ByteBuffer out = ByteBuffer.allocate(ethernet.length() + Ipv6Header.LENGTH + message.length());
      encode(out);
      return out.array();
    }

    public void encode(ByteBuffer out) {
      ethernet.encode(out);
      ip.encode(out, message.length());
      message.encode(out, ip.source(), ip.destination());
    }
  }

  /** Neither ARP nor ICMPv6 neighbour discovery: {@code what} says what it was, for drop reasons. */
  record Other(EthernetHeader ethernet, Kind kind) implements Frame {}

  enum Kind {
    NOT_ARP_OR_IPV6,
    IPV6_NOT_ICMPV6,
    ICMPV6_NOT_NEIGHBOR_DISCOVERY
  }

  /** Decodes from position to limit. Never throws on any input; the buffer's position and limit move. */
  static Decoded<Frame> decode(ByteBuffer in) {
    EthernetHeader eth;
    switch (EthernetHeader.decode(in)) {
      case Decoded.Ok<EthernetHeader>(EthernetHeader header) -> eth = header;
      case Decoded.Malformed<EthernetHeader> m -> {
        return Decoded.malformed(m.reason(), m.detail());
      }
    }
    return switch (eth.etherType()) {
      case EthernetHeader.ETHERTYPE_ARP -> ArpPacket.decode(in).map(arp -> new Arp(eth, arp));
      case EthernetHeader.ETHERTYPE_IPV6 -> decodeIpv6(eth, in);
      default -> Decoded.ok(new Other(eth, Kind.NOT_ARP_OR_IPV6));
    };
  }

  private static Decoded<Frame> decodeIpv6(EthernetHeader eth, ByteBuffer in) {
    return switch (Ipv6Header.decode(in)) {
      case Decoded.Malformed<Ipv6Header> m -> Decoded.malformed(m.reason(), m.detail());
      case Decoded.Ok<Ipv6Header>(Ipv6Header ip) -> {
        if (ip.nextHeader() != Ipv6Header.NEXT_HEADER_ICMPV6) {
          yield Decoded.ok(new Other(eth, Kind.IPV6_NOT_ICMPV6));
        }
        int type = in.hasRemaining() ? in.get(in.position()) & 0xff : -1;
        if (type != NdpMessage.TYPE_NEIGHBOR_SOLICITATION && type != NdpMessage.TYPE_NEIGHBOR_ADVERTISEMENT) {
          yield Decoded.ok(new Other(eth, Kind.ICMPV6_NOT_NEIGHBOR_DISCOVERY));
        }
        yield NdpMessage.decode(in, ip.source(), ip.destination()).map(msg -> new Ndp(eth, ip, msg));
      }
    };
  }
}
