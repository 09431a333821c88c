package io.ironlb.speaker;

import io.ironlb.l2.DropReason;
import io.ironlb.model.IpText;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The speaker's metrics with one sample in each family, as while it announces: for scrape tests. */
public final class SpeakerMetricsSamples {
  private SpeakerMetricsSamples() {}

  public static SpeakerMetrics filled(PrometheusRegistry registry) {
    SpeakerMetrics m = new SpeakerMetrics(registry);
    var ip = IpText.parse("198.51.100.200").orElseThrow();
    m.requestReceived(ip);
    m.responseSent(ip);
    m.gratuitousSent(ip);
    m.dropped(DropReason.values()[0]);
    m.announced("198.51.100.200", "node-a", "default/web", true);
    m.conflict("198.51.100.50", "02:00:00:00:00:50");
    m.failover("default/web");
    m.membershipFallback(false);
    m.electionTook(0.01);
    m.silent("198.51.100.201", "node-b");
    m.client().updated();
    m.client().configuration(false);
    return m;
  }
}
