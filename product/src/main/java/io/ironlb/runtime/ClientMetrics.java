package io.ironlb.runtime;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * MetalLB's {@code metallb_k8s_client_*} family, which both its processes export and its chart's
 * alerts ({@code MetalLBStaleConfig}, {@code MetalLBConfigNotLoaded}) query. IronLB keeps the last
 * valid version of each object rather than of the whole configuration, so "stale" means that at
 * least one object's latest version was refused and an older one (or none) is in force.
 */
public final class ClientMetrics {
  private final Counter updates;
  private final Counter updateErrors;
  private final Gauge configLoaded;
  private final Gauge configStale;

  public ClientMetrics(PrometheusRegistry registry) {
    // Counter names keep MetalLB's _total: the text format shows them exactly so.
    updates = Counter.builder().withoutExemplars().name("metallb_k8s_client_updates_total")
        .help("Number of k8s object updates that have been processed.").register(registry);
    updateErrors = Counter.builder().withoutExemplars().name("metallb_k8s_client_update_errors_total")
        .help("Number of k8s object updates that failed for some reason.").register(registry);
    configLoaded = Gauge.builder().name("metallb_k8s_client_config_loaded_bool")
        .help("1 if the MetalLB configuration was successfully loaded at least once.").register(registry);
    configStale = Gauge.builder().name("metallb_k8s_client_config_stale_bool")
        .help("1 if running on a stale configuration, because the latest config failed to load.").register(registry);
  }

  /** One object update (a Service, a pool pass) was processed. */
  public void updated() {
    updates.inc();
  }

  /** Processing one object update failed (it is tried again). */
  public void updateFailed() {
    updateErrors.inc();
  }

  /** A configuration pass ended; {@code stale}: some object's latest version was refused. */
  public void configuration(boolean stale) {
    configLoaded.set(1);
    configStale.set(stale ? 1 : 0);
  }
}
