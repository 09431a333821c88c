package io.ironlb.l2.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the data plane needs, through the FFM API (no JNI, no shipped library).
 *
 * <p>Every call that can fail captures {@code errno} right after the call (the JVM may clobber it
 * otherwise). The constants and struct layouts used with these calls are the same on x86-64 and
 * aarch64 Linux: both are LP64 little-endian and use the asm-generic socket option numbers for the
 * options used here (SOL_SOCKET 1, SO_RCVTIMEO 20, SO_RCVBUF 8, SO_ATTACH_FILTER 26).
 */
final class Libc {

  static final int AF_NETLINK = 16;
  static final int AF_PACKET = 17;
  static final int SOCK_RAW = 3;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int SOL_SOCKET = 1;
  static final int SO_RCVBUF = 8;
  static final int SO_RCVTIMEO = 20;
  static final int SO_ATTACH_FILTER = 26;
  static final int SOL_PACKET = 263;
  static final int PACKET_ADD_MEMBERSHIP = 1;
  static final int PACKET_DROP_MEMBERSHIP = 2;
  static final int PACKET_IGNORE_OUTGOING = 23;
  static final int PACKET_MR_MULTICAST = 0;
  static final int PACKET_OUTGOING = 4;
  static final int EINTR = 4;
  static final int EAGAIN = 11;
  static final int ENETDOWN = 100;
  static final int ENOBUFS = 105;
  static final int MSG_DONTWAIT = 0x40;
  static final short POLLIN = 0x1;
  static final int EFD_NONBLOCK = 0x800;
  static final int EFD_CLOEXEC = 0x80000;
  static final int ENXIO = 6;
  static final int ENODEV = 19;
  static final int O_RDONLY = 0;
  static final int O_CLOEXEC = 0x80000;
  static final int CLONE_NEWNET = 0x40000000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

  private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle RECVFROM = downcall("recvfrom",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle SENDTO = downcall("sendto",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  /** ioctl and open are variadic: the extra argument must be passed as a variadic one. */
  private static final MethodHandle IOCTL = downcall("ioctl",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle OPEN = downcall("open",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle POLL = downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle EVENTFD = downcall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle WRITE = downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  /** Optional: gettid is in glibc since 2.30; without it the receive threads keep their priority. */
  private static final MethodHandle GETTID = optionalDowncall("gettid", FunctionDescriptor.of(JAVA_INT));
  private static final MethodHandle SETPRIORITY = optionalDowncall("setpriority", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle SCHED_SETSCHEDULER = optionalDowncall("sched_setscheduler",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
  static final int SCHED_FIFO = 1;
  private static final MethodHandle STRERROR = LINKER.downcallHandle(
      LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

  /** One errno capture segment per thread: the receive loop calls recvfrom a million times. */
  private static final ThreadLocal<MemorySegment> CAPTURED = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

  private Libc() {}

  private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... extra) {
    Linker.Option[] opts = new Linker.Option[extra.length + 1];
    opts[0] = ERRNO_OPT;
    System.arraycopy(extra, 0, opts, 1, extra.length);
    MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, fd, opts);
  }

  private static MethodHandle optionalDowncall(String name, FunctionDescriptor fd) {
    return LIBC.find(name).map(symbol -> LINKER.downcallHandle(symbol, fd, ERRNO_OPT)).orElse(null);
  }

  static int errno() {
    return (int) ERRNO.get(CAPTURED.get(), 0L);
  }

  static String strerror(int errno) {
    try {
      MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
      return s.reinterpret(1024).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }

  /** An IOException naming the call, what it was for, and the kernel's reason. */
  static IOException failure(String call, String what, int errno) {
    return new ErrnoException(call + " " + what + ": " + strerror(errno) + " (errno " + errno + ")", errno);
  }

  static final class ErrnoException extends IOException {
    final int errno;

    ErrnoException(String message, int errno) {
      super(message);
      this.errno = errno;
    }
  }

  static int socket(int domain, int type, int protocol) {
    try {
      return (int) SOCKET.invokeExact(CAPTURED.get(), domain, type, protocol);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int bind(int fd, MemorySegment addr, int len) {
    try {
      return (int) BIND.invokeExact(CAPTURED.get(), fd, addr, len);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int close(int fd) {
    try {
      return (int) CLOSE.invokeExact(CAPTURED.get(), fd);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long recvfrom(int fd, MemorySegment buf, long len, int flags, MemorySegment addr, MemorySegment addrLen) {
    try {
      return (long) RECVFROM.invokeExact(CAPTURED.get(), fd, buf, len, flags, addr, addrLen);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long sendto(int fd, MemorySegment buf, long len, int flags, MemorySegment addr, int addrLen) {
    try {
      return (long) SENDTO.invokeExact(CAPTURED.get(), fd, buf, len, flags, addr, addrLen);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int setsockopt(int fd, int level, int name, MemorySegment value, int len) {
    try {
      return (int) SETSOCKOPT.invokeExact(CAPTURED.get(), fd, level, name, value, len);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int ioctl(int fd, long request, MemorySegment arg) {
    try {
      return (int) IOCTL.invokeExact(CAPTURED.get(), fd, request, arg);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int open(MemorySegment path, int flags) {
    try {
      return (int) OPEN.invokeExact(CAPTURED.get(), path, flags, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** {@code poll(fds, nfds, timeoutMillis)}; a negative timeout waits for as long as it takes. */
  static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
    try {
      return (int) POLL.invokeExact(CAPTURED.get(), fds, nfds, timeoutMillis);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int eventfd(int initialValue, int flags) {
    try {
      return (int) EVENTFD.invokeExact(CAPTURED.get(), initialValue, flags);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long write(int fd, MemorySegment buf, long len) {
    try {
      return (long) WRITE.invokeExact(CAPTURED.get(), fd, buf, len);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int setns(int fd, int nstype) {
    try {
      return (int) SETNS.invokeExact(CAPTURED.get(), fd, nstype);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The calling thread's kernel ID, or -1 when this libc has no gettid. */
  static int gettid() {
    if (GETTID == null) {
      return -1;
    }
    try {
      return (int) GETTID.invokeExact(CAPTURED.get());
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** {@code setpriority(PRIO_PROCESS, tid, nice)}: on Linux a thread ID names one thread. */
  static int setThreadNice(int tid, int nice) {
    if (SETPRIORITY == null || tid < 0) {
      return -1;
    }
    try {
      return (int) SETPRIORITY.invokeExact(CAPTURED.get(), 0, tid, nice);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** {@code sched_setscheduler(tid, policy, &{priority})}: one thread's scheduling class. */
  static int setThreadScheduler(int tid, int policy, int priority) {
    if (SCHED_SETSCHEDULER == null || tid < 0) {
      return -1;
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment param = a.allocate(JAVA_INT);
      param.set(JAVA_INT, 0, priority);
      return (int) SCHED_SETSCHEDULER.invokeExact(CAPTURED.get(), tid, policy, param);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("native call failed", t);
  }
}
