package io.ironlb.deploy;

import io.ironlb.controller.ControllerMetrics;
import io.ironlb.speaker.SpeakerMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The metrics the processes register, as their registries hold them (the code is the source), and
 * the series names a Prometheus scrape of {@code /metrics} shows for them: a counter gains
 * {@code _total}, a histogram {@code _bucket}, {@code _sum} and {@code _count}.
 */
public final class ExportedMetrics {
  private ExportedMetrics() {}

  /** Registered name to its type ("counter", "gauge", "histogram"), IronLB's own metrics (not the JVM's). */
  public static TreeMap<String, String> ironlb() {
    PrometheusRegistry r = new PrometheusRegistry();
    new ControllerMetrics(r);
    new SpeakerMetrics(r);
    TreeMap<String, String> out = new TreeMap<>();
    for (MetricSnapshot s : r.scrape()) {
      out.put(s.getMetadata().getPrometheusName(), type(s));
    }
    return out;
  }

  /** Every series name a scrape of the controller or a speaker can show, JVM and process metrics included. */
  public static Set<String> seriesNames() {
    PrometheusRegistry r = new PrometheusRegistry();
    new ControllerMetrics(r);
    new SpeakerMetrics(r);
    JvmMetrics.builder().register(r);
    Set<String> out = new TreeSet<>();
    for (MetricSnapshot s : r.scrape()) {
      out.addAll(series(s));
    }
    return out;
  }

  /** The series a metric shows under in Prometheus' text format. */
  public static List<String> series(MetricSnapshot s) {
    String n = s.getMetadata().getPrometheusName();
    return switch (s) {
      case CounterSnapshot c -> List.of(n + "_total");
      case HistogramSnapshot h -> List.of(n + "_bucket", n + "_sum", n + "_count");
      case SummarySnapshot m -> List.of(n, n + "_sum", n + "_count");
      case InfoSnapshot i -> List.of(n + "_info");
      default -> List.of(n);
    };
  }

  public static List<String> series(String name, String type) {
    return switch (type) {
      case "counter" -> List.of(name + "_total");
      case "histogram" -> List.of(name + "_bucket", name + "_sum", name + "_count");
      default -> List.of(name);
    };
  }

  private static String type(MetricSnapshot s) {
    return switch (s) {
      case CounterSnapshot c -> "counter";
      case HistogramSnapshot h -> "histogram";
      default -> "gauge";
    };
  }
}
