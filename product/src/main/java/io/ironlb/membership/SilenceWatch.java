package io.ironlb.membership;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * When each member was last heard, and which have been silent for too long: the rule of
 * {@link UdpHeartbeat}, with time as an argument (monotonic nanoseconds) so it is tested as a table.
 *
 * <p>A member silent for {@code timeout} is overdue; it is reported once, then again every
 * {@code timeout} while it stays silent (a suspicion the verification rejected comes back if the
 * silence goes on, without a report on every check). Hearing it again ends that.
 *
 * <p>A member new to the watch is in its grace period until it is heard in the same view (it sent
 * its first heartbeat after installing the view we watch it in): a member that joined or merged
 * installs the view when it gets it, maybe a while after us, and only then sends at full rate. It is
 * judged from then on, or when the grace period ends, whichever comes first.
 *
 * @param <M> how a member is named
 */
final class SilenceWatch<M> {

  private final long timeout;
  private final long grace;
  private final Map<M, Entry> entries = new HashMap<>();

  private static final class Entry {
    long heard;
    long graceUntil;
    boolean settled;
    /** When it was last reported overdue, or {@link Long#MIN_VALUE} while it is not. */
    long reported = Long.MIN_VALUE;

    Entry(long now, long graceUntil) {
      this.heard = now;
      this.graceUntil = graceUntil;
    }
  }

  /**
   * @param timeout the silence after which a member is overdue
   * @param grace how long a new member may take to be heard in the same view before it is judged
   */
  SilenceWatch(Duration timeout, Duration grace) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative: " + grace);
    }
    this.timeout = timeout.toNanos();
    this.grace = grace.toNanos();
  }

  /** The members to watch from now on: those that stay keep their state, new ones start their grace period at {@code now}. */
  void watch(Collection<M> members, long now) {
    entries.keySet().retainAll(members);
    for (M m : members) {
      entries.computeIfAbsent(m, k -> new Entry(now, now + grace));
    }
  }

  /**
   * {@code member} was heard at {@code now}, in the same view as ours ({@code sameView}) or not.
   * Returns how long it had been silent when it had been reported overdue (so its suspicion can be
   * withdrawn), else empty.
   */
  OptionalLong heard(M member, long now, boolean sameView) {
    Entry e = entries.get(member);
    if (e == null) {
      return OptionalLong.empty();
    }
    long silence = now - e.heard;
    if (silence > 0) {
      e.heard = now;
    }
    e.settled |= sameView;
    boolean wasReported = e.reported != Long.MIN_VALUE;
    e.reported = Long.MIN_VALUE;
    return wasReported ? OptionalLong.of(Math.max(0, silence)) : OptionalLong.empty();
  }

  /**
   * The watcher itself did not run for {@code nanos} (not scheduled, a GC pause, the whole machine
   * stalled): that time is no silence of the others. On a machine that stalls as a whole, the
   * senders stalled too, and their heartbeats resume only after ours: counted, that time made a
   * member "silent" for as long as the stall. Every member is judged as if it had passed without it.
   */
  void forgive(long nanos) {
    for (Entry e : entries.values()) {
      e.heard += nanos;
      e.graceUntil += nanos;
      if (e.reported != Long.MIN_VALUE) {
        e.reported += nanos;
      }
    }
  }

  /** Members silent for the timeout that are due for a report at {@code now}; marks them reported. */
  List<M> overdue(long now) {
    List<M> out = new ArrayList<>();
    for (var x : entries.entrySet()) {
      Entry e = x.getValue();
      if (silent(e, now) && (e.reported == Long.MIN_VALUE || now - e.reported >= timeout)) {
        e.reported = now;
        out.add(x.getKey());
      }
    }
    return out;
  }

  /** Whether {@code member} is watched and counts as silent at {@code now} (past its grace period, not heard for the timeout). */
  boolean silent(M member, long now) {
    Entry e = entries.get(member);
    return e != null && silent(e, now);
  }

  private boolean silent(Entry e, long now) {
    if (!e.settled && now - e.graceUntil < 0) {
      return false;
    }
    return now - e.heard >= timeout;
  }

  /** The earliest moment at which {@link #overdue} may report someone; {@code now + timeout} when nobody can be due sooner. */
  long nextDue(long now) {
    long next = now + timeout;
    for (Entry e : entries.values()) {
      long due = e.heard + timeout;
      if (!e.settled && due - e.graceUntil < 0) {
        due = e.graceUntil;
      }
      if (e.reported != Long.MIN_VALUE) {
        due = Math.max(due, e.reported + timeout);
      }
      if (due - next < 0) {
        next = due;
      }
    }
    return next;
  }
}
