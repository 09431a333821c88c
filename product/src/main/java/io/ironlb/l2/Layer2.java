package io.ironlb.l2;

import io.ironlb.l2.packet.MacAddress;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The Layer 2 data plane as the speaker drives it: announce and withdraw VIPs, probe an address
 * before first use. Answers ARP/NDP for what is announced, in the background, until closed.
 * Claims by other MACs are reported to the listener given when it was opened.
 */
public interface Layer2 extends AutoCloseable {

  /**
   * Announces {@code vip} on {@code interfaces} (an L2Advertisement's list), or when empty on the
   * interfaces whose subnet contains it. Idempotent; a new VIP gets a gratuitous burst at once.
   */
  void announce(InetAddress vip, List<String> interfaces);

  /** Stops answering and announcing {@code vip}. */
  void withdraw(InetAddress vip);

  /** Interface names {@code vip} is announced on now (for ServiceL2Status). */
  List<String> announcedOn(InetAddress vip);

  /**
   * Probes {@code vip} on the interfaces {@link #announce} would use; completes in about
   * probes x interval (300 ms by default).
   */
  CompletableFuture<ProbeResult> probe(InetAddress vip, List<String> interfaces, Set<MacAddress> clusterMacs);

  /**
   * Asks who has {@code vip} on the interfaces {@link #announce} would use, as a probe does, until
   * any MAC but this node's answers (the result names it) or nobody has after
   * {@link ConflictProbe.Config#verification()}'s probes: checks that another node's announcement
   * is heard.
   */
  CompletableFuture<ProbeResult> verify(InetAddress vip, List<String> interfaces);

  /** The interfaces as last discovered. */
  InterfaceTable interfaces();

  /**
   * The other cluster nodes' MACs. A claim from one of them is still reported, but not answered
   * with a defence: a peer taking an address over is a handover (the speaker decides), not a device
   * to push clients away from.
   */
  void peers(Set<MacAddress> macs);

  /**
   * Reports clients' requests for {@code vip} (which another node announces) to the
   * {@link #onRequest} listener, at most once a second, or stops when {@code on} is false.
   */
  void watchRequests(InetAddress vip, boolean on);

  /**
   * Calls {@code listener} with a watched address a client asked for and nobody here answers.
   * Called on a receive thread: it must return quickly.
   */
  void onRequest(Consumer<InetAddress> listener);

  /** One gratuitous round for {@code vip} on every interface it is announced on, now. */
  void defend(InetAddress vip);

  /**
   * Calls {@code listener} with the new table each time the interfaces change: a link goes up or
   * down, gains or loses carrier, appears, disappears, or gains or loses an address. The kernel
   * reports these as they happen, so the listener hears a lost carrier at once and nothing polls.
   * Calls come one at a time, in order, on a data-plane thread, after the data plane itself has
   * moved to the new table; the listener must return quickly (hand work to its own thread).
   * Register first, then read {@link #interfaces()}: no change after registering is missed.
   */
  void onInterfacesChanged(Consumer<InterfaceTable> listener);

  @Override
  void close();
}
