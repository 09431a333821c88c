package io.ironlb.membership;

import static net.logstash.logback.argument.StructuredArguments.kv;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.stack.IpAddress;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.NameCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Membership} over JGroups ({@link GroupStack}: mutual TLS, FD_SOCK2 + FD_ALL3 failure
 * detection, discovery from the peers supplier).
 *
 * <p>Threads: JGroups calls {@code viewAccepted} on its own thread; this class only records the
 * view there and hands everything else (logging, listeners, health) to one daemon thread,
 * {@code ironlb-membership}, so listeners run in view order and can never stall failure detection.
 *
 * <p>Each member's address carries its node name ({@link ExtendedUUID} key {@value #NODE_KEY}), so
 * names in a view never depend on JGroups' name cache having heard of a member.
 *
 * <p>Beyond {@link Membership}: {@link #healthReason()} and {@link #refusedPeers()} for metrics.
 */
public final class JGroupsMembership implements Membership {

  static final String NODE_KEY = "ironlb.node";
  private static final Logger log = LoggerFactory.getLogger(JGroupsMembership.class);
  /**
   * How often health is judged besides at each view: its only timed verdict (alone past
   * {@link Timings#aloneGrace()}, seconds) needs no finer grain, and each judgement wakes a thread.
   */
  private static final long HEALTH_PERIOD_MS = 1000;

  private final MembershipConfig config;
  private final List<Protocol> protocols;
  private final SecretTls tls;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> healthWatchers = new CopyOnWriteArrayList<>();
  private final Set<InetSocketAddress> seen = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService events;
  private final HealthJudge judge;
  private final Object lifecycle = new Object();

  private volatile SortedSet<String> live = Collections.emptySortedSet();
  private volatile HealthJudge.Reason health = HealthJudge.Reason.NOT_STARTED;
  private JChannel channel;
  private boolean started;
  private volatile boolean closed;

  public JGroupsMembership(MembershipConfig config) throws Exception {
    this(config, GroupStack.build(config));
  }

  private JGroupsMembership(MembershipConfig config, GroupStack.Built stack) {
    this(config, stack.protocols(), stack.tls());
  }

  /** Package-private: tests build a member on a stack of their choosing (e.g. without TLS, as a control). */
  JGroupsMembership(MembershipConfig config, List<Protocol> protocols, SecretTls tls) {
    this.config = config;
    this.protocols = protocols;
    this.tls = tls;
    this.judge = new HealthJudge(config.timings().aloneGrace());
    this.events = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ironlb-membership");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void start() throws Exception {
    synchronized (lifecycle) {
      if (started) {
        throw new IllegalStateException("membership of " + config.nodeName() + " was already started; build a new one");
      }
      started = true;
      String name = config.nodeName();
      JChannel ch = new JChannel(protocols);
      ch.addAddressGenerator(() -> ExtendedUUID.randomUUID(name).put(NODE_KEY, name.getBytes(StandardCharsets.UTF_8)));
      ch.name(name);
      ch.setReceiver(new Receiver() {
        @Override
        public void viewAccepted(View view) {
          onView(view);
        }
      });
      long t0 = System.nanoTime();
      try {
        ch.connect(GroupStack.CLUSTER);
      } catch (Exception e) {
        ch.close();
        throw new IllegalStateException("membership could not start on " + config.bindAddress().getHostAddress() + ":" + config.port()
            + " (and FD_SOCK2 on port " + (config.port() + MembershipConfig.FD_SOCK_OFFSET) + "): " + rootMessage(e)
            + "; is another speaker running on this node, or is the address not on this host?", e);
      }
      channel = ch;
      View first = ch.getView();
      if (first != null) {
        onView(first);
      }
      log.info("joined membership as {} on {}:{} in {} ms; live nodes {}", name, config.bindAddress().getHostAddress(), config.port(),
          (System.nanoTime() - t0) / 1_000_000, live, kv("event", "membershipStarted"));
      evaluateHealth(); // healthy() is meaningful as soon as start() returns
      events.scheduleWithFixedDelay(this::evaluateHealth, HEALTH_PERIOD_MS, HEALTH_PERIOD_MS, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public Set<String> liveNodes() {
    return live;
  }

  @Override
  public void onHealthChange(Runnable onChange) {
    healthWatchers.add(onChange);
  }

  @Override
  public void addListener(Consumer<Set<String>> onViewChange) {
    Listener l = new Listener(onViewChange);
    listeners.add(l);
    execute(() -> l.deliver(live));
  }

  @Override
  public boolean healthy() {
    return health.healthy();
  }

  /** Why {@link #healthy()} says what it says: HEALTHY, NOT_STARTED, NO_VIEW, ALONE_WITH_UNSEEN_PEERS or CLOSED. */
  public String healthReason() {
    return health.name();
  }

  /** Connections refused because the peer could not prove the shared secret. */
  public long refusedPeers() {
    return tls == null ? 0 : tls.refusedPeers();
  }

  @Override
  public void close() {
    JChannel ch;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      ch = channel;
      channel = null;
    }
    long t0 = System.nanoTime();
    if (ch != null) {
      ch.close(); // disconnect first: a LEAVE to the coordinator, so the others install a view without us at once
    }
    live = Collections.emptySortedSet();
    health = HealthJudge.Reason.CLOSED;
    events.shutdownNow();
    log.info("left membership as {} in {} ms", config.nodeName(), (System.nanoTime() - t0) / 1_000_000, kv("event", "membershipLeft"));
  }

  /** On a JGroups thread: record the view, hand the rest over. */
  private void onView(View view) {
    if (closed) {
      return;
    }
    SortedSet<String> names = new TreeSet<>();
    for (Address a : view.getMembersRaw()) {
      names.add(nodeName(a));
      if (physicalAddress(a) instanceof IpAddress ip && ip.getIpAddress() != null) {
        seen.add(new InetSocketAddress(ip.getIpAddress(), ip.getPort()));
      }
    }
    SortedSet<String> before = live;
    SortedSet<String> now = Collections.unmodifiableSortedSet(names);
    if (now.equals(before)) {
      return;
    }
    live = now;
    execute(() -> {
      Set<String> joined = new TreeSet<>(now);
      joined.removeAll(before);
      Set<String> left = new TreeSet<>(before);
      left.removeAll(now);
      log.info("membership view {}: live nodes {}, joined {}, left {}", view.getViewId(), now, joined, left,
          kv("event", "membershipView"));
      for (Listener l : listeners) {
        l.deliver(now);
      }
      evaluateHealth();
    });
  }

  private Object physicalAddress(Address a) {
    try {
      return protocols.getFirst().down(new Event(Event.GET_PHYSICAL_ADDRESS, a));
    } catch (RuntimeException e) {
      return null;
    }
  }

  private synchronized void evaluateHealth() {
    if (closed) {
      return;
    }
    Set<InetSocketAddress> unseen = new HashSet<>();
    List<InetSocketAddress> listed;
    try {
      listed = config.peers().get();
    } catch (RuntimeException e) {
      listed = List.of(); // the supplier failing says nothing about peers; PeerListPing logs it
    }
    if (listed != null) {
      for (InetSocketAddress p : listed) {
        if (p != null && p.getAddress() != null && !p.equals(config.endpoint()) && !seen.contains(p)) {
          unseen.add(p);
        }
      }
    }
    HealthJudge.Reason before = health;
    HealthJudge.Reason now = judge.judge(System.nanoTime(), live.size(), unseen);
    health = now;
    if (now.healthy() != before.healthy()) {
      healthWatchers.forEach(this::execute);
    }
    boolean firstVerdictIsGood = before == HealthJudge.Reason.NOT_STARTED && now.healthy(); // the start line said it
    if (now != before && !firstVerdictIsGood) {
      if (now.healthy()) {
        log.info("membership is healthy again: live nodes {}", live, kv("event", "membershipHealth"), kv("healthy", true),
            kv("reason", now.name()));
      } else {
        log.warn("membership cannot be trusted ({}): alone in the view while the API lists peers {} that never joined;"
                + " falling back to Node readiness. Check that port {} (TCP, and {} for FD_SOCK2) is open between nodes"
                + " and that every speaker reads the same membership Secret",
            now, unseen, config.port(), config.port() + MembershipConfig.FD_SOCK_OFFSET,
            kv("event", "membershipHealth"), kv("healthy", false), kv("reason", now.name()));
      }
    }
  }

  private void execute(Runnable r) {
    try {
      events.execute(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          log.error("membership listener failed: {}", e.toString(), e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed: nobody is listening any more
    }
  }

  static String nodeName(Address a) {
    if (a instanceof ExtendedUUID u) {
      byte[] name = u.get(NODE_KEY);
      if (name != null) {
        return new String(name, StandardCharsets.UTF_8);
      }
    }
    String cached = NameCache.get(a);
    return cached != null ? cached : String.valueOf(a);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  /** A listener and what it was last told, so it hears each set of live nodes once and in order. */
  private static final class Listener {
    private final Consumer<Set<String>> consumer;
    private Set<String> last;

    Listener(Consumer<Set<String>> consumer) {
      this.consumer = consumer;
    }

    void deliver(Set<String> nodes) {
      if (nodes.isEmpty() || nodes.equals(last)) {
        return;
      }
      last = nodes;
      consumer.accept(nodes);
    }
  }
}
