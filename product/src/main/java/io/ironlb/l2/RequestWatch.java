package io.ironlb.l2;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Addresses that another node announces and this one checks: a client's request for one of them
 * is reported, at most once a second per address, so the check can run while the client waits
 * (a silent owner is found when it matters, not a verification period later). Called from the
 * receive threads for every request nobody here answers, so a request for any other address costs
 * one map lookup.
 */
final class RequestWatch {
  private static final long MIN_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Never reported yet: the first request is reported whatever the clock says. */
  private static final long NEVER = Long.MIN_VALUE;

  private final LongSupplier nanoTime;
  /** Watched address to when its last request was reported ({@link #NEVER} before the first). */
  private final Map<InetAddress, Long> lastReported = new ConcurrentHashMap<>();
  private volatile Consumer<InetAddress> listener = ip -> { };

  RequestWatch(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  void watch(InetAddress ip, boolean on) {
    if (on) {
      lastReported.putIfAbsent(ip, NEVER);
    } else {
      lastReported.remove(ip);
    }
  }

  void onRequest(Consumer<InetAddress> listener) {
    this.listener = listener;
  }

  /** A client asked for {@code ip}, which no one here answers. */
  void heard(InetAddress ip) {
    Long last = lastReported.get(ip);
    if (last == null) {
      return;
    }
    long now = nanoTime.getAsLong();
    if ((last == NEVER || now - last >= MIN_GAP_NANOS) && lastReported.replace(ip, last, now)) {
      listener.accept(ip);
    }
  }
}
