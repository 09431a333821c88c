package io.ironlb.l2.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.ironlb.l2.packet.MacAddress;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * A Linux packet socket ({@code AF_PACKET, SOCK_RAW}) for one ethertype on every interface of the
 * network namespace it was opened in. Frames carry their Ethernet header both ways.
 *
 * <p>Struct layouts, by offset (identical on x86-64 and aarch64 Linux; no field depends on the
 * pointer size except {@code sock_fprog.filter}, and both are LP64):
 * <ul>
 *   <li>{@code sockaddr_ll} (20 bytes): family u16 @0, protocol u16 big-endian @2, ifindex s32 @4,
 *       hatype u16 @8, pkttype u8 @10, halen u8 @11, addr[8] @12.
 *   <li>{@code packet_mreq} (16): ifindex s32 @0, type u16 @4, alen u16 @6, address[8] @8.
 *   <li>{@code sock_fprog} (16): len u16 @0, filter pointer @8; {@code sock_filter} (8): code u16,
 *       jt u8, jf u8, k u32.
 *   <li>{@code ifreq} (40): name[16] @0, sockaddr @16 whose data (the MAC) starts @18.
 * </ul>
 *
 * <p>Receiving is for one thread (the receive loop); sending is safe from any thread.
 */
public final class PacketSocket implements AutoCloseable {

  public static final int ETH_P_ALL = 0x0003;
  public static final int ETH_P_ARP = 0x0806;
  public static final int ETH_P_IPV6 = 0x86dd;
  private static final int SOCKADDR_LL = 20;
  private static final int MAX_FRAME = 65_536;
  private static final long SIOCGIFHWADDR = 0x8927;

  /** {@link #open(int, Bpf.Program)}: a receive waits until a frame arrives or receiving stops. */
  private static final int NO_TIMEOUT = -1;

  private final int fd;
  private final int ethertype;
  private final int receiveTimeoutMillis;
  private final StoppableWait wait;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment rxBuffer;
  private final ByteBuffer rxView;
  private final MemorySegment rxAddr;
  private final MemorySegment rxAddrLen;
  private final ThreadLocal<TxBuffers> tx = ThreadLocal.withInitial(TxBuffers::new);
  private volatile boolean closed;

  /** Per sending thread: a frame buffer and a destination address, so senders never share memory. */
  private static final class TxBuffers {
    final Arena arena = Arena.ofAuto();
    final MemorySegment frame = arena.allocate(MAX_FRAME);
    final MemorySegment addr = arena.allocate(SOCKADDR_LL, 4);
  }

  private PacketSocket(int fd, int ethertype, int receiveTimeoutMillis, StoppableWait wait) {
    this.fd = fd;
    this.ethertype = ethertype;
    this.receiveTimeoutMillis = receiveTimeoutMillis;
    this.wait = wait;
    this.rxBuffer = arena.allocate(MAX_FRAME, 8);
    this.rxView = rxBuffer.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
    this.rxAddr = arena.allocate(SOCKADDR_LL, 4);
    this.rxAddrLen = arena.allocate(JAVA_INT);
  }

  /**
   * Opens a socket for {@code ethertype} in the calling thread's network namespace whose
   * {@link #receive} waits until a frame arrives or {@link #stopReceiving} is called: an idle
   * receive loop never wakes. With a {@code filter}, the socket is opened for no protocol, the
   * filter attached, and only then bound to the ethertype, so no unfiltered frame is ever queued.
   */
  public static PacketSocket open(int ethertype, Bpf.Program filter) throws IOException {
    return open(ethertype, filter, NO_TIMEOUT);
  }

  /** As {@link #open(int, Bpf.Program)}, but one {@link #receive} waits at most {@code receiveTimeout} (clients waiting for a reply). */
  public static PacketSocket open(int ethertype, Bpf.Program filter, Duration receiveTimeout) throws IOException {
    return open(ethertype, filter, (int) Math.max(0, Math.min(Integer.MAX_VALUE, receiveTimeout.toMillis())));
  }

