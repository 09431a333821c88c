package io.ironlb.l2.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * Tells when the kernel reports a change to a link or an address in this network namespace
 * (rtnetlink multicast groups RTMGRP_LINK, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR), so interfaces
 * are read again at once instead of at the next poll.
 *
 * <p>Why: a node whose LAN is cut and healed between two polls (1 s apart) never saw its carrier go;
 * it did not withdraw, and after the heal it sent no gratuitous announcement, while clients had moved
 * to the node that took over: a fast failover and a quick heal both fall in that second.
 *
 * <p>It only says "something changed": the caller dumps the interfaces again (one dump covers any
 * number of notifications, and a lost notification, ENOBUFS on overflow, is a change as well).
 */
final class LinkWatch implements AutoCloseable {

  private static final int NETLINK_ROUTE = 0;
  private static final int RTMGRP_LINK = 0x1;
  private static final int RTMGRP_IPV4_IFADDR = 0x10;
  private static final int RTMGRP_IPV6_IFADDR = 0x100;
  private static final int EAGAIN = 11;
  private static final int ENOBUFS = 105;
  private static final int BUFFER = 1 << 15;

  private final int fd;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment buffer = arena.allocate(BUFFER, 8);

  private LinkWatch(int fd) {
    this.fd = fd;
  }

  /** Subscribes in the calling thread's network namespace; {@link #await} returns at least every {@code wake}. */
  static LinkWatch open(Duration wake) throws IOException {
    int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
      throw Libc.failure("socket(AF_NETLINK)", "for link notifications", Libc.errno());
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment addr = a.allocate(12, 4); // sockaddr_nl: family, pad, pid, groups
      addr.set(JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
      addr.set(JAVA_INT, 8, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR);
      if (Libc.bind(fd, addr, 12) < 0) {
        int errno = Libc.errno();
        Libc.close(fd);
        throw Libc.failure("bind", "rtnetlink link notifications", errno);
      }
      MemorySegment tv = a.allocate(16, 8);
      tv.set(JAVA_LONG, 0, wake.toSeconds());
      tv.set(JAVA_LONG, 8, wake.toMillisPart() * 1000L);
      Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, 16);
    }
    return new LinkWatch(fd);
  }

  /**
   * Blocks until the kernel reports a change (true) or the wake period passes (false). Notifications
   * that arrived together count once.
   */
  boolean await() throws IOException {
    long n = Libc.recvfrom(fd, buffer, BUFFER, 0, MemorySegment.NULL, MemorySegment.NULL);
    if (n < 0) {
      int errno = Libc.errno();
      if (errno == EAGAIN || errno == Libc.EINTR) {
        return false;
      }
      if (errno == ENOBUFS) {
        return true; // notifications were dropped: something changed
      }
      throw Libc.failure("recvfrom", "link notifications", errno);
    }
    return true;
  }

  @Override
  public synchronized void close() {
    Libc.close(fd);
    arena.close();
  }
}
