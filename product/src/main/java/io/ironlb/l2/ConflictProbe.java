package io.ironlb.l2;

import io.ironlb.model.IpText;
import io.ironlb.l2.packet.Addresses;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.MacAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Finds out before first use whether an address is already taken (DESIGN 2.1): ARP probes with
 * sender IP 0.0.0.0 (RFC 5227) for IPv4, duplicate address detection solicitations from {@code ::}
 * (RFC 4862) for IPv6, a few of them, fast. Any answer from a MAC that is neither this node's nor
 * a cluster node's means taken, and so does another host probing for the same address at once.
 */
public final class ConflictProbe {

  /** Defaults: 3 probes 100 ms apart, then 100 ms more to hear late answers. */
  public record Config(int probes, Duration interval, Duration waitAfterLast) {
    public Config {
      if (probes < 1) {
        throw new IllegalArgumentException("at least one probe: " + probes);
      }
    }

    public static Config defaults() {
      return new Config(3, Duration.ofMillis(100), Duration.ofMillis(100));
    }

    /**
     * A verification's: up to 8 probes 50 ms apart, then 100 ms more (450 ms when nobody answers).
     * It ends at the owner's first answer, so a healthy owner costs one probe; only a silent one
     * gets them all, and a lossy LAN (30% of frames lost each way) leaves a check unanswered once in
     * about 200, two in a row once in about 50,000, where 3 probes gave one in 8 and one in 60.
     */
    public static Config verification() {
      return new Config(8, Duration.ofMillis(50), Duration.ofMillis(100));
    }
  }

  private final class Active {
    final InetAddress ip;
    final Set<MacAddress> friendly;
    final CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    Active(InetAddress ip, Set<MacAddress> friendly) {
      this.ip = ip;
      this.friendly = friendly;
    }
  }

  private final Link link;
  private final Supplier<InterfaceTable> interfaces;
  private final ScheduledExecutorService scheduler;
  private final List<Active> active = new CopyOnWriteArrayList<>();

  public ConflictProbe(Link link, Supplier<InterfaceTable> interfaces, ScheduledExecutorService scheduler) {
    this.link = link;
    this.interfaces = interfaces;
    this.scheduler = scheduler;
  }

  /**
   * Probes {@code ip} on {@code on}.
   *
   * @param clusterMacs MACs of the cluster's nodes: their answers are not conflicts (one of them
   *     may be announcing the address right now)
   */
  public CompletableFuture<ProbeResult> probe(InetAddress ip, List<NetInterface> on, Set<MacAddress> clusterMacs, Config config) {
    if (on.isEmpty()) {
      return CompletableFuture.completedFuture(new ProbeResult.NotProbed("no interface qualifies for " + IpText.format(ip)));
    }
    Set<MacAddress> friendly = new HashSet<>(clusterMacs);
    interfaces.get().all().forEach(i -> friendly.add(i.mac()));
    on.forEach(i -> friendly.add(i.mac()));
    Active a = new Active(ip, Set.copyOf(friendly));
    active.add(a);
    a.result.whenComplete((r, t) -> {
      active.remove(a);
      a.tasks.forEach(f -> f.cancel(false));
    });
    long interval = config.interval().toNanos();
    for (int n = 0; n < config.probes(); n++) {
      a.tasks.add(scheduler.schedule(() -> sendProbes(a, on), n * interval, TimeUnit.NANOSECONDS));
    }
    long end = (config.probes() - 1) * interval + config.waitAfterLast().toNanos();
    List<String> names = on.stream().map(NetInterface::name).toList();
    a.tasks.add(scheduler.schedule(() -> a.result.complete(new ProbeResult.Free(names)), end, TimeUnit.NANOSECONDS));
    return a.result;
  }

  private void sendProbes(Active a, List<NetInterface> on) {
    int sent = 0;
    IOException last = null;
    for (NetInterface i : on) {
      try {
        link.send(i.index(), ByteBuffer.wrap(Gratuitous.probe(a.ip, i.mac())));
        sent++;
      } catch (IOException e) {
        last = e;
      }
    }
    if (sent == 0 && last != null) {
      a.result.complete(new ProbeResult.NotProbed("cannot send a probe for " + IpText.format(a.ip) + ": " + last.getMessage()));
    }
  }

  /** Looks at every received frame for an answer to a running probe. */
  void observe(NetInterface ingress, Frame frame) {
    if (active.isEmpty()) {
      return;
    }
    Claims.Evidence e = Claims.of(frame);
    if (e == null) {
      return;
    }
    for (Active a : active) {
      if (a.ip.equals(e.ip()) && !a.friendly.contains(e.mac())) {
        a.result.complete(new ProbeResult.Taken(e.mac(), ingress.name(), e.what()));
      }
    }
  }
}
