package io.ironlb.l2.linux;

import io.ironlb.l2.InterfaceAddress;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.packet.Addresses;
import io.ironlb.l2.packet.MacAddress;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns rtnetlink dump replies (RTM_NEWLINK, RTM_NEWADDR) into {@link NetInterface}s. Netlink is
 * in host byte order: the buffers must be little-endian on x86-64 and aarch64 alike.
 *
 * <p>Layouts: {@code nlmsghdr} len u32 @0, type u16 @4, flags u16 @6, seq u32 @8, pid u32 @12;
 * {@code ifinfomsg} family u8 @0, type u16 @2, index s32 @4, flags u32 @8, change u32 @12;
 * {@code ifaddrmsg} family u8 @0, prefixlen u8 @1, flags u8 @2, scope u8 @3, index u32 @4;
 * {@code rtmsg} family u8 @0, dst_len u8 @1, src_len u8 @2, tos u8 @3, table u8 @4;
 * {@code rtattr} len u16, type u16, payload, padded to 4.
 */
final class RtnetlinkParser {

  static final int NLMSG_ERROR = 2;
  static final int NLMSG_DONE = 3;
  static final int RTM_NEWLINK = 16;
  static final int RTM_NEWADDR = 20;
  static final int RTM_NEWROUTE = 24;
  static final int RTM_DELROUTE = 25;
  static final int RT_TABLE_MAIN = 254;
  static final int IFF_UP = 0x1;
  static final int IFF_LOOPBACK = 0x8;
  static final int IFF_NOARP = 0x80;
  static final int IFF_LOWER_UP = 0x10000;
  static final int IFLA_ADDRESS = 1;
  static final int IFLA_IFNAME = 3;
  static final int IFLA_MASTER = 10;
  static final int IFLA_LINKINFO = 18;
  static final int IFLA_INFO_KIND = 1;
  static final int IFA_ADDRESS = 1;
  static final int IFA_LOCAL = 2;

  private RtnetlinkParser() {}

  /** A link without its addresses yet. */
  record Link(String name, int index, MacAddress mac, int flags, String kind, int master) {}

  /** One address message. */
  record Addr(int index, InetAddress address, int prefixLength) {}

  /**
   * Collects the messages of dump {@code seq}; returns false once its NLMSG_DONE is seen. Throws on
   * NLMSG_ERROR. Messages of another sequence (the late end of a dump that timed out) are skipped.
   */
  static boolean forEachMessage(ByteBuffer buf, int seq, List<Link> links, List<Addr> addrs) {
    while (buf.remaining() >= 16) {
      int start = buf.position();
      int len = buf.getInt(start);
      int type = buf.getShort(start + 4) & 0xffff;
      if (len < 16 || len > buf.remaining()) {
        throw new IllegalStateException("netlink message length " + len + " with " + buf.remaining() + " bytes left");
      }
      ByteBuffer body = buf.slice(start + 16, len - 16).order(buf.order());
      if (buf.getInt(start + 8) != seq) {
        buf.position(start + align(len));
        continue;
      }
      switch (type) {
        case NLMSG_DONE -> {
          return false;
        }
        case NLMSG_ERROR -> {
          int err = body.getInt(0);
          if (err != 0) {
            throw new IllegalStateException("netlink error " + Libc.strerror(-err) + " (errno " + -err + ")");
          }
        }
        case RTM_NEWLINK -> links.add(link(body));
        case RTM_NEWADDR -> {
          Addr a = addr(body);
          if (a != null) {
            addrs.add(a);
          }
        }
        default -> { }
      }
      buf.position(start + align(len));
    }
    return true;
  }

  /** What a batch of notifications changed: links or addresses, and the main table's default routes. */
  record Notified(boolean interfaces, boolean defaultRoutes) {
    Notified or(Notified o) {
      return new Notified(interfaces || o.interfaces, defaultRoutes || o.defaultRoutes);
    }
  }

