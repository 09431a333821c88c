package io.ironlb.l2;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides which gratuitous round goes out next under a bound on frames per second: a token bucket
 * in front of two queues. Every first round (a takeover, an interface that starts to announce, a
 * defence) goes before any repeat (the rest of a burst, the periodic refresh), so when many
 * addresses move at once each is announced once before any is announced twice. A round already
 * waiting is not queued again, so a refresh that cannot keep up stretches instead of piling up.
 *
 * <p>The bucket holds a tenth of a second's frames (at least one IPv4 round), so a takeover of a
 * few addresses is not delayed at all. Not thread-safe; time is an argument.
 */
final class GratuitousPacer {

  enum Kind {
    FIRST,
    REPEAT
  }

  /** One announcement of {@code vip} on one interface: {@link Gratuitous#frameCount} frames. */
  record Round(InetAddress vip, String interfaceName, Kind kind) {
    int frames() {
      return Gratuitous.frameCount(vip);
    }
  }

  private final double perNano;
  private final double capacity;
  private double tokens;
  private long stamp;
  private final ArrayDeque<Round> firsts = new ArrayDeque<>();
  private final ArrayDeque<Round> repeats = new ArrayDeque<>();
  private final Set<Round> waiting = new HashSet<>();

  GratuitousPacer(int framesPerSecond, long now) {
    if (framesPerSecond < 1) {
      throw new IllegalArgumentException("frames per second must be at least 1, got " + framesPerSecond);
    }
    this.perNano = framesPerSecond / 1e9;
    this.capacity = Math.max(Gratuitous.MAX_FRAMES_PER_ROUND, framesPerSecond / 10.0);
    this.tokens = capacity;
    this.stamp = now;
  }

  /** Queues {@code round} unless the same round is waiting already. */
  void offer(Round round) {
    if (waiting.add(round)) {
      (round.kind() == Kind.FIRST ? firsts : repeats).addLast(round);
    }
  }

  /**
   * The next round, if the bucket has its frames now; they are taken from it. Rounds that are no
   * longer {@code wanted} (the address was withdrawn meanwhile) are dropped on the way, free.
   */
  Optional<Round> poll(long now, Predicate<Round> wanted) {
    refill(now);
    while (true) {
      ArrayDeque<Round> queue = firsts.isEmpty() ? repeats : firsts;
      Round head = queue.peekFirst();
      if (head == null) {
        return Optional.empty();
      }
      if (!wanted.test(head)) {
        waiting.remove(queue.removeFirst());
        continue;
      }
      if (tokens < head.frames()) {
        return Optional.empty();
      }
      tokens -= head.frames();
      waiting.remove(queue.removeFirst());
      return Optional.of(head);
    }
  }

  /** How long until the next waiting round can go; empty when none waits. */
  OptionalLong nanosUntilReady(long now) {
    refill(now);
    Round head = firsts.isEmpty() ? repeats.peekFirst() : firsts.peekFirst();
    if (head == null) {
      return OptionalLong.empty();
    }
    double missing = head.frames() - tokens;
    return OptionalLong.of(missing <= 0 ? 0 : (long) Math.ceil(missing / perNano));
  }

  int waiting() {
    return waiting.size();
  }

  private void refill(long now) {
    if (now > stamp) {
      tokens = Math.min(capacity, tokens + (now - stamp) * perNano);
      stamp = now;
    }
  }
}
