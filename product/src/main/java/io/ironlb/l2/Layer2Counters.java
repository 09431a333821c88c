package io.ironlb.l2;

import java.net.InetAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Plain in-memory {@link Layer2Stats}, readable by tests and by a metrics exporter. */
public final class Layer2Counters implements Layer2Stats {

  /** The three per-IP counters of {@code metallb_layer2_*}. */
  public record PerIp(long requestsReceived, long responsesSent, long gratuitousSent) {}

  private static final class Adders {
    final LongAdder requests = new LongAdder();
    final LongAdder responses = new LongAdder();
    final LongAdder gratuitous = new LongAdder();
  }

  private final Map<InetAddress, Adders> perIp = new ConcurrentHashMap<>();
  private final Map<DropReason, LongAdder> drops = new EnumMap<>(DropReason.class);

  public Layer2Counters() {
    for (DropReason r : DropReason.values()) {
      drops.put(r, new LongAdder());
    }
  }

  private Adders of(InetAddress ip) {
    return perIp.computeIfAbsent(ip, k -> new Adders());
  }

  @Override
  public void requestReceived(InetAddress ip) {
    of(ip).requests.increment();
  }

  @Override
  public void responseSent(InetAddress ip) {
    of(ip).responses.increment();
  }

  @Override
  public void gratuitousSent(InetAddress ip) {
    of(ip).gratuitous.increment();
  }

  @Override
  public void dropped(DropReason reason) {
    drops.get(reason).increment();
  }

  public PerIp forIp(InetAddress ip) {
    Adders a = perIp.get(ip);
    return a == null ? new PerIp(0, 0, 0) : new PerIp(a.requests.sum(), a.responses.sum(), a.gratuitous.sum());
  }

  public Map<InetAddress, PerIp> all() {
    Map<InetAddress, PerIp> out = new java.util.HashMap<>();
    perIp.keySet().forEach(ip -> out.put(ip, forIp(ip)));
    return Map.copyOf(out);
  }

  public long drops(DropReason reason) {
    return drops.get(reason).sum();
  }
}
