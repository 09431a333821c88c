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
 * is reported once per episode and answered with one gratuitous defence on the interface it came
 * in on. An episode is per address and claiming MAC, and ends after {@code quiet} without that
 * claim. At most {@value #MAX_CLAIMANTS} MACs are tracked per address at once, so forged claims
 * from ever new MACs cost a bounded number of reports and defences per period, while a cluster
 * peer claiming during a foreign device's episode is still reported (split brain).
 */
public final class ConflictWatch {

  private final Announcer announcer;
  private final Supplier<InterfaceTable> interfaces;
  private final Consumer<Claim> listener;
  private final long quietNanos;
  private final LongSupplier nanoTime;
  static final int MAX_CLAIMANTS = 8;

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
    if (news) {
      if (!peers.contains(e.mac())) {
        announcer.defend(e.ip(), ingress);
      }
      listener.accept(new Claim(e.ip(), e.mac(), ingress.name(), e.what()));
    }
  }

  void peers(Set<MacAddress> macs) {
    peers = Set.copyOf(macs);
  }

  /** Forgets the episodes of {@code ip}, so a claim after it is announced again is news again. */
  void forget(InetAddress ip) {
    lastSeen.remove(ip);
  }
}
