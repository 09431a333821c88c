package io.ironlb.l2;

import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.MacAddress;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Watches ARP and neighbour discovery while announcing: another MAC claiming an announced address
 * is reported once per episode, and each of its claims is answered with a gratuitous defence on the
 * interface it came in on, at most one per address every {@link #DEFEND_GAP}: a device that keeps
 * using the address (its own ARP traffic names it as sender) would otherwise win the clients back
 * with its second claim, which one defence per episode left unanswered. An episode is per address
 * and claiming MAC, and ends after {@code quiet} without that claim. At most
 * {@value #MAX_CLAIMANTS} MACs are tracked per address at once, so forged claims from ever new
 * MACs cost a bounded number of reports and defences per period, while a cluster peer claiming
 * during a foreign device's episode is still reported (split brain).
 */
public final class ConflictWatch {

  private final Announcer announcer;
  private final Supplier<InterfaceTable> interfaces;
  private final Consumer<Claim> listener;
  private final long quietNanos;
  private final LongSupplier nanoTime;
  static final int MAX_CLAIMANTS = 8;
  /** Defences of one address come at least this far apart (a claim in between is answered by the last one). */
  static final Duration DEFEND_GAP = Duration.ofMillis(200);

  private final Map<InetAddress, Long> lastDefence = new ConcurrentHashMap<>();

  private final Map<InetAddress, Map<Long, Long>> lastSeen = new ConcurrentHashMap<>();
  /** The other cluster nodes' MACs: reported, never defended against (a handover is the speaker's to decide). */
  private volatile Set<MacAddress> peers = Set.of();

  public ConflictWatch(Announcer announcer, Supplier<InterfaceTable> interfaces, Consumer<Claim> listener, Duration quiet, LongSupplier nanoTime) {
    this.announcer = announcer;
    this.interfaces = interfaces;
    this.listener = listener;
    this.quietNanos = quiet.toNanos();
    this.nanoTime = nanoTime;
  }

  void observe(NetInterface ingress, Frame frame) {
    Claims.Evidence e = Claims.of(frame);
    if (e == null || e.simultaneousProbe() || !announcer.isAnnounced(e.ip())) {
      return;
    }
    for (NetInterface own : interfaces.get().all()) {
      if (own.mac().equals(e.mac())) {
        return;
      }
    }
    long now = nanoTime.getAsLong();
    Map<Long, Long> claimants = lastSeen.computeIfAbsent(e.ip(), k -> new java.util.HashMap<>());
    boolean news;
    synchronized (claimants) {
      claimants.values().removeIf(t -> now - t > quietNanos);
      news = !claimants.containsKey(e.mac().bits());
      if (news && claimants.size() >= MAX_CLAIMANTS) {
        return;
      }
      claimants.put(e.mac().bits(), now);
    }
    if (!peers.contains(e.mac()) && (news || defenceDue(e.ip(), now))) {
      lastDefence.put(e.ip(), now);
      announcer.defend(e.ip(), ingress);
    }
    if (news) {
      listener.accept(new Claim(e.ip(), e.mac(), ingress.name(), e.what()));
    }
  }

  private boolean defenceDue(InetAddress ip, long now) {
    Long last = lastDefence.get(ip);
    return last == null || now - last >= DEFEND_GAP.toNanos();
  }

  void peers(Set<MacAddress> macs) {
    peers = Set.copyOf(macs);
  }

  /** Forgets the episodes of {@code ip}, so a claim after it is announced again is news again. */
  void forget(InetAddress ip) {
    lastSeen.remove(ip);
    lastDefence.remove(ip);
  }
}
