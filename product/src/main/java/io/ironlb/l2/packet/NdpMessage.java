package io.ironlb.l2.packet;

import io.ironlb.model.IpText;
import java.net.Inet6Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An ICMPv6 neighbour solicitation or advertisement (RFC 4861 4.3, 4.4). */
public sealed interface NdpMessage {

  int TYPE_NEIGHBOR_SOLICITATION = 135;
  int TYPE_NEIGHBOR_ADVERTISEMENT = 136;

  Inet6Address target();

  List<NdpOption> options();

  int type();

  /** The 4 bytes after type, code and checksum. */
  int flagsWord();

  record NeighborSolicitation(Inet6Address target, List<NdpOption> options) implements NdpMessage {
    public NeighborSolicitation {
      options = List.copyOf(options);
    }

    @Override
    public int type() {
      return TYPE_NEIGHBOR_SOLICITATION;
    }

    @Override
    public int flagsWord() {
      return 0;
    }
  }

  record NeighborAdvertisement(boolean router, boolean solicited, boolean override, Inet6Address target, List<NdpOption> options)
      implements NdpMessage {
    public NeighborAdvertisement {
      options = List.copyOf(options);
    }

    @Override
    public int type() {
      return TYPE_NEIGHBOR_ADVERTISEMENT;
    }

    @Override
    public int flagsWord() {
      return (router ? 1 << 31 : 0) | (solicited ? 1 << 30 : 0) | (override ? 1 << 29 : 0);
    }
  }

  default Optional<MacAddress> sourceLinkLayer() {
    for (NdpOption o : options()) {
      if (o instanceof NdpOption.SourceLinkLayer s) {
        return Optional.of(s.mac());
      }
    }
    return Optional.empty();
  }

  default Optional<MacAddress> targetLinkLayer() {
    for (NdpOption o : options()) {
      if (o instanceof NdpOption.TargetLinkLayer t) {
        return Optional.of(t.mac());
      }
    }
    return Optional.empty();
  }

  default int length() {
    int n = 24;
    for (NdpOption o : options()) {
      n += o.length();
    }
    return n;
  }

  /**
   * Decodes the ICMPv6 message that fills the buffer from position to limit; the IPv6 source and
   * destination are needed for the checksum.
   */
  static Decoded<NdpMessage> decode(ByteBuffer in, Inet6Address source, Inet6Address destination) {
    int start = in.position();
    int length = in.remaining();
    if (length < 4) {
      return Decoded.malformed(Malformation.TRUNCATED, "ICMPv6 needs 4 bytes, have " + length);
    }
    int type = in.get(start) & 0xff;
    int code = in.get(start + 1) & 0xff;
    if (type != TYPE_NEIGHBOR_SOLICITATION && type != TYPE_NEIGHBOR_ADVERTISEMENT) {
      return Decoded.malformed(Malformation.ICMPV6_TYPE, "ICMPv6 type " + type + " is not neighbour discovery");
    }
    if (length < 24) {
      return Decoded.malformed(Malformation.TRUNCATED, "neighbour discovery needs 24 bytes, have " + length);
    }
    int sum = InternetChecksum.icmpv6Sum(source, destination, in, start, length);
    if (sum != 0xffff) {
      return Decoded.malformed(Malformation.ICMPV6_CHECKSUM,
          "checksum 0x" + Integer.toHexString(in.getShort(start + 2) & 0xffff) + " does not match");
    }
    if (code != 0) {
      return Decoded.malformed(Malformation.NDP_CODE, "ICMP code " + code + ", not 0");
    }
    in.position(start + 4);
    int flags = in.getInt();
    Inet6Address target = Addresses.readInet6(in);
    if (target.isMulticastAddress()) {
      return Decoded.malformed(Malformation.NDP_TARGET_MULTICAST, "target " + IpText.format(target) + " is multicast");
    }
    List<NdpOption> options = new ArrayList<>(2);
    while (in.hasRemaining()) {
      if (in.remaining() < 2) {
        return Decoded.malformed(Malformation.TRUNCATED, "option header needs 2 bytes, have " + in.remaining());
      }
      int optType = in.get() & 0xff;
      int units = in.get() & 0xff;
      if (units == 0) {
        return Decoded.malformed(Malformation.NDP_OPTION_LENGTH_ZERO, "option type " + optType + " has length 0");
      }
      int bodyLength = units * 8 - 2;
      if (in.remaining() < bodyLength) {
        return Decoded.malformed(Malformation.TRUNCATED, "option type " + optType + " needs " + bodyLength + " bytes, have " + in.remaining());
      }
      if (optType == NdpOption.TYPE_SOURCE_LINK_LAYER || optType == NdpOption.TYPE_TARGET_LINK_LAYER) {
        if (units != 1) {
          return Decoded.malformed(Malformation.NDP_LINK_LAYER_OPTION_LENGTH,
              "link-layer option of " + units * 8 + " bytes, Ethernet needs 8");
        }
        MacAddress mac = MacAddress.read(in);
        options.add(optType == NdpOption.TYPE_SOURCE_LINK_LAYER ? new NdpOption.SourceLinkLayer(mac) : new NdpOption.TargetLinkLayer(mac));
      } else {
        byte[] body = new byte[bodyLength];
        in.get(body);
        options.add(new NdpOption.Other(optType, body));
      }
    }
    if (type == TYPE_NEIGHBOR_SOLICITATION) {
      if (source.isAnyLocalAddress() && options.stream().anyMatch(o -> o instanceof NdpOption.SourceLinkLayer)) {
        return Decoded.malformed(Malformation.NDP_UNSPECIFIED_SOURCE_WITH_LINK_LAYER_OPTION,
            "solicitation from :: carries a source link-layer address");
      }
      return Decoded.ok(new NeighborSolicitation(target, options));
    }
    return Decoded.ok(new NeighborAdvertisement(flags < 0, (flags & 1 << 30) != 0, (flags & 1 << 29) != 0, target, options));
  }

  /** Writes the message at the buffer's position, with its checksum. */
  default void encode(ByteBuffer out, Inet6Address source, Inet6Address destination) {
    int start = out.position();
    out.put((byte) type()).put((byte) 0).putShort((short) 0);
    out.putInt(flagsWord());
    out.put(target().getAddress());
    for (NdpOption o : options()) {
      o.encode(out);
    }
    int sum = InternetChecksum.icmpv6Sum(source, destination, out, start, out.position() - start);
    out.putShort(start + 2, (short) ~sum);
  }
}
