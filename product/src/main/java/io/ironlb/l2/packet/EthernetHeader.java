package io.ironlb.l2.packet;

import java.nio.ByteBuffer;

/**
 * An Ethernet II header, optionally with one 802.1Q/802.1ad tag.
 *
 * @param vlanTag the 16-bit tag control information, or {@link #UNTAGGED}. Linux usually strips
 *     the tag before a packet socket sees the frame; a tag is kept here so that a reply to a tagged
 *     request can carry the same tag.
 */
public record EthernetHeader(MacAddress destination, MacAddress source, int vlanTag, int etherType) {

  public static final int UNTAGGED = -1;
  public static final int ETHERTYPE_IPV4 = 0x0800;
  public static final int ETHERTYPE_ARP = 0x0806;
  public static final int ETHERTYPE_VLAN = 0x8100;
  public static final int ETHERTYPE_QINQ = 0x88a8;
  public static final int ETHERTYPE_IPV6 = 0x86dd;
  public static final int LENGTH = 14;
  public static final int TAGGED_LENGTH = 18;

  public EthernetHeader {
    if (vlanTag != UNTAGGED && (vlanTag < 0 || vlanTag > 0xffff)) {
      throw new IllegalArgumentException("VLAN tag must be 16 bits or UNTAGGED: " + vlanTag);
    }
    if (etherType < 0 || etherType > 0xffff) {
      throw new IllegalArgumentException("ethertype must be 16 bits: " + etherType);
    }
  }

  public static EthernetHeader untagged(MacAddress destination, MacAddress source, int etherType) {
    return new EthernetHeader(destination, source, UNTAGGED, etherType);
  }

  public boolean isTagged() {
    return vlanTag != UNTAGGED;
  }

  /** The same tag and ethertype, for a reply. */
  public EthernetHeader replyFrom(MacAddress newSource, MacAddress newDestination) {
    return new EthernetHeader(newDestination, newSource, vlanTag, etherType);
  }

  public int length() {
    return isTagged() ? TAGGED_LENGTH : LENGTH;
  }

  /** Consumes the header at the buffer's position; the payload follows. */
  public static Decoded<EthernetHeader> decode(ByteBuffer in) {
    if (in.remaining() < LENGTH) {
      return Decoded.malformed(Malformation.TRUNCATED, "Ethernet header needs 14 bytes, have " + in.remaining());
    }
    MacAddress dst = MacAddress.read(in);
    MacAddress src = MacAddress.read(in);
    int type = in.getShort() & 0xffff;
    int tag = UNTAGGED;
    if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
      if (in.remaining() < 4) {
        return Decoded.malformed(Malformation.TRUNCATED, "802.1Q tag needs 4 bytes, have " + in.remaining());
      }
      tag = in.getShort() & 0xffff;
      type = in.getShort() & 0xffff;
    }
    return Decoded.ok(new EthernetHeader(dst, src, tag, type));
  }

  public void encode(ByteBuffer out) {
    destination.write(out);
    source.write(out);
    if (isTagged()) {
      out.putShort((short) ETHERTYPE_VLAN);
      out.putShort((short) vlanTag);
    }
    out.putShort((short) etherType);
  }
}
