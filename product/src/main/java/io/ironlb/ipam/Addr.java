package io.ironlb.ipam;

import io.ironlb.model.IpText;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address as an unsigned 128-bit number (IPv4 in the low 32 bits), so that
 * "next address" and range arithmetic cost two longs instead of a byte array or a BigInteger.
 */
record Addr(boolean v6, long hi, long lo) implements Comparable<Addr> {

  static final long V4_MAX = 0xFFFF_FFFFL;

  static Addr v4(long value) {
    return new Addr(false, 0, value & V4_MAX);
  }

  static Addr of(InetAddress a) {
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return v4(((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8) | (b[3] & 0xFFL));
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (b[i] & 0xFFL);
      lo = (lo << 8) | (b[i + 8] & 0xFFL);
    }
    return new Addr(true, hi, lo);
  }

  IpFamily family() {
    return v6 ? IpFamily.IPV6 : IpFamily.IPV4;
  }

  InetAddress toInet() {
    byte[] b;
    if (!v6) {
      b = new byte[] {(byte) (lo >>> 24), (byte) (lo >>> 16), (byte) (lo >>> 8), (byte) lo};
    } else {
      b = new byte[16];
      for (int i = 0; i < 8; i++) {
        b[i] = (byte) (hi >>> (56 - 8 * i));
        b[i + 8] = (byte) (lo >>> (56 - 8 * i));
      }
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("a 4- or 16-byte array is always an address", e);
    }
  }

  /** The following address, or null past the end of the family's space. */
  Addr next() {
    if (!v6) {
      return lo == V4_MAX ? null : new Addr(false, 0, lo + 1);
    }
    if (lo == -1L) {
      return hi == -1L ? null : new Addr(true, hi + 1, 0);
    }
    return new Addr(true, hi, lo + 1);
  }

  /** The preceding address, or null before the start of the family's space. */
  Addr prev() {
    if (!v6) {
      return lo == 0 ? null : new Addr(false, 0, lo - 1);
    }
    if (lo == 0) {
      return hi == 0 ? null : new Addr(true, hi - 1, -1L);
    }
    return new Addr(true, hi, lo - 1);
  }

  /** Only meaningful for IPv4: the last octet. */
  int lastOctet() {
    return (int) (lo & 0xFF);
  }

  BigInteger toBigInteger() {
    BigInteger h = new BigInteger(Long.toUnsignedString(hi));
    BigInteger l = new BigInteger(Long.toUnsignedString(lo));
    return h.shiftLeft(64).or(l);
  }

  /** How many addresses lie in [from, to], both inclusive. */
  static BigInteger count(Addr from, Addr to) {
    return to.toBigInteger().subtract(from.toBigInteger()).add(BigInteger.ONE);
  }

  /** The first address of the prefix {@code this/bits}. */
  Addr networkOf(int bits) {
    if (!v6) {
      long mask = bits == 0 ? 0 : (V4_MAX << (32 - bits)) & V4_MAX;
      return new Addr(false, 0, lo & mask);
    }
    long hiMask = bits == 0 ? 0 : bits >= 64 ? -1L : -1L << (64 - bits);
    long loMask = bits <= 64 ? 0 : -1L << (128 - bits);
    return new Addr(true, hi & hiMask, lo & loMask);
  }

  /** The last address of the prefix {@code this/bits}. */
  Addr broadcastOf(int bits) {
    if (!v6) {
      long host = bits == 32 ? 0 : V4_MAX >>> bits;
      return new Addr(false, 0, (lo | host) & V4_MAX);
    }
    long hiHost = bits >= 64 ? 0 : bits == 0 ? -1L : -1L >>> bits;
    long loHost = bits <= 64 ? -1L : bits == 128 ? 0 : -1L >>> (bits - 64);
    return new Addr(true, hi | hiHost, lo | loHost);
  }

  @Override
  public int compareTo(Addr o) {
    if (v6 != o.v6) {
      return v6 ? 1 : -1;
    }
    int c = Long.compareUnsigned(hi, o.hi);
    return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
  }

  boolean isAfter(Addr o) {
    return compareTo(o) > 0;
  }

  @Override
  public String toString() {
    return IpText.format(toInet());
  }
}