  private static PacketSocket open(int ethertype, Bpf.Program filter, int receiveTimeoutMillis) throws IOException {
    StoppableWait wait = StoppableWait.open();
    int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, filter == null ? htons(ethertype) : 0);
    if (fd < 0) {
      int errno = Libc.errno();
      wait.close();
      throw Libc.failure("socket(AF_PACKET)", "for ethertype 0x" + Integer.toHexString(ethertype)
          + (errno == 1 ? " (needs CAP_NET_RAW)" : ""), errno);
    }
    PacketSocket s = new PacketSocket(fd, ethertype, receiveTimeoutMillis, wait);
    try {
      s.setup(filter);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  private void setup(Bpf.Program filter) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment one = a.allocate(JAVA_INT);
      one.set(JAVA_INT, 0, 1);
      // Own outgoing frames are dropped by the kernel (Linux 4.20+); the receive loop also checks
      // sll_pkttype, so older kernels are only slower, not wrong.
      Libc.setsockopt(fd, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, one, 4);
      MemorySegment size = a.allocate(JAVA_INT);
      size.set(JAVA_INT, 0, 4 << 20);
      Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, size, 4); // a flood must not crowd out legit requests
      if (filter != null) {
        MemorySegment insns = a.allocate(8L * filter.length(), 8);
        for (int i = 0; i < filter.length(); i++) {
          Bpf.Insn in = filter.insns().get(i);
          insns.set(JAVA_SHORT, 8L * i, (short) in.code());
          insns.set(JAVA_BYTE, 8L * i + 2, (byte) in.jt());
          insns.set(JAVA_BYTE, 8L * i + 3, (byte) in.jf());
          insns.set(JAVA_INT, 8L * i + 4, in.k());
        }
        MemorySegment prog = a.allocate(16, 8);
        prog.set(JAVA_SHORT, 0, (short) filter.length());
        prog.set(java.lang.foreign.ValueLayout.ADDRESS, 8, insns);
        check(Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, prog, 16), "setsockopt(SO_ATTACH_FILTER)");
        MemorySegment sll = a.allocate(SOCKADDR_LL, 4);
        sll.set(JAVA_SHORT, 0, (short) Libc.AF_PACKET);
        sll.set(JAVA_SHORT, 2, (short) htons(ethertype));
        check(Libc.bind(fd, sll, SOCKADDR_LL), "bind(AF_PACKET) for ethertype 0x" + Integer.toHexString(ethertype));
      }
    }
  }

  /** What one {@link #receive} call saw. */
  public enum Received {
    FRAME,
    /** Nothing within the receive timeout (a socket opened with one), or a signal. */
    TIMEOUT,
    /** The link went down under the socket (ENETDOWN): not fatal, the socket stays usable. */
    NETWORK_DOWN,
    /** {@link #stopReceiving} was called: the receive loop should end. */
    STOPPED
  }

  /** Gets one frame. */
  @FunctionalInterface
  public interface FrameHandler {
    /**
     * @param frame the whole frame from its Ethernet header, valid only during this call
     * @param outgoing true for a frame this host sent (sll_pkttype PACKET_OUTGOING)
     */
    void frame(int ifindex, boolean outgoing, ByteBuffer frame);
  }

  /**
   * Waits for one frame and hands it to {@code handler}: until one arrives or receiving stops, or
   * for at most the receive timeout of a socket opened with one. One thread only.
   */
  public Received receive(FrameHandler handler) throws IOException {
    switch (wait.await(fd, receiveTimeoutMillis)) {
      case STOPPED -> {
        return Received.STOPPED;
      }
      case TIMEOUT -> {
        return Received.TIMEOUT;
      }
      case READABLE -> { }
    }
    rxAddrLen.set(JAVA_INT, 0, SOCKADDR_LL);
    long n = Libc.recvfrom(fd, rxBuffer, MAX_FRAME, Libc.MSG_DONTWAIT, rxAddr, rxAddrLen);
    if (n < 0) {
      int errno = Libc.errno();
      return switch (errno) {
        case Libc.EAGAIN, Libc.EINTR -> Received.TIMEOUT;
        case Libc.ENETDOWN -> Received.NETWORK_DOWN;
        default -> {
          if (closed) {
            yield Received.TIMEOUT;
          }
          throw Libc.failure("recvfrom", "on packet socket", errno);
        }
      };
    }
    int ifindex = rxAddr.get(JAVA_INT, 4);
    boolean outgoing = (rxAddr.get(JAVA_BYTE, 10) & 0xff) == Libc.PACKET_OUTGOING;
    rxView.clear().limit((int) n);
    handler.frame(ifindex, outgoing, rxView);
    return Received.FRAME;
  }

  /** Sends a whole frame (Ethernet header included) out of interface {@code ifindex}. Any thread. */
  public void send(int ifindex, ByteBuffer frame) throws IOException {
    TxBuffers b = tx.get();
    int len = frame.remaining();
    if (len > MAX_FRAME) {
      throw new IOException("frame of " + len + " bytes is larger than " + MAX_FRAME);
    }
    MemorySegment.copy(MemorySegment.ofBuffer(frame), 0, b.frame, 0, len);
    MemorySegment sll = b.addr;
    sll.fill((byte) 0);
    sll.set(JAVA_SHORT, 0, (short) Libc.AF_PACKET);
    sll.set(JAVA_SHORT, 2, (short) htons(ethertype));
    sll.set(JAVA_INT, 4, ifindex);
    sll.set(JAVA_BYTE, 11, (byte) 6);
    MemorySegment.copy(b.frame, 0, sll, 12, 6); // destination MAC, from the frame itself
    long sent = Libc.sendto(fd, b.frame, len, 0, sll, SOCKADDR_LL);
    if (sent < 0) {
      throw Libc.failure("sendto", "on interface index " + ifindex, Libc.errno());
    }
  }

  /**
   * Asks the interface to accept frames for multicast group {@code group} (an IPv6
   * solicited-node group) for as long as this socket is open. The kernel counts joins, so equal
   * groups of two addresses need two leaves.
   */
  public void joinMulticast(int ifindex, MacAddress group) throws IOException {
    membership(Libc.PACKET_ADD_MEMBERSHIP, ifindex, group);
  }

  public void leaveMulticast(int ifindex, MacAddress group) throws IOException {
    membership(Libc.PACKET_DROP_MEMBERSHIP, ifindex, group);
  }

  private void membership(int op, int ifindex, MacAddress group) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment mreq = a.allocate(16, 4);
      mreq.set(JAVA_INT, 0, ifindex);
      mreq.set(JAVA_SHORT, 4, (short) Libc.PACKET_MR_MULTICAST);
      mreq.set(JAVA_SHORT, 6, (short) 6);
      MemorySegment.copy(MemorySegment.ofArray(group.toBytes()), 0, mreq, 8, 6);
      check(Libc.setsockopt(fd, Libc.SOL_PACKET, op, mreq, 16),
          (op == Libc.PACKET_ADD_MEMBERSHIP ? "join " : "leave ") + group + " on interface index " + ifindex);
    }
  }

  /** The MAC address of {@code ifname} in this socket's namespace ({@code ioctl SIOCGIFHWADDR}). */
  public MacAddress hardwareAddress(String ifname) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment ifreq = a.allocate(40, 8);
      byte[] name = ifname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      if (name.length > 15) {
        throw new IOException("interface name longer than 15 characters: " + ifname);
      }
      MemorySegment.copy(MemorySegment.ofArray(name), 0, ifreq, 0, name.length);
      check(Libc.ioctl(fd, SIOCGIFHWADDR, ifreq), "ioctl(SIOCGIFHWADDR) for " + ifname);
      byte[] mac = new byte[6];
      MemorySegment.copy(ifreq, 18, MemorySegment.ofArray(mac), 0, 6);
      return MacAddress.of(mac);
    }
  }

  private void check(int rc, String what) throws IOException {
    if (rc < 0) {
      throw Libc.failure("", what, Libc.errno());
    }
  }

  static int htons(int v) {
    return Short.toUnsignedInt(Short.reverseBytes((short) v));
  }

  /** Makes the current {@link #receive} and every later one return {@link Received#STOPPED}. Any thread. */
  public void stopReceiving() {
    wait.stop();
  }

  /** Closes the descriptor. Call after the receive loop has stopped ({@link #stopReceiving}, then join it). */
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
