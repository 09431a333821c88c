package io.ironlb.controller;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The allocator gauges MetalLB exposes, under the same names so dashboards carry over. */
public final class ControllerMetrics {
  private final Gauge addressesTotal;
  private final Gauge addressesInUse;

  public ControllerMetrics(PrometheusRegistry registry) {
    addressesTotal = Gauge.builder()
        .name("metallb_allocator_addresses_total")
        .help("Number of usable IP addresses, per pool")
        .labelNames("pool")
        .register(registry);
    addressesInUse = Gauge.builder()
        .name("metallb_allocator_addresses_in_use_total")
        .help("Number of IP addresses in use, per pool")
        .labelNames("pool")
        .register(registry);
  }

  void pool(String pool, double total, double inUse) {
    addressesTotal.labelValues(pool).set(total);
    addressesInUse.labelValues(pool).set(inUse);
  }

  void poolGone(String pool) {
    addressesTotal.remove(pool);
    addressesInUse.remove(pool);
  }
}
