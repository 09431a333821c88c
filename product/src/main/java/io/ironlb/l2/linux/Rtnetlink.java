package io.ironlb.l2.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.ironlb.l2.NetInterface;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the interfaces of one network namespace over an rtnetlink socket.
 *
 * <p>Why netlink rather than getifaddrs or /sys: the socket belongs to the namespace it was opened
 * in, whichever thread reads it later (a test JVM serves several node namespaces at once, while
 * /sys/class/net shows the namespace sysfs was mounted in); and one dump gives flags, MAC, link
 * kind (veth, bridge, bond) and the master index, which getifaddrs does not.
 */
public final class Rtnetlink implements AutoCloseable {

  private static final int NETLINK_ROUTE = 0;
  private static final int RTM_GETLINK = 18;
  private static final int RTM_GETADDR = 22;
  private static final int NLM_F_REQUEST = 1;
  private static final int NLM_F_DUMP = 0x300;
  private static final int BUFFER = 1 << 16;

  private final int fd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment buffer = arena.allocate(BUFFER, 8);
  private int seq;

  private Rtnetlink(int fd) {
    this.fd = fd;
  }

  /** Opens a socket in the calling thread's network namespace. */
  public static Rtnetlink open() throws IOException {
    int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
      throw Libc.failure("socket(AF_NETLINK)", "for interface discovery", Libc.errno());
    }
    Rtnetlink r = new Rtnetlink(fd);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment tv = a.allocate(16, 8);
      tv.set(JAVA_LONG, 0, 2);
      Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, 16);
    }
    return r;
  }

  /** All interfaces with their addresses, Wi-Fi links with kind {@code wireless} (from sysfs). One caller at a time. */
  public synchronized List<NetInterface> interfaces() throws IOException {
    List<RtnetlinkParser.Link> links = new ArrayList<>();
    List<RtnetlinkParser.Addr> addrs = new ArrayList<>();
    dump(RTM_GETLINK, 16, links, addrs);
    dump(RTM_GETADDR, 8, links, addrs);
    return WirelessLinks.mark(RtnetlinkParser.join(links, addrs), WirelessLinks.SYS_CLASS_NET);
  }

  private void dump(int type, int bodyLength, List<RtnetlinkParser.Link> links, List<RtnetlinkParser.Addr> addrs) throws IOException {
    int len = 16 + bodyLength;
    buffer.asSlice(0, len).fill((byte) 0);
    buffer.set(JAVA_INT, 0, len);
    buffer.set(JAVA_SHORT, 4, (short) type);
    buffer.set(JAVA_SHORT, 6, (short) (NLM_F_REQUEST | NLM_F_DUMP));
    buffer.set(JAVA_INT, 8, ++seq);
    buffer.set(JAVA_BYTE, 16, (byte) 0); // AF_UNSPEC: every family
    if (Libc.sendto(fd, buffer, len, 0, MemorySegment.NULL, 0) < 0) {
      throw Libc.failure("sendto", "netlink dump request", Libc.errno());
    }
    while (true) {
      long n = Libc.recvfrom(fd, buffer, BUFFER, 0, MemorySegment.NULL, MemorySegment.NULL);
      if (n < 0) {
        int errno = Libc.errno();
        if (errno == Libc.EINTR) {
          continue;
        }
        throw Libc.failure("recvfrom", "netlink dump reply", errno);
      }
      var view = buffer.asSlice(0, n).asByteBuffer().order(ByteOrder.nativeOrder());
      try {
        if (!RtnetlinkParser.forEachMessage(view, seq, links, addrs)) {
          return;
        }
      } catch (IllegalStateException e) {
        throw new IOException("netlink dump: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public synchronized void close() {
    Libc.close(fd);
    arena.close();
  }
}
