package io.ironlb.controller;

import io.ironlb.runtime.ClientMetrics;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The controller's metrics: MetalLB's, under the same names, types and labels, so dashboards and alerts carry over. */
public final class ControllerMetrics {
  private final Gauge addressesTotal;
  private final Gauge ipv4Total;
  private final Gauge ipv6Total;
  private final Gauge addressesInUse;
  private final Gauge ipv4InUse;
  private final Gauge ipv6InUse;
  private final ClientMetrics client;

  /** A pool's figures: usable addresses and addresses in use (a shared address counts once), per family. */
  record PoolFigures(double ipv4Total, double ipv6Total, double ipv4InUse, double ipv6InUse) {}

  public ControllerMetrics(PrometheusRegistry registry) {
    addressesTotal = gauge(registry, "metallb_allocator_addresses_total", "Number of usable IP addresses, per pool");
    ipv4Total = gauge(registry, "metallb_allocator_ipv4_addresses_total", "Number of usable IPV4 addresses, per pool");
    ipv6Total = gauge(registry, "metallb_allocator_ipv6_addresses_total", "Number of usable IPV6 addresses, per pool");
    addressesInUse = gauge(registry, "metallb_allocator_addresses_in_use_total", "Number of IP addresses in use, per pool");
    ipv4InUse = gauge(registry, "metallb_allocator_ipv4_addresses_in_use_total", "Number of IPV4 addresses in use, per pool");
    ipv6InUse = gauge(registry, "metallb_allocator_ipv6_addresses_in_use_total", "Number of IPV6 addresses in use, per pool");
    client = new ClientMetrics(registry);
  }

  private static Gauge gauge(PrometheusRegistry registry, String name, String help) {
    return Gauge.builder().name(name).help(help).labelNames("pool").register(registry);
  }

  void pool(String pool, PoolFigures f) {
    addressesTotal.labelValues(pool).set(f.ipv4Total() + f.ipv6Total());
    ipv4Total.labelValues(pool).set(f.ipv4Total());
    ipv6Total.labelValues(pool).set(f.ipv6Total());
    addressesInUse.labelValues(pool).set(f.ipv4InUse() + f.ipv6InUse());
    ipv4InUse.labelValues(pool).set(f.ipv4InUse());
    ipv6InUse.labelValues(pool).set(f.ipv6InUse());
  }

  void poolGone(String pool) {
    for (Gauge g : new Gauge[] {addressesTotal, ipv4Total, ipv6Total, addressesInUse, ipv4InUse, ipv6InUse}) {
      g.remove(pool);
    }
  }

  ClientMetrics client() {
    return client;
  }
}
