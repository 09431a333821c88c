package io.ironlb.l2.packet;

import java.net.Inet6Address;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/** A 48-bit Ethernet address, held in the low bits of a long so that it is a plain value. */
public record MacAddress(long bits) {

  private static final long MASK = 0xffff_ffff_ffffL;
  public static final MacAddress BROADCAST = new MacAddress(MASK);
  public static final MacAddress ZERO = new MacAddress(0);
  /** Destination of IPv6 all-nodes multicast (ff02::1). */
  public static final MacAddress IPV6_ALL_NODES = new MacAddress(0x3333_0000_0001L);

  public MacAddress {
    if ((bits & ~MASK) != 0) {
      throw new IllegalArgumentException("MAC address has more than 48 bits: 0x" + Long.toHexString(bits));
    }
  }

  public static MacAddress of(byte[] bytes) {
    if (bytes.length != 6) {
      throw new IllegalArgumentException("a MAC address has 6 bytes, got " + bytes.length);
    }
    return read(ByteBuffer.wrap(bytes));
  }

  /** Reads 6 bytes at the buffer's position and advances it. */
  public static MacAddress read(ByteBuffer in) {
    long hi = in.getShort() & 0xffffL;
    long lo = in.getInt() & 0xffff_ffffL;
    return new MacAddress(hi << 32 | lo);
  }

  /** Parses {@code aa:bb:cc:dd:ee:ff} (also with dashes), as printed by {@code ip link}. */
  public static MacAddress parse(String text) {
    String[] parts = text.trim().split("[:-]");
    if (parts.length != 6) {
      throw new IllegalArgumentException("not a MAC address (want aa:bb:cc:dd:ee:ff): " + text);
    }
    long bits = 0;
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 2) {
        throw new IllegalArgumentException("not a MAC address (want aa:bb:cc:dd:ee:ff): " + text);
      }
      bits = bits << 8 | HexFormat.fromHexDigits(p);
    }
    return new MacAddress(bits);
  }

  /** The Ethernet group address of an IPv6 multicast address (RFC 2464 7: 33:33 + last 32 bits). */
  public static MacAddress ofIpv6Multicast(Inet6Address group) {
    byte[] a = group.getAddress();
    long low = ByteBuffer.wrap(a, 12, 4).getInt() & 0xffff_ffffL;
    return new MacAddress(0x3333_0000_0000L | low);
  }

  public void write(ByteBuffer out) {
    out.putShort((short) (bits >>> 32));
    out.putInt((int) bits);
  }

  public byte[] toBytes() {
    ByteBuffer b = ByteBuffer.allocate(6);
    write(b);
    return b.array();
  }

  /** Group bit set: multicast or broadcast. */
  public boolean isMulticast() {
    return (bits >>> 40 & 1) != 0;
  }

  public boolean isBroadcast() {
    return bits == MASK;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(17);
    for (int shift = 40; shift >= 0; shift -= 8) {
      if (shift != 40) {
        s.append(':');
      }
      s.append(HexFormat.of().toHexDigits((byte) (bits >>> shift)));
    }
    return s.toString();
  }
}
