package io.ironlb.l2.packet;

import java.net.Inet6Address;
import java.nio.ByteBuffer;

/** The ones' complement sum of RFC 1071, with the IPv6 pseudo-header of RFC 8200 8.1. */
final class InternetChecksum {

  private InternetChecksum() {}

  /** Sum over the pseudo-header and {@code length} bytes of {@code buf} from {@code offset}, folded. */
  static int icmpv6Sum(Inet6Address src, Inet6Address dst, ByteBuffer buf, int offset, int length) {
    long sum = 0;
    sum += words(src.getAddress());
    sum += words(dst.getAddress());
    sum += length >>> 16;
    sum += length & 0xffff;
    sum += Ipv6Header.NEXT_HEADER_ICMPV6;
    int i = offset;
    int end = offset + length;
    for (; i + 1 < end; i += 2) {
      sum += buf.getShort(i) & 0xffff;
    }
    if (i < end) {
      sum += (buf.get(i) & 0xff) << 8;
    }
    while (sum >>> 16 != 0) {
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    return (int) sum;
  }

  private static long words(byte[] a) {
    long sum = 0;
    for (int i = 0; i < a.length; i += 2) {
      sum += (a[i] & 0xff) << 8 | a[i + 1] & 0xff;
    }
    return sum;
  }
}
