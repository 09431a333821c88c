package io.ironlb.l2.linux;

import io.ironlb.l2.Claim;
import io.ironlb.l2.DefaultRoutes;
import io.ironlb.l2.ExcludedInterfaces;
import io.ironlb.l2.InterfaceTable;
import io.ironlb.l2.Layer2;
import io.ironlb.l2.Layer2Config;
import io.ironlb.l2.Layer2Engine;
import io.ironlb.l2.Layer2Stats;
import io.ironlb.l2.Link;
import io.ironlb.l2.ProbeResult;
import io.ironlb.l2.packet.EthernetHeader;
import io.ironlb.l2.packet.MacAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane on Linux: two packet sockets (ARP, and IPv6 filtered down to neighbour
 * discovery) with a receive thread each, an rtnetlink subscription to interface changes with a
 * thread that re-reads the interfaces when the kernel reports one, and one scheduler thread for
 * announcements and probes. Every thread blocks until there is work: an idle data plane wakes
 * only for the periodic gratuitous refresh. Everything is opened in the network namespace of the
 * thread that calls {@link #open} and stays there.
 */
public final class LinuxLayer2 implements Layer2, Link {

  private static final Logger LOG = LoggerFactory.getLogger(LinuxLayer2.class);

  private static final int RECEIVER_NICE = -10;
  /** How long close() waits for each thread; they return as soon as they are stopped. */
  private static final long STOP_WAIT_MILLIS = 2_000;

  private final PacketSocket arp;
  private final PacketSocket ndp;
  private final Rtnetlink rtnetlink;
  private final RtnetlinkEvents interfaceEvents;
  private final DefaultRouteReader routes;
  private final ScheduledExecutorService scheduler;
  private final Layer2Engine engine;
  private final ExcludedInterfaces excludedInterfaces;
  private final List<Consumer<InterfaceTable>> interfaceListeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> routeListeners = new CopyOnWriteArrayList<>();
  private final Thread arpReceiver;
  private final Thread ndpReceiver;
  private final Thread interfaceWatcher;
  private volatile boolean closed;

  private LinuxLayer2(Layer2Config config, Layer2Stats stats, Consumer<Claim> claims, PacketSocket arp, PacketSocket ndp, Rtnetlink rtnetlink,
      RtnetlinkEvents interfaceEvents, DefaultRouteReader routes) throws IOException {
    this.arp = arp;
    this.ndp = ndp;
    this.rtnetlink = rtnetlink;
    this.interfaceEvents = interfaceEvents;
    this.routes = routes;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("l2-scheduler").daemon().unstarted(r));
    this.excludedInterfaces = config.excludedInterfaces();
    this.engine = new Layer2Engine(this, config, stats, claims, scheduler, System::nanoTime, LOG::info);
    // Subscribed before this first read, so a change in between is heard, not lost.
    engine.interfacesChanged(InterfaceTable.of(rtnetlink.interfaces()));
    this.arpReceiver = receiver("l2-arp-receiver", arp);
    this.ndpReceiver = receiver("l2-ndp-receiver", ndp);
    this.interfaceWatcher = Thread.ofPlatform().name("l2-interfaces").daemon().start(this::watchInterfaces);
  }

  /** Opens the data plane in the calling thread's network namespace (needs CAP_NET_RAW). */
  public static LinuxLayer2 open(Layer2Config config, Layer2Stats stats, Consumer<Claim> claims) throws IOException {
    PacketSocket arp = null;
    PacketSocket ndp = null;
    Rtnetlink rtnl = null;
    RtnetlinkEvents events = null;
    DefaultRouteReader routes = null;
    try {
      arp = PacketSocket.open(PacketSocket.ETH_P_ARP, null);
      ndp = PacketSocket.open(PacketSocket.ETH_P_IPV6, Bpf.neighborDiscovery());
      events = RtnetlinkEvents.open();
      rtnl = Rtnetlink.open();
      routes = DefaultRouteReader.open();
      return new LinuxLayer2(config, stats, claims, arp, ndp, rtnl, events, routes);
    } catch (IOException | RuntimeException e) {
      for (AutoCloseable c : new AutoCloseable[] {arp, ndp, rtnl, events, routes}) {
        if (c != null) {
          try {
            c.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
      }
      throw e;
    }
  }

  /** Opens the data plane inside named network namespace {@code namespace} (tests and the lab). */
  public static LinuxLayer2 openIn(String namespace, Layer2Config config, Layer2Stats stats, Consumer<Claim> claims) throws IOException {
    return NetNamespace.call(namespace, () -> open(config, stats, claims));
  }

  private Thread receiver(String name, PacketSocket socket) {
    return Thread.ofPlatform().name(name).daemon().start(() -> {
      raisePriority(name);
      PacketSocket.FrameHandler handler = (ifindex, outgoing, frame) -> {
        try {
          engine.onFrame(ifindex, outgoing, frame);
        } catch (RuntimeException e) {
          LOG.error("frame handler failed on interface index {}; frame dropped", ifindex, e);
        }
      };
      while (!closed) {
        try {
          switch (socket.receive(handler)) {
            case NETWORK_DOWN -> LOG.info("{}: a link went down; the socket stays open, the link is served again when it comes up", name);
            case STOPPED -> {
              return;
            }
            case FRAME, TIMEOUT -> { }
          }
        } catch (IOException e) {
          if (closed) {
            break;
          }
          LOG.warn("{}: {}", name, e.getMessage());
          try {
            Thread.sleep(100);
          } catch (InterruptedException ie) {
            break;
          }
        }
      }
    });
  }

  /**
   * An answer has to wait for this thread to be scheduled, while the kernel answers its own ARP in
   * softirq context: on a busy node the scheduler, not the code, makes the tail. A lower nice
   * value (needs CAP_SYS_NICE; best effort, the speaker runs without it too) lets the receive
   * thread run first when it wakes.
   */
  private static void raisePriority(String name) {
    raiseCurrentThreadPriority(name, "answers may wait for busy CPUs");
  }

  /**
   * Lowers the calling thread's nice value to {@value #RECEIVER_NICE} (needs CAP_SYS_NICE; best
   * effort): for threads whose lateness costs a failover, such as the membership's heartbeats. Says
   * once what happens without it ({@code otherwise}) when it cannot.
   */
  public static boolean raiseCurrentThreadPriority(String name, String otherwise) {
    int tid = Libc.gettid();
    if (Libc.setThreadNice(tid, RECEIVER_NICE) < 0) {
      LOG.info("{}: cannot raise priority (nice {}): {}; {}", name, RECEIVER_NICE, Libc.strerror(Libc.errno()), otherwise);
      return false;
    }
    return true;
  }

  /**
   * Puts the calling thread in the real-time class ({@code SCHED_FIFO}, the lowest real-time
   * priority, needs CAP_SYS_NICE; best effort): for the membership's heartbeat thread, which
   * sleeps between heartbeats and works for microseconds when it wakes. A real-time thread runs as
   * soon as it wakes, ahead of every ordinary thread (busy loops included), so the scheduler is no
   * longer a reason for a late heartbeat; the kernel's real-time throttling still leaves the others
   * 5% of each second should it ever spin. It does not help while the JVM holds every thread (a
   * safepoint): bench/soak still saw heartbeats up to ~100 ms late with it. Falls back to nice -10
   * when the class is refused (a container without real-time runtime), saying once why.
   */
  public static boolean makeCurrentThreadRealTime(String name, String otherwise) {
    int tid = Libc.gettid();
    if (Libc.setThreadScheduler(tid, Libc.SCHED_FIFO, 1) == 0) {
      return true;
    }
    LOG.info("{}: cannot use the real-time class (SCHED_FIFO): {}; raising its priority instead", name, Libc.strerror(Libc.errno()));
    return raiseCurrentThreadPriority(name, otherwise);
  }

  /** The kernel's ids of this process's threads, as listed now. */
  private static List<Integer> threadIds() throws IOException {
    List<Integer> ids = new ArrayList<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of(TASKS))) {
      for (Path task : tasks) {
        try {
          ids.add(Integer.parseInt(task.getFileName().toString()));
        } catch (NumberFormatException e) {
          // not a thread
        }
      }
    }
    return ids;
  }

  /**
   * Lowers the nice value of every thread of this process to {@value #RECEIVER_NICE} (needs
   * CAP_SYS_NICE; best effort); threads started later inherit it from the thread that starts them.
   * Raising the heartbeat threads alone is not enough on a saturated node: a stop-the-world GC pause
   * lasts as long as the JVM's own threads (the VM thread that collects, every thread that must reach
   * the safepoint) wait their turn behind the busy processes, and the heartbeats wait with them; the
   * others then suspect this node. The speaker's CPU use is small, so the priority costs the node's
   * workloads little. Returns how many threads were raised; says once what happens without it.
   */
  public static int raiseProcessPriority(String otherwise) {
    int raised = 0;
    String failure = null;
    try {
      for (int tid : threadIds()) {
        if (Libc.setThreadNice(tid, RECEIVER_NICE) < 0) {
          if (Libc.errno() != ESRCH) { // a thread that ended meanwhile
            failure = Libc.strerror(Libc.errno());
          }
        } else {
          raised++;
        }
      }
    } catch (IOException e) {
      failure = e.getMessage();
    }
    if (failure != null) {
      LOG.info("cannot raise the process's priority (nice {}): {}; {}", RECEIVER_NICE, failure, otherwise);
    }
    return raised;
  }

  /**
   * Puts the JVM's own "VM Thread" in the real-time class too ({@code SCHED_FIFO}, lowest priority,
   * best effort): with the serial collector it does every stop-the-world collection, and while it
   * collects every Java thread, the heartbeat thread included, waits for it. At nice -10 it still
   * waited behind busy processes: bench/soak under a busy loop per core and 32 MB/s of allocation
   * saw collections of 1-2 ms of work last 100 ms to 2.3 s of wall time, and the other speakers
   * suspected this one. In the real-time class a collection lasts what it costs (a minor one a few
   * ms, a full one tens of ms); the kernel's real-time throttling still leaves the node's workloads
   * 5% of each second should one ever run away. Returns whether the thread was found and moved.
   */
  public static boolean makeCollectorRealTime(String otherwise) {
    try {
      for (int tid : threadIds()) {
        String comm;
        try {
          comm = Files.readString(Path.of(TASKS, Integer.toString(tid), "comm")).strip();
        } catch (IOException e) {
          continue; // a thread that ended meanwhile
        }
        if (comm.equals(COLLECTOR_THREAD)) {
          if (Libc.setThreadScheduler(tid, Libc.SCHED_FIFO, 1) == 0) {
            return true;
          }
          LOG.info("the JVM's VM Thread cannot use the real-time class (SCHED_FIFO): {}; {}", Libc.strerror(Libc.errno()), otherwise);
          return false;
        }
      }
    } catch (IOException e) {
      LOG.info("cannot list this process's threads: {}; {}", e.getMessage(), otherwise);
      return false;
    }
    LOG.info("no thread named \"{}\" in this JVM; {}", COLLECTOR_THREAD, otherwise);
    return false;
  }

  /** HotSpot's name for the thread that runs safepoint operations, the serial collector's collections among them. */
  static final String COLLECTOR_THREAD = "VM Thread";
  private static final String TASKS = "/proc/self/task";

  private static final int ESRCH = 3;

  /** Re-reads the interfaces each time the kernel reports a change; blocks in between. */
  private void watchInterfaces() {
    while (!closed) {
      RtnetlinkParser.Notified changed;
      try {
        Optional<RtnetlinkParser.Notified> n = interfaceEvents.awaitChange();
        if (n.isEmpty()) {
          return;
        }
        changed = n.get();
      } catch (IOException | RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.warn("interface notifications failed: {}; reading the interfaces again", e.getMessage());
        pause();
        changed = new RtnetlinkParser.Notified(true, true);
      }
      if (changed.interfaces()) {
        rediscover();
      }
      if (changed.defaultRoutes()) {
        for (Runnable listener : routeListeners) {
          try {
            listener.run();
          } catch (RuntimeException e) {
            LOG.error("default route listener failed", e);
          }
        }
      }
    }
  }

  private static void pause() {
    try {
      Thread.sleep(1_000); // after a failing netlink read, not to spin on it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void rediscover() {
    InterfaceTable now;
    try {
      now = InterfaceTable.of(rtnetlink.interfaces());
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.warn("interface discovery failed: {}", e.getMessage());
      }
      return;
    }
    if (now.equals(engine.interfaces())) {
      return;
    }
    engine.interfacesChanged(now);
    for (Consumer<InterfaceTable> listener : interfaceListeners) {
      try {
        listener.accept(now);
      } catch (RuntimeException e) {
        LOG.error("interface listener failed", e);
      }
    }
  }

  @Override
  public void onInterfacesChanged(Consumer<InterfaceTable> listener) {
    interfaceListeners.add(listener);
  }

  @Override
  public void send(int ifindex, ByteBuffer frame) throws IOException {
    int p = frame.position();
    int type = frame.getShort(p + 12) & 0xffff;
    if (type == EthernetHeader.ETHERTYPE_VLAN || type == EthernetHeader.ETHERTYPE_QINQ) {
      type = frame.getShort(p + 16) & 0xffff;
    }
    (type == EthernetHeader.ETHERTYPE_ARP ? arp : ndp).send(ifindex, frame);
  }

  @Override
  public void joinMulticast(int ifindex, MacAddress group) throws IOException {
    ndp.joinMulticast(ifindex, group);
  }

  @Override
  public void leaveMulticast(int ifindex, MacAddress group) throws IOException {
    ndp.leaveMulticast(ifindex, group);
  }

  @Override
  public void announce(InetAddress vip, List<String> interfaces) {
    engine.announce(vip, interfaces);
  }

  @Override
  public void withdraw(InetAddress vip) {
    engine.withdraw(vip);
  }

  @Override
  public List<String> announcedOn(InetAddress vip) {
    return engine.announcedOn(vip);
  }

  @Override
  public CompletableFuture<ProbeResult> probe(InetAddress vip, List<String> interfaces, Set<MacAddress> clusterMacs) {
    return engine.probe(vip, interfaces, clusterMacs);
  }

  @Override
  public CompletableFuture<ProbeResult> verify(InetAddress vip, List<String> interfaces) {
    return engine.verify(vip, interfaces);
  }

  @Override
  public InterfaceTable interfaces() {
    return engine.interfaces();
  }

  /**
   * Calls {@code listener} each time a default route of the main table is added or removed (on the
   * interface watcher's thread; it must return quickly), so {@link #defaultRoutes} may say
   * something new. Other routes are not reported: some CNIs add one for every pod.
   */
  public void onDefaultRoutesChanged(Runnable listener) {
    routeListeners.add(listener);
  }

  /**
   * The interfaces that carry this namespace's default routes, read now;
   * {@link DefaultRoutes#NONE} when they cannot be read.
   */
  public DefaultRoutes defaultRoutes() {
    try {
      return routes.read();
    } catch (IOException e) {
      LOG.warn("cannot read the default routes: {}", e.toString());
      return DefaultRoutes.NONE;
    }
  }

  /** The interfaces the operator excludes by name, on top of the built-in exclusions. */
  public ExcludedInterfaces excludedInterfaces() {
    return excludedInterfaces;
  }

  @Override
  public void peers(Set<MacAddress> macs) {
    engine.peers(macs);
  }

  @Override
  public void defend(InetAddress vip) {
    engine.defend(vip);
  }

  @Override
  public void watchRequests(InetAddress vip, boolean on) {
    engine.watchRequests(vip, on);
  }

  @Override
  public void onRequest(Consumer<InetAddress> listener) {
    engine.onRequest(listener);
  }


  public Layer2Engine engine() {
    return engine;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    scheduler.shutdownNow();
    arp.stopReceiving();
    ndp.stopReceiving();
    interfaceEvents.stop();
    boolean stopped = true;
    try {
      for (Thread t : List.of(arpReceiver, ndpReceiver, interfaceWatcher)) {
        stopped &= t.join(Duration.ofMillis(STOP_WAIT_MILLIS));
      }
      scheduler.awaitTermination(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = false;
    }
    if (!stopped) {
      // A thread still inside a socket call: freeing its buffers now could crash the JVM; the
      // process is ending or the kernel reclaims the descriptors with it.
      LOG.warn("data plane threads did not stop within {} ms; leaving their sockets open", STOP_WAIT_MILLIS);
      return;
    }
    arp.close();
    ndp.close();
    interfaceEvents.close();
    rtnetlink.close();
    try {
      routes.close();
    } catch (IOException e) {
      LOG.debug("closing the route tables: {}", e.toString());
    }
  }
}
