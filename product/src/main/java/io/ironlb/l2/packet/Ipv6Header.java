package io.ironlb.l2.packet;

import java.net.Inet6Address;
import java.nio.ByteBuffer;

/**
 * The fixed IPv6 header (RFC 8200). The payload length is not a field here: decoding derives it
 * from the packet and encoding from the payload, so a header can't disagree with its payload.
 */
public record Ipv6Header(int trafficClass, int flowLabel, int nextHeader, int hopLimit, Inet6Address source, Inet6Address destination) {

  public static final int LENGTH = 40;
  public static final int NEXT_HEADER_ICMPV6 = 58;

  public Ipv6Header {
    if (trafficClass < 0 || trafficClass > 0xff || flowLabel < 0 || flowLabel > 0xfffff
        || nextHeader < 0 || nextHeader > 0xff || hopLimit < 0 || hopLimit > 0xff) {
      throw new IllegalArgumentException("IPv6 header field out of range: tc=" + trafficClass + " flow=" + flowLabel
          + " nh=" + nextHeader + " hop=" + hopLimit);
    }
  }

  /** A header for neighbour discovery: ICMPv6, hop limit 255 as RFC 4861 requires. */
  public static Ipv6Header forNdp(Inet6Address source, Inet6Address destination) {
    return new Ipv6Header(0, 0, NEXT_HEADER_ICMPV6, 255, source, destination);
  }

  /**
   * Consumes the header at the buffer's position and sets the buffer's limit to the end of the
   * payload, so the next decoder sees exactly the payload (Ethernet padding is cut off).
   */
  public static Decoded<Ipv6Header> decode(ByteBuffer in) {
    if (in.remaining() < LENGTH) {
      return Decoded.malformed(Malformation.TRUNCATED, "IPv6 header needs 40 bytes, have " + in.remaining());
    }
    int first = in.getInt();
    int version = first >>> 28;
    if (version != 6) {
      return Decoded.malformed(Malformation.IPV6_VERSION, "IP version " + version + ", not 6");
    }
    int payloadLength = in.getShort() & 0xffff;
    int nextHeader = in.get() & 0xff;
    int hopLimit = in.get() & 0xff;
    Inet6Address src = Addresses.readInet6(in);
    Inet6Address dst = Addresses.readInet6(in);
    if (in.remaining() < payloadLength) {
      return Decoded.malformed(Malformation.TRUNCATED, "IPv6 payload length " + payloadLength + ", have " + in.remaining());
    }
    in.limit(in.position() + payloadLength);
    return Decoded.ok(new Ipv6Header(first >>> 20 & 0xff, first & 0xfffff, nextHeader, hopLimit, src, dst));
  }

  public void encode(ByteBuffer out, int payloadLength) {
    out.putInt(6 << 28 | trafficClass << 20 | flowLabel);
    out.putShort((short) payloadLength);
    out.put((byte) nextHeader);
    out.put((byte) hopLimit);
    out.put(source.getAddress());
    out.put(destination.getAddress());
  }
}
