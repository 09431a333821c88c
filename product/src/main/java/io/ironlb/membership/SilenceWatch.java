package io.ironlb.membership;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * When each member was last heard, and which have been silent for too long: the rule of
 * {@link UdpHeartbeat}, with time as an argument (monotonic nanoseconds) so it is tested as a table.
 *
 * <p>A member silent for {@code timeout} is overdue; it is reported once, then again every
 * {@code timeout} while it stays silent (a suspicion the verification rejected comes back if the
 * silence goes on, without a report on every check). Hearing it again ends that.
 *
 * @param <M> how a member is named
 */
final class SilenceWatch<M> {

  private final long timeout;
  private final Map<M, Entry> entries = new HashMap<>();

  private static final class Entry {
    long heard;
    /** When it was last reported overdue, or {@link Long#MIN_VALUE} while it is not. */
    long reported = Long.MIN_VALUE;

    Entry(long heard) {
      this.heard = heard;
    }
  }

  SilenceWatch(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.timeout = timeout.toNanos();
  }

  /**
   * The members to watch from now on: those that stay keep their times; a new one counts as heard
   * at {@code firstHeard} of it, which may lie ahead (a newcomer gets time to start sending).
   */
  void watch(Collection<M> members, ToLongFunction<M> firstHeard) {
    entries.keySet().retainAll(members);
    for (M m : members) {
      entries.computeIfAbsent(m, k -> new Entry(firstHeard.applyAsLong(k)));
    }
  }

  /**
   * {@code member} was heard at {@code now}; returns true when it had been reported overdue (so its
   * suspicion can be withdrawn).
   */
  boolean heard(M member, long now) {
    Entry e = entries.get(member);
    if (e == null) {
      return false;
    }
    if (now - e.heard > 0) {
      e.heard = now;
    }
    boolean wasReported = e.reported != Long.MIN_VALUE;
    e.reported = Long.MIN_VALUE;
    return wasReported;
  }

  /** Members silent for the timeout that are due for a report at {@code now}; marks them reported. */
  List<M> overdue(long now) {
    List<M> out = new ArrayList<>();
    for (var x : entries.entrySet()) {
      Entry e = x.getValue();
      if (now - e.heard >= timeout && (e.reported == Long.MIN_VALUE || now - e.reported >= timeout)) {
        e.reported = now;
        out.add(x.getKey());
      }
    }
    return out;
  }

  /** Whether {@code member} is watched and silent for the timeout at {@code now}. */
  boolean silent(M member, long now) {
    Entry e = entries.get(member);
    return e != null && now - e.heard >= timeout;
  }

  /** The earliest moment after {@code now} at which {@link #overdue} may report someone; {@code now + timeout} when nobody is watched. */
  long nextDue(long now) {
    long next = now + timeout;
    for (Entry e : entries.values()) {
      long due = e.reported == Long.MIN_VALUE ? e.heard + timeout : Math.max(e.heard, e.reported) + timeout;
      if (due - next < 0) {
        next = due;
      }
    }
    return next;
  }
}
