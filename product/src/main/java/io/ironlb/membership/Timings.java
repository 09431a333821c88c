package io.ironlb.membership;

import java.time.Duration;

/**
 * Failure-detection and group timings. {@link #defaults()} is what the speaker uses; the figures
 * behind each choice are in {@link GroupStack}.
 *
 * @param heartbeatInterval UdpHeartbeat: how often each member sends a heartbeat to all others
 * @param heartbeatTimeout UdpHeartbeat: silence after which a member is suspected (a cut link, a
 *     frozen host); it must outlast the longest pause of a healthy speaker (GC, CPU starvation)
 * @param verifyTimeout VERIFY_SUSPECT2: how long a suspect may take to answer "are you dead?" (or to
 *     be heard again) before it is removed; this is most of the time a {@code kill -9} costs, since
 *     FD_SOCK2 sees the closed socket at once ({@link PromptVerifySuspect} removes it when this ends)
 * @param mergeMinInterval MERGE3: lower bound of the random interval between merge probes
 * @param mergeMaxInterval MERGE3: upper bound; a healed partition merges within a few of these
 * @param joinTimeout GMS: how long a joiner waits for a coordinator before forming a view alone
 * @param viewAckTimeout GMS: how long a new view waits for acknowledgements; the default (2 s)
 *     would delay the isolated side's own view after a link cut
 * @param aloneGrace how long this node may be alone while unseen peers are listed before
 *     {@link Membership#healthy()} turns false
 */
public record Timings(
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Duration verifyTimeout,
    Duration mergeMinInterval,
    Duration mergeMaxInterval,
    Duration joinTimeout,
    Duration viewAckTimeout,
    Duration aloneGrace) {

  public Timings {
    positive(heartbeatInterval, "heartbeatInterval");
    positive(heartbeatTimeout, "heartbeatTimeout");
    positive(verifyTimeout, "verifyTimeout");
    positive(mergeMinInterval, "mergeMinInterval");
    positive(mergeMaxInterval, "mergeMaxInterval");
    positive(joinTimeout, "joinTimeout");
    positive(viewAckTimeout, "viewAckTimeout");
    positive(aloneGrace, "aloneGrace");
    if (heartbeatTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException("heartbeatTimeout " + heartbeatTimeout.toMillis() + " ms must be at least twice heartbeatInterval "
          + heartbeatInterval.toMillis() + " ms, or one late heartbeat removes a healthy member");
    }
    if (mergeMinInterval.compareTo(mergeMaxInterval) >= 0) {
      throw new IllegalArgumentException("mergeMinInterval " + mergeMinInterval.toMillis() + " ms must be below mergeMaxInterval "
          + mergeMaxInterval.toMillis() + " ms");
    }
  }

  /**
   * Heartbeat every 10 ms, suspect after 150 ms of silence, verify for 50 ms, merge probes every
   * 1.5-4.5 s (and at once when a partition heals), join timeout 1 s, view acks 300 ms, alone grace
   * 5 s. See {@link GroupStack} for why.
   */
  public static Timings defaults() {
    return new Timings(
        Duration.ofMillis(10),
        Duration.ofMillis(150),
        Duration.ofMillis(50),
        Duration.ofSeconds(1),
        Duration.ofSeconds(3),
        Duration.ofSeconds(1),
        Duration.ofMillis(300),
        Duration.ofSeconds(5));
  }

  private static void positive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("membership timing " + name + " must be positive, not " + d);
    }
  }
}
