package io.ironlb.l2.linux;

import io.ironlb.l2.Claim;
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
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane on Linux: two packet sockets (ARP, and IPv6 filtered down to neighbour
 * discovery), an rtnetlink socket read for interfaces whenever the kernel reports a link or address
 * change ({@link LinkWatch}, its own thread) and every {@code interfacePoll} besides, a receive
 * thread per packet socket and one scheduler thread for announcements and probes. Everything is opened in the
 * network namespace of the thread that calls {@link #open} and stays there.
 */
public final class LinuxLayer2 implements Layer2, Link {

  private static final Logger LOG = LoggerFactory.getLogger(LinuxLayer2.class);

  private static final int RECEIVER_NICE = -10;

  private final Layer2Config config;
  private final PacketSocket arp;
  private final PacketSocket ndp;
  private final Rtnetlink rtnetlink;
  private final ScheduledExecutorService scheduler;
  private final Layer2Engine engine;
  private final LinkWatch links;
  private final Thread arpReceiver;
  private final Thread ndpReceiver;
  private final Thread linkWatcher;
  private final AtomicBoolean rediscoveryQueued = new AtomicBoolean();
  private volatile boolean closed;

  private LinuxLayer2(Layer2Config config, Layer2Stats stats, Consumer<Claim> claims, PacketSocket arp, PacketSocket ndp, Rtnetlink rtnetlink,
      LinkWatch links) throws IOException {
    this.config = config;
    this.arp = arp;
    this.ndp = ndp;
    this.rtnetlink = rtnetlink;
    this.links = links;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("l2-scheduler").daemon().unstarted(r));
    this.engine = new Layer2Engine(this, config, stats, claims, scheduler, System::nanoTime, LOG::info);
    engine.interfacesChanged(InterfaceTable.of(rtnetlink.interfaces()));
    this.arpReceiver = receiver("l2-arp-receiver", arp);
    this.ndpReceiver = receiver("l2-ndp-receiver", ndp);
    this.linkWatcher = Thread.ofPlatform().name("l2-link-watch").daemon().start(this::watchLinks);
    long poll = config.interfacePoll().toNanos();
    scheduler.scheduleWithFixedDelay(this::rediscover, poll, poll, TimeUnit.NANOSECONDS);
  }

  /** Opens the data plane in the calling thread's network namespace (needs CAP_NET_RAW). */
  public static LinuxLayer2 open(Layer2Config config, Layer2Stats stats, Consumer<Claim> claims) throws IOException {
    PacketSocket arp = null;
    PacketSocket ndp = null;
    Rtnetlink rtnl = null;
    LinkWatch links = null;
    try {
      arp = PacketSocket.open(PacketSocket.ETH_P_ARP, null, config.receiveTimeout());
      ndp = PacketSocket.open(PacketSocket.ETH_P_IPV6, Bpf.neighborDiscovery(), config.receiveTimeout());
      // Subscribed before the first dump: a change in between is reported, not lost.
      links = LinkWatch.open(config.receiveTimeout());
      rtnl = Rtnetlink.open();
      return new LinuxLayer2(config, stats, claims, arp, ndp, rtnl, links);
    } catch (IOException | RuntimeException e) {
      if (arp != null) {
        arp.close();
      }
      if (ndp != null) {
        ndp.close();
      }
      if (rtnl != null) {
        rtnl.close();
      }
      if (links != null) {
        links.close();
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
          if (socket.receive(handler) == PacketSocket.Received.NETWORK_DOWN) {
            LOG.info("{}: a link went down; the socket stays open, the link is served again when it comes up", name);
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

  /** Reads the interfaces again (on the scheduler) whenever the kernel reports a change; one read covers a burst of reports. */
  private void watchLinks() {
    while (!closed) {
      try {
        if (links.await() && rediscoveryQueued.compareAndSet(false, true)) {
          scheduler.execute(() -> {
            rediscoveryQueued.set(false);
            rediscover();
          });
        }
      } catch (IOException | RuntimeException e) {
        if (closed) {
          break;
        }
        LOG.warn("link notifications: {}; the interface poll still runs", e.getMessage());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          break;
        }
      }
    }
  }

  private void rediscover() {
    try {
      engine.interfacesChanged(InterfaceTable.of(rtnetlink.interfaces()));
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.warn("interface discovery failed: {}", e.getMessage());
      }
    }
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
  public InterfaceTable interfaces() {
    return engine.interfaces();
  }

  /** Forces an interface re-read now (tests; the poll does it every {@code interfacePoll}). */
  public void rediscoverNow() {
    rediscover();
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
    try {
      long wait = config.receiveTimeout().toMillis() * 3 + 100;
      arpReceiver.join(wait);
      ndpReceiver.join(wait);
      linkWatcher.join(wait);
      scheduler.awaitTermination(wait, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    arp.close();
    ndp.close();
    rtnetlink.close();
    links.close();
  }
}
