package io.ironlb.membership;

/**
 * Which sequence numbers of one sender were already taken, as IPsec's anti-replay window keeps
 * them: the highest seen, and a bitmap of the {@value #WIDTH} below it. A heartbeat is taken once;
 * one older than the window is refused; one reordered within the window (jitter on the LAN) is
 * still taken, since it still shows that the sender was alive moments ago. A replayed heartbeat
 * therefore proves nothing an attacker did not see the sender say within the last
 * {@value #WIDTH} heartbeats.
 */
final class ReplayWindow {

  static final int WIDTH = 64;

  private long highest = -1;
  /** Bit i set: sequence {@code highest - i} was taken. */
  private long seen;

  /** Whether {@code sequence} is new (and records it if so). */
  boolean take(long sequence) {
    if (sequence < 0) {
      return false;
    }
    if (sequence > highest) {
      long shift = sequence - highest;
      seen = shift >= WIDTH ? 1L : (seen << shift) | 1L;
      highest = sequence;
      return true;
    }
    long age = highest - sequence;
    if (age >= WIDTH) {
      return false;
    }
    long bit = 1L << age;
    if ((seen & bit) != 0) {
      return false;
    }
    seen |= bit;
    return true;
  }
}
