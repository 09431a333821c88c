package io.ironlb.announce;

import io.ironlb.model.ServiceKey;
import io.ironlb.model.Vip;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which addresses this node checks, and when: those the election gives to another node with this
 * one next in line, each every {@code period}, the first check spread over the period by the
 * address (so a cluster's checks do not all fall in one instant), never more than
 * {@code perSecond} in any second. An owner that answers none of {@code silentAfter} checks in a
 * row is silent for that address; after a miss the next check follows at once. A client asking for
 * a watched address brings its check forward to now (at most once per {@code period} ÷ 10 between
 * checks): a client that finds no answer is when a silent owner hurts, so that is when to look.
 */
final class Verification {
  private final Duration period;
  private final int perSecond;
  private final int silentAfter;

  /** What this node checks: address to its Service and owner. */
  private record Checked(ServiceKey service, String owner) {}

  private final Map<Vip, Checked> checked = new HashMap<>();
  /** When each watched address is due (absent while its check runs), and the same by time. */
  private final Map<Vip, Instant> due = new HashMap<>();
  private final TreeMap<Instant, Set<Vip>> byDue = new TreeMap<>();
  private final Map<Vip, Integer> unanswered = new HashMap<>();
  /** Addresses whose owner was found silent, with that owner: excluded from their election here. */
  private final Map<Vip, String> silent = new HashMap<>();
  private final Set<Vip> running = new HashSet<>();
  private final Map<Vip, Instant> lastStarted = new HashMap<>();
  private Instant windowStart = Instant.EPOCH;
  private int inWindow;

  Verification(Duration period, int perSecond, int silentAfter) {
    this.period = period;
    this.perSecond = perSecond;
    this.silentAfter = silentAfter;
  }

  boolean enabled() {
    return !period.isZero() && perSecond > 0;
  }

  /**
   * This node checks {@code ip} of {@code service}, owned by {@code owner}; a new owner starts
   * afresh. True when {@code ip} was not watched before.
   */
  boolean watch(Vip ip, ServiceKey service, String owner, Instant now) {
    Checked c = new Checked(service, owner);
    Checked before = checked.put(ip, c);
    if (!c.equals(before)) {
      unanswered.remove(ip);
      long spread = Math.floorMod(ip.text().hashCode(), Math.max(1, period.toMillis()));
      schedule(ip, now.plusMillis(spread));
    }
    return before == null;
  }

  /** This node no longer checks {@code ip}; true when it did. */
  boolean unwatch(Vip ip) {
    unschedule(ip);
    unanswered.remove(ip);
    running.remove(ip);
    lastStarted.remove(ip);
    return checked.remove(ip) != null;
  }

  /**
   * A client asked for {@code ip}: its check moves to now, or to a tenth of the period after the
   * last one started (a client that keeps asking does not turn checks into a flood; the rate cap
   * holds too). True when the check was brought forward.
   */
  boolean asked(Vip ip, Instant now) {
    Instant at = due.get(ip);
    if (at == null) {
      return false; // not watched, or its check runs
    }
    Instant last = lastStarted.get(ip);
    Instant soonest = last == null || !now.isBefore(last.plus(period.dividedBy(10))) ? now : last.plus(period.dividedBy(10));
    if (!soonest.isBefore(at)) {
      return false;
    }
    schedule(ip, soonest);
    return true;
  }

  private void schedule(Vip ip, Instant at) {
    unschedule(ip);
    due.put(ip, at);
    byDue.computeIfAbsent(at, t -> new HashSet<>()).add(ip);
  }

  private void unschedule(Vip ip) {
    Instant at = due.remove(ip);
    if (at != null) {
      Set<Vip> set = byDue.get(at);
      set.remove(ip);
      if (set.isEmpty()) {
        byDue.remove(at);
      }
    }
  }

  String owner(Vip ip) {
    Checked c = checked.get(ip);
    return c == null ? null : c.owner();
  }

  /** The next address to check now, within the rate; marks it running. Null when none is due or the second's budget is spent. */
  Vip next(Instant now) {
    if (!now.isBefore(windowStart.plusSeconds(1))) {
      windowStart = now;
      inWindow = 0;
    }
    if (inWindow >= perSecond || byDue.isEmpty() || byDue.firstKey().isAfter(now)) {
      return null;
    }
    Vip ip = byDue.firstEntry().getValue().iterator().next();
    unschedule(ip);
    inWindow++;
    running.add(ip);
    lastStarted.put(ip, now);
    return ip;
  }

  /** When the next check is due (or the next second's budget opens), or null when nothing is watched. */
  Instant nextDue() {
    Instant earliest = byDue.isEmpty() ? null : byDue.firstKey();
    if (earliest != null && inWindow >= perSecond && earliest.isBefore(windowStart.plusSeconds(1))) {
      return windowStart.plusSeconds(1);
    }
    return earliest;
  }

  /** The owner answered: the count starts again. */
  void answered(Vip ip, Instant now) {
    finished(ip, now);
    unanswered.remove(ip);
  }

  /**
   * Nobody answered; true when that makes {@code silentAfter} in a row. A miss short of that is
   * checked again at once rather than a period later, so a silent owner is found within one
   * period plus the checks, while one late answer still never counts as silence.
   */
  boolean unanswered(Vip ip, Instant now) {
    int misses = unanswered.merge(ip, 1, Integer::sum);
    running.remove(ip);
    if (checked.containsKey(ip)) {
      schedule(ip, misses < silentAfter ? now : now.plus(period));
    }
    return misses >= silentAfter;
  }

  private void finished(Vip ip, Instant now) {
    running.remove(ip);
    if (checked.containsKey(ip)) {
      schedule(ip, now.plus(period));
    }
  }

  void markSilent(Vip ip, String owner) {
    silent.put(ip, owner);
    unanswered.remove(ip);
  }

  /** The owner this node found silent for {@code ip}, or null. */
  String silentOwner(Vip ip) {
    return silent.get(ip);
  }

  /** The owner answers again: it may hold the address. */
  boolean heardFrom(Vip ip, String node) {
    return node.equals(silent.get(ip)) && silent.remove(ip) != null;
  }

  /** Nothing more about {@code ip}; true when it was watched. */
  boolean forget(Vip ip) {
    silent.remove(ip);
    return unwatch(ip);
  }
}
