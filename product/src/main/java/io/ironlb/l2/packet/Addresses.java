package io.ironlb.l2.packet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Reading and writing IP addresses in packets, without name lookups. */
public final class Addresses {

  private Addresses() {}

  public static final Inet4Address IPV4_UNSPECIFIED = inet4(new byte[4]);
  public static final Inet6Address IPV6_UNSPECIFIED = inet6(new byte[16]);
  public static final Inet6Address IPV6_ALL_NODES = inet6(ByteBuffer.allocate(16).putShort((short) 0xff02).putLong(8, 1).array());

  public static Inet4Address readInet4(ByteBuffer in) {
    byte[] a = new byte[4];
    in.get(a);
    return inet4(a);
  }

  /**
   * Always an {@link Inet6Address}: {@code InetAddress.getByAddress} would turn an IPv4-mapped
   * address (::ffff:a.b.c.d) found in a packet into an {@code Inet4Address}.
   */
  public static Inet6Address readInet6(ByteBuffer in) {
    byte[] a = new byte[16];
    in.get(a);
    return inet6(a);
  }

  public static Inet4Address inet4(byte[] a) {
    try {
      return (Inet4Address) InetAddress.getByAddress(a);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("an IPv4 address has 4 bytes, got " + a.length, e);
    }
  }

  public static Inet6Address inet6(byte[] a) {
    try {
      return Inet6Address.getByAddress(null, a, -1);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("an IPv6 address has 16 bytes, got " + a.length, e);
    }
  }

  /** Solicited-node multicast group of an address (RFC 4291 2.7.1: ff02::1:ffXX:XXXX). */
  public static Inet6Address solicitedNode(Inet6Address address) {
    byte[] a = address.getAddress();
    byte[] g = new byte[16];
    g[0] = (byte) 0xff;
    g[1] = 0x02;
    g[11] = 0x01;
    g[12] = (byte) 0xff;
    g[13] = a[13];
    g[14] = a[14];
    g[15] = a[15];
    return inet6(g);
  }
}
