package io.ironlb.membership;

import static net.logstash.logback.argument.StructuredArguments.kv;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.View;
import org.jgroups.ViewId;
import org.jgroups.stack.IpAddress;
import org.jgroups.stack.Protocol;
import org.jgroups.util.UUID;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failure detection by signed heartbeats over UDP, in place of FD_ALL3's heartbeats over the TCP
 * transport: every member sends a {@link Heartbeat} to every other member every
 * {@link Timings#heartbeatInterval()}, and a member silent for {@link Timings#heartbeatTimeout()} is
 * suspected (then verified over TCP by {@link PromptVerifySuspect} before anyone removes it).
 *
 * <p>Why not TCP: a heartbeat lost on a TCP connection holds every later one back until it is
 * retransmitted, after at least 200 ms (Linux's minimum RTO) and twice as long each time it is lost
 * again, so with any packet loss a TCP heartbeat stream falls silent for most of a second now and
 * then, and a sub-second timeout removes live members. Datagrams are independent: with 30% loss a
 * 150 ms silence needs fifteen losses in a row at a 10 ms interval. UDP also lets the timing be
 * the network's own, with no retransmission timer in between.
 *
 * <p>It uses the membership port number over UDP (the TCP transport has the TCP port), bound to the
 * same node address, as MetalLB's memberlist does (TCP and UDP 7946). One platform thread,
 * {@code ironlb-heartbeat}, sends, receives and judges. It wakes once per interval (and at a
 * suspicion's deadline), not per datagram: it takes every datagram waiting then, stamped with that
 * moment, sends, and judges. So a node costs one wake-up per interval whatever the number of peers,
 * a heartbeat is noticed at most one interval late (which only makes a silence look shorter), and a
 * pause of this process (GC, CPU starvation) never makes the others look silent: what arrived
 * meanwhile is taken before anyone is judged, and the pause itself is forgiven. Heartbeats also go, ten times less often, to peers the API lists outside the view: a peer
 * heard that way, in a view another coordinator made, is the other side of a healed partition, and
 * {@link PromptMerge} merges at once instead of within MERGE3's next rounds.
 *
 * <p>Suspicion follows JGroups' FailureDetection: only the member that would coordinate the members
 * not suspected passes a SUSPECT up (the others stay quiet), repeated every timeout while the
 * silence lasts; a suspect heard again is UNSUSPECTed.
 */
final class UdpHeartbeat extends Protocol {

  private static final Logger log = LoggerFactory.getLogger(UdpHeartbeat.class);
  /** Heartbeats to listed peers outside the view go every this many rounds. */
  static final int OUTSIDER_EVERY = 10;
  private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
  /**
   * How long a member new to the view (joined or merged) may take to send its first heartbeat in
   * that view: it installs the view when it gets it, maybe well after us on a busy node.
   */
  static final Duration NEWCOMER_GRACE = Duration.ofSeconds(1);
  private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final InetAddress bindAddress;
  private final int port;
  private final byte[] secret;
  private final long interval;
  private final Duration timeout;
  private final Supplier<List<InetSocketAddress>> listedPeers;
  private final Runnable threadSetup;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong suspicions = new AtomicLong();
  private final AtomicLong stalls = new AtomicLong();
  /** A wake-up later than this (two intervals) is a stall of this process, forgiven to the others. */
  private final long stallForgiven;

  /**
   * Members whose suspicion (ours, or FD_SOCK2's or the transport's on its way up) is being
   * verified, and since when: a heartbeat heard after that clears it at once.
   */
  private final Map<Address, Long> verifying = new ConcurrentHashMap<>();
  /**
   * SUSPECT and UNSUSPECT go up and down the stack on this thread, in order: the protocols there
   * send messages over TCP as they handle them (ARE_YOU_DEAD, FD_SOCK2's broadcasts), which can
   * block for a connect timeout, and the heartbeat thread must never wait for that.
   */
  private ExecutorService events;

  private volatile boolean running;
  private volatile boolean sending;
  private DatagramChannel channel;
  private Selector selector;
  private Thread thread;

  // Owned by the heartbeat thread.
  private SilenceWatch<Address> watch;
  private View view;
  private final Map<Heartbeat.MemberId, Address> members = new HashMap<>();
  private final Map<Heartbeat.MemberId, ReplayWindow> windows = new HashMap<>();
  /** When each sender (member or not) was last heard; also ages out its replay window. */
  private final Map<Heartbeat.MemberId, Long> lastHeard = new HashMap<>();
  private List<InetSocketAddress> memberTargets = List.of();
  private List<InetSocketAddress> outsiderTargets = List.of();
  private final Set<Address> suspected = new HashSet<>();
  /** Members that answered a verification (over TCP) while their heartbeats stayed missing, how many times in a row. */
  private final Map<Address, Integer> answeredWhileSilent = new HashMap<>();
  private long sequence;
  private long lastWarning = Long.MIN_VALUE / 2;
  private long lastLateWarning = Long.MIN_VALUE / 2;
  private long lateSends;
  private long worstLate;
  private volatile long maxLateness;

  /**
   * @param bindAddress the node address (the transport's)
   * @param port the UDP port: the membership port, as the transport's TCP port
   * @param secret the shared secret the heartbeats are signed with
   * @param timings heartbeat interval and timeout
   * @param listedPeers the peer endpoints the API lists (as for discovery); read once a second
   * @param threadSetup run first on the heartbeat thread (the speaker raises its priority)
   */
  UdpHeartbeat(InetAddress bindAddress, int port, byte[] secret, Timings timings, Supplier<List<InetSocketAddress>> listedPeers,
      Runnable threadSetup) {
    this.threadSetup = threadSetup;
    this.bindAddress = bindAddress;
    this.port = port;
    this.secret = secret.clone();
    this.interval = timings.heartbeatInterval().toNanos();
    this.stallForgiven = 2 * interval;
    this.timeout = timings.heartbeatTimeout();
    this.listedPeers = listedPeers;
  }

  long heartbeatsSent() {
    return sent.get();
  }

  long heartbeatsReceived() {
    return received.get();
  }

  /** Datagrams on the heartbeat port that were not a valid, new heartbeat (wrong key, replayed, garbage). */
  long heartbeatsRejected() {
    return rejected.get();
  }

  long suspicionsRaised() {
    return suspicions.get();
  }

  @Override
  public void start() throws Exception {
    super.start();
    DatagramChannel ch = DatagramChannel.open(bindAddress instanceof Inet6Address ? StandardProtocolFamily.INET6
        : StandardProtocolFamily.INET);
    try {
      ch.setOption(StandardSocketOptions.SO_REUSEADDR, false);
      ch.bind(new InetSocketAddress(bindAddress, port));
    } catch (IOException e) {
      ch.close();
      throw new IOException("cannot bind the heartbeat socket to UDP " + bindAddress.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
    }
    ch.configureBlocking(false);
    // No interest in reads: the thread wakes only to send (and at deadlines) and takes whatever
    // arrived meanwhile, stamped when taken; see loop(). The selector is for wakeup() alone.
    selector = Selector.open();
    channel = ch;
    watch = new SilenceWatch<>(timeout, NEWCOMER_GRACE);
    events = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("ironlb-heartbeat-events").daemon().factory());
    running = true;
    thread = Thread.ofPlatform().name("ironlb-heartbeat").daemon().start(this::loop);
  }

  @Override
  public void stop() {
    running = false;
    sending = false;
    if (selector != null) {
      selector.wakeup();
    }
    if (thread != null) {
      try {
        thread.join(Duration.ofSeconds(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (events != null) {
      events.shutdownNow();
    }
    try {
      if (channel != null) {
        channel.close();
      }
      if (selector != null) {
        selector.close();
      }
    } catch (IOException e) {
      log.debug("closing the heartbeat socket: {}", e.toString());
    }
    super.stop();
  }

  @Override
  public Object down(Event evt) {
    switch (evt.getType()) {
      case Event.VIEW_CHANGE -> {
        // Before passing it down: below, FD_SOCK2 connects to its new neighbour on this thread, which
        // took up to a second, while the new members already expected our heartbeats.
        View v = evt.getArg();
        later(() -> viewChanged(v));
        sending = true;
        return down_prot.down(evt);
      }
      // Leaving: a heartbeat after the others installed a view without us would look like a partition.
      case Event.DISCONNECT -> sending = false;
      // The verification found the suspect alive: give it a new window.
      case Event.UNSUSPECT -> {
        Address a = evt.getArg();
        later(() -> verifiedAlive(a, System.nanoTime()));
      }
      default -> { }
    }
    return down_prot.down(evt);
  }

  @Override
  public Object up(Event evt) {
    if (evt.getType() == Event.SUSPECT) {
      long now = System.nanoTime();
      for (Address a : suspects(evt)) {
        verifying.putIfAbsent(a, now);
      }
    }
    return up_prot.up(evt);
  }

  /** The addresses of a SUSPECT event (JGroups passes a collection, older code a single address). */
  private static Collection<Address> suspects(Event evt) {
    Object arg = evt.getArg();
    if (arg instanceof Address a) {
      return List.of(a);
    }
    @SuppressWarnings("unchecked")
    Collection<Address> all = (Collection<Address>) arg;
    return all == null ? List.of() : all;
  }

  private void later(Runnable task) {
    tasks.add(task);
    Selector s = selector;
    if (s != null) {
      s.wakeup();
    }
  }

  // ---------------------------------------------------------------- the heartbeat thread

  private void loop() {
    try {
      threadSetup.run();
    } catch (RuntimeException e) {
      log.info("heartbeat thread setup failed: {}", e.toString());
    }
    Heartbeat.Signer signer = new Heartbeat.Signer(secret);
    ByteBuffer in = ByteBuffer.allocate(512);
    ByteBuffer out = ByteBuffer.allocate(Heartbeat.LENGTH);
    long now = System.nanoTime();
    long nextSend = now;
    long nextRefresh = now;
    long wakeBy = now;
    int round = 0;
    while (running) {
      try {
        now = System.nanoTime();
        if (now - wakeBy > stallForgiven) {
          // This thread woke this much later than it asked to: it was not running (see SilenceWatch.forgive).
          watch.forgive(now - wakeBy);
          stalls.incrementAndGet();
        }
        for (Runnable r; (r = tasks.poll()) != null; ) {
          r.run();
        }
        drain(signer, in, now);
        if (now - nextRefresh >= 0) {
          refreshTargets(now);
          nextRefresh = now + REFRESH_NANOS;
        }
        if (now - nextSend >= 0) {
          late(now - nextSend, now);
          send(signer, out, round++ % OUTSIDER_EVERY == 0);
          nextSend += interval;
          if (now - nextSend >= 0) {
            nextSend = now + interval; // late (a stall): one heartbeat now, no burst to catch up
          }
        }
        judge(now);
        long wake = Math.min(Math.min(nextSend, nextRefresh), watch.nextDue(now));
        long before = System.nanoTime();
        long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(wake - before + 999_999));
        wakeBy = before + TimeUnit.MILLISECONDS.toNanos(waitMs);
        selector.select(waitMs);
        selector.selectedKeys().clear();
      } catch (IOException | RuntimeException e) {
        if (running) {
          log.warn("heartbeat loop: {}", e.toString());
          try {
            Thread.sleep(10); // never spin on a persistent error
          } catch (InterruptedException ie) {
            return;
          }
        }
      }
    }
  }

  /**
   * A heartbeat due {@code lateness} ago goes out only now: this process was not running (CPU
   * starvation, a GC pause). Past half the timeout the others may suspect us; say so (at most once a
   * minute, with how often and how late since the last time), since that is what an operator needs
   * to find a false failover's cause.
   */
  private void late(long lateness, long now) {
    maxLateness = Math.max(maxLateness, lateness);
    if (lateness <= timeout.toNanos() / 2) {
      return;
    }
    lateSends++;
    worstLate = Math.max(worstLate, lateness);
    if (now - lastLateWarning > WARN_EVERY_NANOS) {
      lastLateWarning = now;
      log.warn("heartbeats went out late {} time(s) since the last such warning, by up to {} ms: this process did not run for that"
          + " long (a busy CPU or a GC pause); past {} ms the others suspect this node", lateSends, TimeUnit.NANOSECONDS.toMillis(worstLate),
          timeout.toMillis(), kv("event", "heartbeatLate"), kv("times", lateSends), kv("lateMs", TimeUnit.NANOSECONDS.toMillis(worstLate)));
      lateSends = 0;
      worstLate = 0;
    }
  }

  /** The longest a heartbeat went out late since the start, in ms (how close this node came to being suspected). */
  long maxLatenessMillis() {
    return TimeUnit.NANOSECONDS.toMillis(maxLateness);
  }

  private void viewChanged(View v) {
    view = v;
    members.clear();
    List<Address> others = new ArrayList<>();
    for (Address a : v.getMembersRaw()) {
      members.put(id(a), a);
      if (!a.equals(local_addr)) {
        others.add(a);
      }
    }
    suspected.retainAll(others);
    answeredWhileSilent.keySet().retainAll(others);
    verifying.keySet().retainAll(others);
    long now = System.nanoTime();
    watch.watch(others, now);
    refreshTargets(now);
  }

  /** Where heartbeats go: the view's other members, and the listed peers that are not among them. */
  private void refreshTargets(long now) {
    Set<InetSocketAddress> mine = new LinkedHashSet<>();
    if (view != null) {
      for (Address a : view.getMembersRaw()) {
        if (!a.equals(local_addr) && down_prot.down(new Event(Event.GET_PHYSICAL_ADDRESS, a)) instanceof IpAddress ip
            && ip.getIpAddress() != null) {
          mine.add(new InetSocketAddress(ip.getIpAddress(), ip.getPort()));
        }
      }
    }
    Set<InetSocketAddress> outside = new LinkedHashSet<>();
    try {
      List<InetSocketAddress> listed = listedPeers.get();
      if (listed != null) {
        for (InetSocketAddress p : listed) {
          if (p != null && p.getAddress() != null && !mine.contains(p) && !(p.getAddress().equals(bindAddress) && p.getPort() == port)) {
            outside.add(p);
          }
        }
      }
    } catch (RuntimeException e) {
      // the supplier failing says nothing about peers; the next refresh asks again
    }
    if (!memberTargets.equals(List.copyOf(mine)) || !outsiderTargets.equals(List.copyOf(outside))) {
      log.debug("heartbeats go to members at {} and, {} times less often, to listed peers outside the view at {}", mine, OUTSIDER_EVERY,
          outside);
    }
    memberTargets = List.copyOf(mine);
    outsiderTargets = List.copyOf(outside);
    lastHeard.entrySet().removeIf(e -> now - e.getValue() > TimeUnit.MINUTES.toNanos(5));
    windows.keySet().retainAll(lastHeard.keySet());
  }

  private void send(Heartbeat.Signer signer, ByteBuffer out, boolean outsidersToo) {
    View v = view;
    if (!sending || v == null || local_addr == null) {
      return;
    }
    ViewId vid = v.getViewId();
    signer.encode(new Heartbeat(id(local_addr), id(vid.getCreator()), vid.getId(), sequence++), out);
    sendTo(memberTargets, out);
    if (outsidersToo) {
      sendTo(outsiderTargets, out);
    }
  }

  private void sendTo(Collection<InetSocketAddress> targets, ByteBuffer out) {
    for (InetSocketAddress t : targets) {
      try {
        channel.send(out.rewind(), t);
        sent.incrementAndGet();
      } catch (IOException e) {
        // A cut link (no route, network down): the others notice us missing, which is the point.
      }
    }
  }

  private void drain(Heartbeat.Signer signer, ByteBuffer in, long now) throws IOException {
    SocketAddress from;
    while ((from = channel.receive(in.clear())) != null) {
      in.flip();
      switch (signer.decode(in)) {
        case Heartbeat.Decoded.Valid(Heartbeat h) -> heard(h, (InetSocketAddress) from, now);
        case Heartbeat.Decoded.Rejected r -> rejected.incrementAndGet();
      }
    }
  }

  private void heard(Heartbeat h, InetSocketAddress from, long now) {
    ReplayWindow w = windows.computeIfAbsent(h.sender(), k -> new ReplayWindow());
    if (!w.take(h.sequence())) {
      rejected.incrementAndGet();
      return;
    }
    lastHeard.put(h.sender(), now);
    received.incrementAndGet();
    Address member = members.get(h.sender());
    if (member != null) {
      ViewId mine = view.getViewId();
      boolean sameView = h.viewId() == mine.getId() && h.viewCreator().equals(id(mine.getCreator()));
      OptionalLong silence = watch.heard(member, now, sameView);
      answeredWhileSilent.remove(member);
      boolean wasSuspected = suspected.remove(member);
      Long since = verifying.get(member);
      boolean verified = since != null && now - since >= 0 && verifying.remove(member, since);
      if (!member.equals(local_addr) && (silence.isPresent() || wasSuspected || verified)) {
        if (verified || wasSuspected) {
          log.info("{} was heard again {}while it was suspected; it stays", JGroupsMembership.nodeName(member),
              silence.isPresent() ? "after " + TimeUnit.NANOSECONDS.toMillis(silence.getAsLong()) + " ms of silence " : "",
              kv("event", "membershipUnsuspected"), kv("node", JGroupsMembership.nodeName(member)));
        }
        unsuspect(member);
      }
      return;
    }
    if (view != null && !members.containsKey(h.viewCreator()) && stack.findProtocol(PromptMerge.class) instanceof PromptMerge merge) {
      merge.outsiderHeard(address(h.sender()), new ViewId(address(h.viewCreator()), h.viewId()),
          new IpAddress(from.getAddress(), from.getPort()));
    }
  }

  private void judge(long now) {
    List<Address> due = watch.overdue(now);
    if (due.isEmpty() || view == null) {
      return;
    }
    List<Address> silent = new ArrayList<>();
    for (Address a : view.getMembersRaw()) {
      if (!a.equals(local_addr) && watch.silent(a, now)) {
        silent.add(a);
      }
    }
    suspected.addAll(silent);
    List<Address> eligible = new ArrayList<>(List.of(view.getMembersRaw()));
    eligible.removeAll(suspected);
    if (eligible.isEmpty() || !eligible.getFirst().equals(local_addr)) {
      return; // the member that would coordinate the rest acts; it hears the same silence
    }
    suspicions.addAndGet(due.size());
    log.info("no heartbeat from {} for {} ms; verifying before they are removed", silent.stream().map(JGroupsMembership::nodeName).toList(),
        timeout.toMillis(), kv("event", "membershipSuspected"));
    for (Address a : silent) {
      verifying.putIfAbsent(a, now);
    }
    onEventThread(() -> up_prot.up(new Event(Event.SUSPECT, silent)));
  }

  /**
   * The verification let {@code member} stay (it answered, or its heartbeats came back). If its
   * heartbeats are still missing, it answers over TCP while UDP does not pass: say so, once a minute.
   */
  private void verifiedAlive(Address member, long now) {
    suspected.remove(member);
    verifying.remove(member);
    int times = watch.silent(member, now) ? answeredWhileSilent.merge(member, 1, Integer::sum) : 0;
    if (times >= 3 && now - lastWarning > WARN_EVERY_NANOS) {
      lastWarning = now;
      log.warn("member {} answers over TCP but its heartbeats over UDP do not arrive; check that UDP port {} is open between"
          + " the nodes (until then a cut link is noticed later, and a healed partition merges only through MERGE3)", member, port);
    }
    watch.heard(member, now, false);
  }

  private void unsuspect(Address member) {
    onEventThread(() -> {
      up_prot.up(new Event(Event.UNSUSPECT, member));
      down_prot.down(new Event(Event.UNSUSPECT, member));
    });
  }

  private void onEventThread(Runnable r) {
    try {
      events.execute(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          log.warn("passing a suspicion on: {}", e.toString());
        }
      });
    } catch (RejectedExecutionException e) {
      // stopping
    }
  }

  // ---------------------------------------------------------------- member ids

  /** JGroups 5 addresses are UUIDs (the speaker's carry its node name too: ExtendedUUID). */
  static Heartbeat.MemberId id(Address a) {
    UUID u = (UUID) a;
    return new Heartbeat.MemberId(u.getMostSignificantBits(), u.getLeastSignificantBits());
  }

  /** An address equal to the member's own (UUIDs compare by their bits) for a member we have no address object of. */
  private static Address address(Heartbeat.MemberId id) {
    return new UUID(id.high(), id.low());
  }
}
