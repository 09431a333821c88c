package io.ironlb.speaker;

import io.ironlb.l2.DropReason;
import io.ironlb.l2.Layer2Stats;
import io.ironlb.model.IpText;
import io.ironlb.runtime.ClientMetrics;
import io.ironlb.runtime.MetalLbExposition;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;

/** MetalLB's speaker metrics under their names, so dashboards carry over, plus IronLB's own. */
public final class SpeakerMetrics implements Layer2Stats {
  // Counters, as in MetalLB; MetricsServer shows them without the _total the Java client would add
  // (MetalLbExposition), so MetalLB's dashboards find metallb_layer2_requests_received as there.
  private final Counter requestsReceived;
  private final Counter responsesSent;
  private final Counter gratuitousSent;
  private final Counter dropped;
  private final Gauge announced;
  private final Counter conflicts;
  private final Counter failovers;
  private final Counter silent;
  private final Gauge membershipFallback;
  private final Histogram electionSeconds;

  private final ClientMetrics client;

  /**
   * Counters without exemplars (nothing here traces requests): the per-address counters keep a
   * sampler and its slots for every address, ~250 bytes each, 2.5 MB of heap at 10,000 Services.
   */
  public SpeakerMetrics(PrometheusRegistry registry) {
    client = new ClientMetrics(registry);
    requestsReceived = Counter.builder().withoutExemplars().name(MetalLbExposition.LAYER2_REQUESTS_RECEIVED)
        .help("Number of layer2 requests received for owned IPs").labelNames("ip").register(registry);
    responsesSent = Counter.builder().withoutExemplars().name(MetalLbExposition.LAYER2_RESPONSES_SENT)
        .help("Number of layer2 responses sent for owned IPs in response to requests").labelNames("ip").register(registry);
    gratuitousSent = Counter.builder().withoutExemplars().name(MetalLbExposition.LAYER2_GRATUITOUS_SENT)
        .help("Number of gratuitous layer2 packets sent for owned IPs as a result of failovers").labelNames("ip").register(registry);
    dropped = Counter.builder().withoutExemplars().name("ironlb_layer2_frames_dropped")
        .help("Frames the responder did not answer, by reason").labelNames("reason").register(registry);
    announced = Gauge.builder().name("metallb_speaker_announced")
        .help("Services being announced from this node. This is desired state, it does not guarantee that the routing protocols have converged.")
        .labelNames("ip", "node", "protocol", "service").register(registry);
    conflicts = Counter.builder().withoutExemplars().name("ironlb_address_conflicts")
        .help("Addresses found in use by a device outside the cluster").labelNames("ip", "mac").register(registry);
    failovers = Counter.builder().withoutExemplars().name("ironlb_failovers")
        .help("Announcements this node took over from another node").labelNames("service").register(registry);
    silent = Counter.builder().withoutExemplars().name("ironlb_announcer_silent")
        .help("Addresses whose announcing node did not answer this node's checks, so this node took them over").labelNames("ip", "node")
        .register(registry);
    membershipFallback = Gauge.builder().name("ironlb_membership_fallback")
        .help("1 while membership cannot form and liveness comes from Node readiness instead").register(registry);
    electionSeconds = Histogram.builder().withoutExemplars().name("ironlb_election_seconds")
        .help("Time from a change (membership, endpoints, services) to announcements being in place").register(registry);
  }

  @Override
  public void requestReceived(InetAddress ip) {
    requestsReceived.labelValues(IpText.format(ip)).inc();
  }

  @Override
  public void responseSent(InetAddress ip) {
    responsesSent.labelValues(IpText.format(ip)).inc();
  }

  @Override
  public void gratuitousSent(InetAddress ip) {
    gratuitousSent.labelValues(IpText.format(ip)).inc();
  }

  @Override
  public void dropped(DropReason reason) {
    dropped.labelValues(reason.name()).inc();
  }

  void announced(String ip, String node, String service, boolean on) {
    if (on) {
      announced.labelValues(ip, node, "layer2", service).set(1);
    } else {
      announced.remove(ip, node, "layer2", service);
    }
  }

  void conflict(String ip, String mac) {
    conflicts.labelValues(ip, mac).inc();
  }

  void failover(String service) {
    failovers.labelValues(service).inc();
  }

  /** MetalLB's {@code metallb_k8s_client_*}: updates processed, failures, whether the configuration loaded. */
  ClientMetrics client() {
    return client;
  }

  void silent(String ip, String owner) {
    silent.labelValues(ip, owner).inc();
  }

  void membershipFallback(boolean on) {
    membershipFallback.set(on ? 1 : 0);
  }

  void electionTook(double seconds) {
    electionSeconds.observe(seconds);
  }
}
