package io.ironlb.l2;

import io.ironlb.l2.packet.Addresses;
import io.ironlb.l2.packet.MacAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps the table of announced VIPs and where they are announced, and tells the segment about them:
 * a burst of gratuitous ARP / unsolicited NA on takeover (and whenever an interface starts to
 * announce, e.g. after link-up), then a periodic refresh. Nothing is sent for a VIP after
 * {@link #withdraw}. It is also the responder's {@link AnswerPolicy}.
 */
public final class Announcer implements AnswerPolicy {

  /**
   * @param burst when to send after takeover, from the takeover (default 0, 50 ms, 200 ms, 0.5, 1,
   *     2 s: three rounds in the first 200 ms, so a client whose first announcement was lost, on a
   *     lossy LAN, moves within 200 ms rather than half a second)
   * @param refresh period of the refresh after the burst, so no switch or host ages the entry out
   */
  public record Config(List<Duration> burst, Duration refresh) {
    public Config {
      burst = List.copyOf(burst);
      if (refresh.isNegative() || refresh.isZero()) {
        throw new IllegalArgumentException("refresh period must be positive: " + refresh);
      }
    }

    public static Config defaults() {
      return new Config(List.of(Duration.ZERO, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofSeconds(1),
          Duration.ofSeconds(2)), Duration.ofSeconds(30));
    }
  }

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
  private final ScheduledExecutorService scheduler;
  private final Consumer<String> log;
  private final Map<InetAddress, Announcement> table = new HashMap<>();
  private volatile Map<InetAddress, Set<String>> answering = Map.of();

  public Announcer(Link link, Supplier<InterfaceTable> interfaces, Layer2Stats stats, Config config, ScheduledExecutorService scheduler,
      Consumer<String> log) {
    this.link = link;
    this.interfaces = interfaces;
    this.stats = stats;
    this.config = config;
    this.scheduler = scheduler;
    this.log = log;
  }

  /**
   * Starts announcing {@code vip} (or changes where): on {@code explicitInterfaces}, or when that is
   * empty on the interfaces whose subnet contains it. Calling it again with the same arguments
   * changes nothing and sends nothing.
   */
  public synchronized void announce(InetAddress vip, List<String> explicitInterfaces) {
    Announcement a = table.get(vip);
    if (a != null && a.explicit.equals(explicitInterfaces)) {
      return;
    }
    if (a == null) {
      a = new Announcement(vip, explicitInterfaces);
      table.put(vip, a);
      Announcement fixed = a;
      long period = config.refresh().toNanos();
      a.tasks.add(scheduler.scheduleAtFixedRate(() -> round(fixed, null), period, period, TimeUnit.NANOSECONDS));
    } else {
      a.explicit = List.copyOf(explicitInterfaces);
    }
    reselect(a, interfaces.get());
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
    publish();
  }

  /** Re-runs interface selection after a change: new or re-enabled interfaces get a burst. */
  public synchronized void interfacesChanged(InterfaceTable now) {
    for (Announcement a : table.values()) {
      reselect(a, now);
    }
  }

  /** One gratuitous round for {@code vip} on {@code ingress}, if it is announced there (a defence). */
  public void defend(InetAddress vip, NetInterface ingress) {
    Set<String> on = answering.get(vip);
    if (on != null && on.contains(ingress.name())) {
      send(vip, ingress);
    }
  }

  @Override
  public boolean shouldAnswer(InetAddress ip, NetInterface ingress) {
    Set<String> on = answering.get(ip);
    return on != null && on.contains(ingress.name());
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
    return answering;
  }

  private void reselect(Announcement a, InterfaceTable now) {
    InterfaceSelection.Selection sel = InterfaceSelection.select(a.vip, now, a.explicit);
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
      log.accept("no longer announcing " + Addresses.text(a.vip) + " on " + gone + " (down, gone or deselected)");
    }
    a.live = next;
    publish();
    if (!fresh.isEmpty()) {
      log.accept("announcing " + Addresses.text(a.vip) + " on " + fresh + " (" + sel.basis() + ")");
      for (Duration at : config.burst()) {
        a.tasks.add(scheduler.schedule(() -> round(a, fresh), at.toNanos(), TimeUnit.NANOSECONDS));
      }
      a.tasks.removeIf(ScheduledFuture::isDone);
    }
  }

  /** One gratuitous round, unless the announcement was withdrawn meanwhile. */
  private void round(Announcement a, List<String> only) {
    Map<String, Integer> live;
    synchronized (this) {
      if (table.get(a.vip) != a) {
        return;
      }
      live = Map.copyOf(a.live);
    }
    InterfaceTable now = interfaces.get();
    live.forEach((name, index) -> {
      if (only == null || only.contains(name)) {
        now.index(index).ifPresent(i -> send(a.vip, i));
      }
    });
  }

  private void send(InetAddress vip, NetInterface on) {
    for (byte[] frame : Gratuitous.announcements(vip, on.mac())) {
      try {
        link.send(on.index(), ByteBuffer.wrap(frame));
        stats.gratuitousSent(vip);
      } catch (IOException e) {
        log.accept("gratuitous announcement of " + Addresses.text(vip) + " on " + on.name() + " failed: " + e.getMessage());
      }
    }
  }

  private void join(InetAddress vip, int index) {
    MacAddress group = Gratuitous.solicitedNodeGroup(vip);
    if (group != null) {
      try {
        link.joinMulticast(index, group);
      } catch (IOException e) {
        log.accept("cannot join " + group + " for " + Addresses.text(vip) + ": " + e.getMessage());
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

  private void publish() {
    Map<InetAddress, Set<String>> snapshot = new HashMap<>();
    table.forEach((vip, a) -> snapshot.put(vip, Set.copyOf(a.live.keySet())));
    answering = Map.copyOf(snapshot);
  }
}
