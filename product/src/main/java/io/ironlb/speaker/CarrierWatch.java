package io.ironlb.speaker;

import io.ironlb.announce.Event;
import io.ironlb.l2.Layer2;
import io.ironlb.l2.NetInterface;
import io.ironlb.membership.Membership;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches what the speaker cannot be told through the API: whether this node's interfaces can send
 * (a speaker withdraws at once when the links it announces on lose carrier) and whether membership
 * can be trusted. Reports only changes, as the core's events. The data plane tells it of an
 * interface change as the kernel reports it, and membership of a change of its health; both are
 * also looked at every {@link #POLL_MILLIS}, in case a notice was missed. That poll is slow on
 * purpose: an idle speaker's CPU is mostly its wake-ups.
 */
final class CarrierWatch {
  static final long POLL_MILLIS = 1000;

  private final Layer2 layer2;
  private final Membership membership;
  private final Consumer<Event> report;
  private List<Event.LocalInterface> interfaces;
  private Boolean healthy;

  CarrierWatch(Layer2 layer2, Membership membership, Consumer<Event> report) {
    this.layer2 = layer2;
    this.membership = membership;
    this.report = report;
  }

  /**
   * Checks now, then whenever the data plane reports an interface change or membership a change of
   * health, and every {@link #POLL_MILLIS}, always on {@code worker} ({@code onWorker} hands a check to it).
   */
  void start(ScheduledExecutorService worker, Consumer<Runnable> onWorker) {
    layer2.onInterfacesChanged(table -> onWorker.accept(this::check));
    membership.onHealthChange(() -> onWorker.accept(this::check));
    // On the worker too: the core is stepped by one thread only, and the view may be stepping now.
    onWorker.accept(this::check);
    worker.scheduleWithFixedDelay(this::check, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
  }

  void check() {
    boolean nowHealthy = membership.healthy();
    if (healthy == null || healthy != nowHealthy) {
      healthy = nowHealthy;
      report.accept(new Event.MembershipHealth(nowHealthy));
    }
    List<Event.LocalInterface> now = new ArrayList<>();
    for (NetInterface i : layer2.interfaces().all()) {
      now.add(new Event.LocalInterface(i.name(), i.operational(), i.mac()));
    }
    if (!now.equals(interfaces)) {
      interfaces = List.copyOf(now);
      report.accept(new Event.InterfacesChanged(interfaces));
    }
  }
}
