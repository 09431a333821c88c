package io.ironlb.bench;

import io.ironlb.lab.LabLayout;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.Optional;

/**
 * What {@code ironlb lab failover} fails over: IronLB's speakers ({@link IronLbTarget}) or
 * keepalived in the same node namespaces ({@link KeepalivedTarget}). The trial loop, the client
 * loop, the neighbour watch, the link cut, the settle rule and the tables are shared
 * ({@link LabFailover}), so the figures compare; a target says only how its VIP is set up, how a
 * node's process is crashed, stopped and started again, and when the home node holds the VIP.
 */
interface FailoverTarget extends AutoCloseable {

  /** The VIP the client requests, the node that holds it between trials, and a sentence saying so. */
  record Placement(String vip, LabLayout.Node home, String summary) {}

  /** The run cannot start, for a reason the user can fix (the message says how). */
  final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  /** The name in results and headers: {@code ironlb}, {@code keepalived-vrrp2}, {@code keepalived-vrrp3}. */
  String id();

  /** One line for the output's header: what runs and how it is configured. */
  String title();

  /** The fault as the table names it, without the node ("kill -9 of the speaker"). */
  String fault(LabFailover.Mode mode);

  /**
   * Sets the VIP up for the run, its endpoint the app on {@code endpoint}, and waits until some
   * node holds it. Everything it creates in the API carries {@link LabFailover#LABEL}.
   *
   * @throws Refused when the lab does not allow the run
   */
  Placement place(KubernetesClient client, LabLayout.Node endpoint) throws InterruptedException;

  /** A crash: {@code kill -9} of every process that makes {@code node} hold the VIP, at once. */
  void kill(LabLayout.Node node);

  /** A graceful stop (SIGTERM, as a rolling update or {@code systemctl stop} sends); returns when it ended. */
  void terminate(LabLayout.Node node);

  /** Starts again what {@link #kill} or {@link #terminate} ended; nothing when it runs. */
  void restart(LabLayout.Node node);

  /** Whether {@code home} holds {@code vip} and nobody else does, as far as this target can tell. */
  boolean holds(KubernetesClient client, LabLayout.Node home, String vip);

  /** Who holds {@code vip} now, for an error message. */
  String holders(KubernetesClient client, String vip);

  /**
   * When, between {@code from} and {@code to}, the nodes last agreed again on who is alive (every
   * IronLB speaker's membership view holds every node); empty when they did not, or when the
   * target has no membership to ask (keepalived).
   */
  default Optional<Instant> wholeViewBetween(Instant from, Instant to) {
    return Optional.empty();
  }

  /** Ends what {@link #place} started; safe to call twice, and from a shutdown hook. */
  @Override
  void close();
}