  /**
   * Reads one datagram of notifications ({@code buf}, position to limit). A route message counts
   * only when it adds or removes a default route of the main table (the one /proc/net/route shows):
   * some CNIs add a route for every pod, and those change nothing that is published. Malformed
   * input ends the reading with what was seen so far; it never throws.
   */
  static Notified notified(ByteBuffer buf) {
    boolean interfaces = false;
    boolean defaults = false;
    while (buf.remaining() >= 16) {
      int start = buf.position();
      int len = buf.getInt(start);
      int type = buf.getShort(start + 4) & 0xffff;
      if (len < 16 || len > buf.remaining()) {
        break;
      }
      if (type == RTM_NEWROUTE || type == RTM_DELROUTE) {
        if (len >= 16 + 5 && (buf.get(start + 17) & 0xff) == 0 && (buf.get(start + 20) & 0xff) == RT_TABLE_MAIN) {
          defaults = true;
        }
      } else if (type != NLMSG_DONE && type != NLMSG_ERROR) {
        interfaces = true;
      }
      buf.position(Math.min(buf.limit(), start + align(len)));
    }
    return new Notified(interfaces, defaults);
  }

  static Link link(ByteBuffer m) {
    int index = m.getInt(4);
    int flags = m.getInt(8);
    String name = "";
    MacAddress mac = MacAddress.ZERO;
    String kind = "";
    int master = 0;
    for (int p = 16; p + 4 <= m.limit(); ) {
      int alen = m.getShort(p) & 0xffff;
      int atype = m.getShort(p + 2) & 0x3fff;
      if (alen < 4 || p + alen > m.limit()) {
        break;
      }
      int data = p + 4;
      int dlen = alen - 4;
      switch (atype) {
        case IFLA_IFNAME -> name = string(m, data, dlen);
        case IFLA_ADDRESS -> {
          if (dlen == 6) {
            mac = MacAddress.read(m.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN).position(data));
          }
        }
        case IFLA_MASTER -> master = m.getInt(data);
        case IFLA_LINKINFO -> kind = nestedKind(m, data, dlen);
        default -> { }
      }
      p += align(alen);
    }
    return new Link(name, index, mac, flags, kind, master);
  }

  private static String nestedKind(ByteBuffer m, int start, int length) {
    for (int p = start; p + 4 <= start + length; ) {
      int alen = m.getShort(p) & 0xffff;
      int atype = m.getShort(p + 2) & 0x3fff;
      if (alen < 4) {
        break;
      }
      if (atype == IFLA_INFO_KIND) {
        return string(m, p + 4, alen - 4);
      }
      p += align(alen);
    }
    return "";
  }

  static Addr addr(ByteBuffer m) {
    int family = m.get(0) & 0xff;
    int prefix = m.get(1) & 0xff;
    int index = m.getInt(4);
    byte[] local = null;
    byte[] address = null;
    for (int p = 8; p + 4 <= m.limit(); ) {
      int alen = m.getShort(p) & 0xffff;
      int atype = m.getShort(p + 2) & 0x3fff;
      if (alen < 4 || p + alen > m.limit()) {
        break;
      }
      byte[] data = new byte[alen - 4];
      m.get(p + 4, data);
      if (atype == IFA_LOCAL) {
        local = data;
      } else if (atype == IFA_ADDRESS) {
        address = data;
      }
      p += align(alen);
    }
    // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
    byte[] own = local != null ? local : address;
    if (own == null || (family == 2 && own.length != 4) || (family == 10 && own.length != 16)) {
      return null;
    }
    InetAddress ip = own.length == 4 ? Addresses.inet4(own) : Addresses.inet6(own);
    return new Addr(index, ip, prefix);
  }

  /** Joins links and addresses into interfaces, in index order. */
  static List<NetInterface> join(List<Link> links, List<Addr> addrs) {
    Map<Integer, List<InterfaceAddress>> byIndex = new HashMap<>();
    for (Addr a : addrs) {
      byIndex.computeIfAbsent(a.index(), k -> new ArrayList<>()).add(new InterfaceAddress(a.address(), a.prefixLength()));
    }
    List<NetInterface> out = new ArrayList<>();
    for (Link l : links) {
      out.add(new NetInterface(l.name(), l.index(), l.mac(), (l.flags() & IFF_UP) != 0, (l.flags() & IFF_LOWER_UP) != 0,
          (l.flags() & IFF_LOOPBACK) != 0, (l.flags() & IFF_NOARP) != 0, l.kind(), l.master(),
          byIndex.getOrDefault(l.index(), List.of())));
    }
    out.sort(java.util.Comparator.comparingInt(NetInterface::index));
    return out;
  }

  private static String string(ByteBuffer m, int start, int length) {
    int end = start;
    while (end < start + length && m.get(end) != 0) {
      end++;
    }
    byte[] b = new byte[end - start];
    m.get(start, b);
    return new String(b, StandardCharsets.UTF_8);
  }

  static int align(int len) {
    return len + 3 & ~3;
  }
}
