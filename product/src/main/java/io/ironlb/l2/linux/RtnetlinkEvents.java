package io.ironlb.l2.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The kernel's notifications of interface changes in one network namespace: an rtnetlink socket
 * subscribed to the link group (up, down, carrier, rename, new and deleted links), the IPv4 and
 * IPv6 address groups and the IPv4 and IPv6 route groups (of which only default routes count). It
 * only says what changed; the caller reads the new state with an {@link Rtnetlink} dump or
 * /proc, which also covers notifications the kernel dropped when the socket's queue was full
 * ({@code ENOBUFS}).
 *
 * <p>{@code sockaddr_nl} (12 bytes): family u16 @0, pad u16 @2, pid u32 @4, groups u32 @8.
 */
final class RtnetlinkEvents implements AutoCloseable {

  private static final int NETLINK_ROUTE = 0;
  private static final int RTMGRP_LINK = 0x1;
  private static final int RTMGRP_IPV4_IFADDR = 0x10;
  private static final int RTMGRP_IPV4_ROUTE = 0x40;
  private static final int RTMGRP_IPV6_IFADDR = 0x100;
  private static final int RTMGRP_IPV6_ROUTE = 0x400;
  /** Said when notifications were lost: anything may have changed. */
  private static final RtnetlinkParser.Notified EVERYTHING = new RtnetlinkParser.Notified(true, true);
  private static final RtnetlinkParser.Notified NOTHING = new RtnetlinkParser.Notified(false, false);
  private static final int BUFFER = 1 << 16;

  private final int fd;
  private final StoppableWait wait;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment buffer = arena.allocate(BUFFER, 8);
  private boolean closed;

  private RtnetlinkEvents(int fd, StoppableWait wait) {
    this.fd = fd;
    this.wait = wait;
  }

  /** Subscribes in the calling thread's network namespace. Needs no privilege. */
  static RtnetlinkEvents open() throws IOException {
    StoppableWait wait = StoppableWait.open();
    int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
      int errno = Libc.errno();
      wait.close();
      throw Libc.failure("socket(AF_NETLINK)", "for interface notifications", errno);
    }
    RtnetlinkEvents events = new RtnetlinkEvents(fd, wait);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment addr = a.allocate(12, 4);
      addr.set(JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
      addr.set(JAVA_INT, 8, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE);
      if (Libc.bind(fd, addr, 12) < 0) {
        int errno = Libc.errno();
        events.close();
        throw Libc.failure("bind(AF_NETLINK)", "to the link, address and route groups", errno);
      }
    }
    return events;
  }

  /**
   * Waits until the kernel reports a change that counts, then reads every notification queued so
   * far (one dump afterwards covers them all) and says what changed; empty once {@link #stop} was
   * called. One thread only.
   */
  Optional<RtnetlinkParser.Notified> awaitChange() throws IOException {
    while (true) {
      switch (wait.await(fd, -1)) {
        case STOPPED -> {
          return Optional.empty();
        }
        case TIMEOUT -> {
          continue; // a signal interrupted the wait
        }
        case READABLE -> { }
      }
      RtnetlinkParser.Notified n = drain();
      if (n.interfaces() || n.defaultRoutes()) {
        return Optional.of(n);
      }
    }
  }

  /** What the notifications queued now changed (everything, when some were lost: ENOBUFS). */
  private RtnetlinkParser.Notified drain() throws IOException {
    RtnetlinkParser.Notified seen = NOTHING;
    while (true) {
      long n = Libc.recvfrom(fd, buffer, BUFFER, Libc.MSG_DONTWAIT, MemorySegment.NULL, MemorySegment.NULL);
      if (n > 0) {
        seen = seen.or(RtnetlinkParser.notified(buffer.asSlice(0, n).asByteBuffer().order(ByteOrder.nativeOrder())));
        continue;
      }
      if (n == 0) {
        return seen;
      }
      int errno = Libc.errno();
      switch (errno) {
        case Libc.EAGAIN -> {
          return seen;
        }
        case Libc.EINTR -> { }
        // The queue overflowed and notifications were lost: the dump that follows reads the truth.
        case Libc.ENOBUFS -> seen = EVERYTHING;
        default -> throw Libc.failure("recvfrom", "interface notifications", errno);
      }
    }
  }

  /** Makes the current {@link #awaitChange} and every later one return false. Any thread. */
  void stop() {
    wait.stop();
  }

  /** Call once the thread in {@link #awaitChange} has returned. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    Libc.close(fd);
    wait.close();
    arena.close();
  }
}
