package io.ironlb.deploy;

import io.ironlb.controller.ControllerMetricsSamples;
import io.ironlb.runtime.MetalLbExposition;
import io.ironlb.speaker.SpeakerMetricsSamples;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metrics the processes export, read from the text their {@code /metrics} serves
 * ({@link MetalLbExposition}, the code is the source) with one sample in every family: each
 * family's name as its {@code # TYPE} line shows it, its type and labels, and the series names a
 * Prometheus scrape stores (a histogram's {@code _bucket}, {@code _sum} and {@code _count}).
 */
public final class ExportedMetrics {
  private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$");
  private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? ");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  /** One family as {@code /metrics} shows it. */
  public record Family(String name, String type, Set<String> labels) {}

  private ExportedMetrics() {}

  /** The text a scrape of the controller and a speaker shows, JVM metrics left out unless asked for. */
  public static String exposition(boolean jvm) {
    // Two processes, two registries: both export metallb_k8s_client_*.
    PrometheusRegistry controller = new PrometheusRegistry();
    PrometheusRegistry speaker = new PrometheusRegistry();
    ControllerMetricsSamples.filled(controller);
    SpeakerMetricsSamples.filled(speaker);
    if (jvm) {
      JvmMetrics.builder().register(controller);
    }
    return MetalLbExposition.write(controller.scrape()) + MetalLbExposition.write(speaker.scrape());
  }

  /** The families of an exposition, by name, with their labels (the {@code le} of a histogram left out). */
  public static Map<String, Family> families(String exposition) {
    Map<String, Family> out = new LinkedHashMap<>();
    Matcher t = TYPE.matcher(exposition);
    while (t.find()) {
      out.put(t.group(1), new Family(t.group(1), t.group(2), new TreeSet<>()));
    }
    Matcher s = SAMPLE.matcher(exposition);
    while (s.find()) {
      Family f = familyOf(out, s.group(1));
      if (f != null && s.group(2) != null) {
        Matcher l = LABEL.matcher(s.group(2));
        while (l.find()) {
          if (!l.group(1).equals("le")) {
            f.labels().add(l.group(1));
          }
        }
      }
    }
    return out;
  }

  private static Family familyOf(Map<String, Family> families, String series) {
    for (String suffix : List.of("", "_bucket", "_sum", "_count")) {
      if (series.endsWith(suffix) && families.containsKey(series.substring(0, series.length() - suffix.length()))) {
        return families.get(series.substring(0, series.length() - suffix.length()));
      }
    }
    return null;
  }

  /** Exposed family name to its type ("counter", "gauge", "histogram"), IronLB's and MetalLB's (not the JVM's). */
  public static TreeMap<String, String> ironlb() {
    TreeMap<String, String> out = new TreeMap<>();
    families(exposition(false)).forEach((name, f) -> out.put(name, f.type()));
    return out;
  }

  /** Every series name a scrape of the controller or a speaker can show, JVM and process metrics included. */
  public static Set<String> seriesNames() {
    Set<String> out = new TreeSet<>();
    Matcher s = SAMPLE.matcher(exposition(true));
    while (s.find()) {
      out.add(s.group(1));
    }
    return out;
  }

  /** The series a family shows under. */
  public static List<String> series(String name, String type) {
    List<String> out = new ArrayList<>();
    if (type.equals("histogram")) {
      out.addAll(List.of(name + "_bucket", name + "_sum", name + "_count"));
    } else {
      out.add(name);
    }
    return out;
  }
}
