/**
 * Membership of the speakers: who is alive, agreed among the speakers themselves.
 *
 * <ul>
 *   <li>{@link io.ironlb.membership.Membership}: the API the speaker uses (start, liveNodes,
 *       addListener, healthy, close).
 *   <li>{@link io.ironlb.membership.MembershipConfig}, {@link io.ironlb.membership.Timings}: what
 *       a member needs; {@code Timings.defaults()} is tuned for ~0.1 s crash and ~0.2 s link-cut
 *       detection.
 *   <li>{@link io.ironlb.membership.JGroupsMembership}: the implementation over JGroups 5.5.7.
 *   <li>{@code GroupStack} (the protocol stack, its timings and the speaker's JVM settings, with
 *       reasons), {@code SecretTls} (mutual TLS keyed by the shared secret), {@code PeerListPing}
 *       (discovery from the API), {@code UdpHeartbeat} (failure detection by signed UDP heartbeats:
 *       {@code Heartbeat}, {@code ReplayWindow}, {@code SilenceWatch}), {@code PromptVerifySuspect}
 *       and {@code PromptMerge} (verification and merges on time), {@code HealthJudge} (when
 *       membership cannot be trusted).
 * </ul>
 *
 * <p>The shared secret comes from a Kubernetes Secret: see {@link io.ironlb.k8s.MembershipSecret}.
 */
package io.ironlb.membership;
