package io.ironlb.controller;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The controller's metrics with one sample in each family, as after a pool pass and an allocation: for scrape tests. */
public final class ControllerMetricsSamples {
  private ControllerMetricsSamples() {}

  public static ControllerMetrics filled(PrometheusRegistry registry) {
    ControllerMetrics m = new ControllerMetrics(registry);
    m.pool("lan-pool", new ControllerMetrics.PoolFigures(21, 17, 2, 1));
    m.client().updated();
    m.client().updateFailed();
    m.client().configuration(false);
    return m;
  }
}
