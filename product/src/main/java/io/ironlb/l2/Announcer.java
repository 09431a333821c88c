package io.ironlb.l2;

import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.IpText;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Keeps the table of announced VIPs and where they are announced, and tells the segment about them:
 * a burst of gratuitous ARP / unsolicited NA on takeover (and whenever an interface starts to
 * announce, e.g. after link-up), then a periodic refresh. All of it goes through one
 * {@link GratuitousPacer}, so a mass takeover stays within a bound on frames per second and
 * announces every address once before it repeats any. Nothing is sent for a VIP after
 * {@link #withdraw}. It is also the responder's {@link AnswerPolicy}.
 */
public final class Announcer implements AnswerPolicy {

  /**
   * @param burst when to send after takeover, from the takeover (default 0, 50 ms, 200 ms, 0.5, 1,
   *     2 s: three rounds in the first 200 ms, so a client whose first announcement was lost, on a
   *     lossy LAN, moves within 200 ms rather than half a second); the first of them is a first
   *     round, the others repeats
   * @param refresh period of the refresh after the burst, so no switch or host ages the entry
   *     out; zero sends no refresh
   * @param framesPerSecond at most this many gratuitous frames per second, over all addresses and
   *     interfaces (the bucket holds a tenth of a second's worth)
   */
  public record Config(List<Duration> burst, Duration refresh, int framesPerSecond) {

    public static final List<Duration> DEFAULT_BURST = List.of(Duration.ZERO, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(2));
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(30);
    public static final int DEFAULT_FRAMES_PER_SECOND = 1_000;

    public Config {
      burst = List.copyOf(burst);
      if (burst.isEmpty()) {
        throw new IllegalArgumentException("a burst needs at least one round");
      }
      for (int i = 0; i < burst.size(); i++) {
        if (burst.get(i).isNegative() || i > 0 && burst.get(i).compareTo(burst.get(i - 1)) <= 0) {
          throw new IllegalArgumentException("burst times must be zero or more and increase: " + burst);
        }
      }
      if (refresh.isNegative()) {
        throw new IllegalArgumentException("refresh period must not be negative: " + refresh);
      }
      if (framesPerSecond < 1) {
        throw new IllegalArgumentException("frames per second must be at least 1: " + framesPerSecond);
      }
    }

    public Config(List<Duration> burst, Duration refresh) {
      this(burst, refresh, DEFAULT_FRAMES_PER_SECOND);
    }

    public static Config defaults() {
      return new Config(DEFAULT_BURST, DEFAULT_REFRESH, DEFAULT_FRAMES_PER_SECOND);
    }
  }

  /** The shortest wait before a drain: bunches frames at high rates, and a frozen test clock cannot spin the scheduler. */
  private static final long MIN_DRAIN_DELAY_NANOS = 1_000_000;

  private final class Announcement {
    final InetAddress vip;
    List<String> explicit;
    /** Interface name to the index it was live on (multicast joined, burst sent). */
    Map<String, Integer> live = new LinkedHashMap<>();
    final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    Announcement(InetAddress vip, List<String> explicit) {
      this.vip = vip;
      this.explicit = List.copyOf(explicit);
    }
  }

  private final Link link;
  private final Supplier<InterfaceTable> interfaces;
  private final Layer2Stats stats;
  private final Config config;
  private final ExcludedInterfaces excludedInterfaces;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanoTime;
  private final Consumer<String> log;
  private final Map<InetAddress, Announcement> table = new HashMap<>();
  /** What the responder reads, per VIP: the interfaces it is live on (empty while none qualifies). */
  private final Map<InetAddress, Set<String>> answering = new ConcurrentHashMap<>();
  /** Also the lock for {@link #drainScheduled}. */
  private final GratuitousPacer pacer;
  private boolean drainScheduled;

  public Announcer(Link link, Supplier<InterfaceTable> interfaces, Layer2Stats stats, Config config, ExcludedInterfaces excludedInterfaces,
      ScheduledExecutorService scheduler, LongSupplier nanoTime, Consumer<String> log) {
    this.link = link;
    this.interfaces = interfaces;
    this.stats = stats;
    this.config = config;
    this.excludedInterfaces = excludedInterfaces;
    this.scheduler = scheduler;
    this.nanoTime = nanoTime;
    this.log = log;
    this.pacer = new GratuitousPacer(config.framesPerSecond(), nanoTime.getAsLong());
  }

  /**
   * Starts announcing {@code vip} (or changes where): on {@code explicitInterfaces}, or when that is
   * empty on the interfaces whose subnet contains it. Calling it again with the same arguments
   * changes nothing and sends nothing.
   */
  public void announce(InetAddress vip, List<String> explicitInterfaces) {
    synchronized (this) {
      Announcement a = table.get(vip);
      if (a != null && a.explicit.equals(explicitInterfaces)) {
        return;
      }
      if (a == null) {
        a = new Announcement(vip, explicitInterfaces);
        table.put(vip, a);
        if (!config.refresh().isZero()) {
          Announcement fixed = a;
          long period = config.refresh().toNanos();
          a.tasks.add(scheduler.scheduleAtFixedRate(() -> refresh(fixed), period, period, TimeUnit.NANOSECONDS));
        }
      } else {
        a.explicit = List.copyOf(explicitInterfaces);
      }
      reselect(a, interfaces.get());
    }
    pump();
  }

  /** Stops announcing {@code vip}: no answers and no packets for it from now on. */
  public synchronized void withdraw(InetAddress vip) {
    Announcement a = table.remove(vip);
    if (a == null) {
      return;
    }
    a.tasks.forEach(t -> t.cancel(false));
    a.live.forEach((name, index) -> leave(a.vip, index));
    a.live = Map.of();
    answering.remove(vip);
  }

  /** Re-runs interface selection after a change: new or re-enabled interfaces get a burst. */
  public void interfacesChanged(InterfaceTable now) {
    synchronized (this) {
      for (Announcement a : table.values()) {
        reselect(a, now);
      }
    }
    pump();
  }

  /** One gratuitous round for {@code vip} on {@code ingress}, if it is announced there (a defence). */
  public void defend(InetAddress vip, NetInterface ingress) {
    if (shouldAnswer(vip, ingress)) {
      offer(new GratuitousPacer.Round(vip, ingress.name(), GratuitousPacer.Kind.FIRST));
      pump();
    }
  }

  /** One gratuitous round for {@code vip} on every interface it is announced on. */
  public void defend(InetAddress vip) {
    Set<String> on = answering.get(vip);
    if (on == null) {
      return;
    }
    for (NetInterface i : interfaces.get().all()) {
      if (on.contains(i.name())) {
        send(vip, i);
      }
    }
  }

  @Override
  public boolean shouldAnswer(InetAddress ip, NetInterface ingress) {
    return liveOn(ip, ingress.name());
  }

  private boolean liveOn(InetAddress ip, String interfaceName) {
    Set<String> on = answering.get(ip);
    return on != null && on.contains(interfaceName);
  }

  public boolean isAnnounced(InetAddress ip) {
    return answering.containsKey(ip);
  }

  /** Where {@code vip} is announced now (empty when not, or when no interface qualifies). */
  public List<String> announcedOn(InetAddress vip) {
    Set<String> on = answering.get(vip);
    return on == null ? List.of() : List.copyOf(on);
  }

  public Map<InetAddress, Set<String>> table() {
    return Map.copyOf(answering);
  }

  private void reselect(Announcement a, InterfaceTable now) {
    InterfaceSelection.Selection sel = InterfaceSelection.select(a.vip, now, a.explicit, excludedInterfaces);
    Map<String, Integer> next = new LinkedHashMap<>();
    sel.interfaces().forEach(i -> next.put(i.name(), i.index()));
    List<String> fresh = new ArrayList<>();
    next.forEach((name, index) -> {
      if (!index.equals(a.live.get(name))) {
        fresh.add(name);
        join(a.vip, index);
      }
    });
    List<String> gone = new ArrayList<>();
    a.live.forEach((name, index) -> {
      if (!index.equals(next.get(name))) {
        leave(a.vip, index);
        gone.add(name);
      }
    });
    if (!gone.isEmpty()) {
      log.accept("no longer announcing " + IpText.format(a.vip) + " on " + gone + " (down, gone or deselected)");
    }
    a.live = next;
    answering.put(a.vip, Set.copyOf(next.keySet()));
    if (!fresh.isEmpty()) {
      log.accept("announcing " + IpText.format(a.vip) + " on " + fresh + " (" + sel.basis() + ")");
      for (int i = 0; i < config.burst().size(); i++) {
        GratuitousPacer.Kind kind = i == 0 ? GratuitousPacer.Kind.FIRST : GratuitousPacer.Kind.REPEAT;
        long at = config.burst().get(i).toNanos();
        if (at == 0) {
          fresh.forEach(name -> offer(new GratuitousPacer.Round(a.vip, name, kind)));
        } else {
          a.tasks.add(scheduler.schedule(() -> {
            fresh.forEach(name -> offer(new GratuitousPacer.Round(a.vip, name, kind)));
            pump();
          }, at, TimeUnit.NANOSECONDS));
        }
      }
      a.tasks.removeIf(ScheduledFuture::isDone);
    }
  }

  private void refresh(Announcement a) {
    Set<String> on;
    synchronized (this) {
      if (table.get(a.vip) != a) {
        return;
      }
      on = Set.copyOf(a.live.keySet());
    }
    on.forEach(name -> offer(new GratuitousPacer.Round(a.vip, name, GratuitousPacer.Kind.REPEAT)));
    pump();
  }

  private void offer(GratuitousPacer.Round round) {
    synchronized (pacer) {
      pacer.offer(round);
    }
  }

  /**
   * Sends what the pacer lets go now, in the calling thread (so a quiet segment hears a takeover
   * at once), and leaves the rest to a drain on the scheduler when its tokens are due.
   */
  private void pump() {
    while (true) {
      Optional<GratuitousPacer.Round> next;
      synchronized (pacer) {
        next = pacer.poll(nanoTime.getAsLong(), r -> liveOn(r.vip(), r.interfaceName()));
      }
      if (next.isEmpty()) {
        break;
      }
      GratuitousPacer.Round r = next.get();
      interfaces.get().name(r.interfaceName()).ifPresent(i -> send(r.vip(), i));
    }
    synchronized (pacer) {
      if (drainScheduled) {
        return;
      }
      OptionalLong wait = pacer.nanosUntilReady(nanoTime.getAsLong());
      if (wait.isEmpty()) {
        return;
      }
      try {
        scheduler.schedule(this::drain, Math.max(wait.getAsLong(), MIN_DRAIN_DELAY_NANOS), TimeUnit.NANOSECONDS);
        drainScheduled = true;
      } catch (RejectedExecutionException e) {
        // Closing: nothing more goes out.
      }
    }
  }

  private void drain() {
    synchronized (pacer) {
      drainScheduled = false;
    }
    pump();
  }

  private void send(InetAddress vip, NetInterface on) {
    for (byte[] frame : Gratuitous.announcements(vip, on.mac())) {
      try {
        link.send(on.index(), ByteBuffer.wrap(frame));
        stats.gratuitousSent(vip);
      } catch (IOException e) {
        log.accept("gratuitous announcement of " + IpText.format(vip) + " on " + on.name() + " failed: " + e.getMessage());
      }
    }
  }

  private void join(InetAddress vip, int index) {
    MacAddress group = Gratuitous.solicitedNodeGroup(vip);
    if (group != null) {
      try {
        link.joinMulticast(index, group);
      } catch (IOException e) {
        log.accept("cannot join " + group + " for " + IpText.format(vip) + ": " + e.getMessage());
      }
    }
  }

  private void leave(InetAddress vip, int index) {
    MacAddress group = Gratuitous.solicitedNodeGroup(vip);
    if (group != null) {
      try {
        link.leaveMulticast(index, group);
      } catch (IOException e) {
        // The interface is gone, and its memberships with it.
      }
    }
  }
}
