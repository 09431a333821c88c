package io.ironlb.deploy.promql;

import com.google.re2j.Pattern;
import io.ironlb.deploy.promql.Expr.LabelMatcher;
import io.ironlb.deploy.promql.Expr.VectorSelector;
import io.ironlb.deploy.promql.Value.Point;
import io.ironlb.deploy.promql.Value.Range;
import io.ironlb.deploy.promql.Value.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a Prometheus server stores: every scrape of every target at the time it was taken. A series
 * missing from a target's latest scrape, or every series of a failed scrape, is stale (Prometheus
 * writes staleness markers), and an instant query looks back at most 5 minutes.
 */
public final class Tsdb {
  static final long LOOKBACK_MILLIS = 5 * 60_000;

  private record Scrape(long timeMillis, List<Sample> samples) {}

  private final Map<String, List<Scrape>> byTarget = new LinkedHashMap<>();

  /** A scrape of {@code target} at {@code timeMillis}; samples carry the metric's and the target's labels. An empty list is a failed scrape. */
  public void add(String target, long timeMillis, List<Sample> samples) {
    List<Scrape> scrapes = byTarget.computeIfAbsent(target, t -> new ArrayList<>());
    if (!scrapes.isEmpty() && scrapes.getLast().timeMillis() >= timeMillis) {
      throw new IllegalArgumentException("scrapes of " + target + " must come in time order");
    }
    scrapes.add(new Scrape(timeMillis, List.copyOf(samples)));
  }

  List<Sample> instant(VectorSelector selector, long timeMillis) {
    long at = timeMillis - selector.offset().toMillis();
    List<Sample> out = new ArrayList<>();
    for (List<Scrape> scrapes : byTarget.values()) {
      Scrape latest = null;
      for (Scrape s : scrapes) {
        if (s.timeMillis() <= at && s.timeMillis() > at - LOOKBACK_MILLIS) {
          latest = s;
        }
      }
      if (latest != null) {
        latest.samples().stream().filter(s -> matches(selector, s.labels())).forEach(out::add);
      }
    }
    return out;
  }

  List<Range> range(VectorSelector selector, long timeMillis, long rangeMillis) {
    long end = timeMillis - selector.offset().toMillis();
    Map<Labels, List<Point>> series = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    for (List<Scrape> scrapes : byTarget.values()) {
      for (Scrape s : scrapes) {
        if (s.timeMillis() <= end && s.timeMillis() > end - rangeMillis) {
          for (Sample sample : s.samples()) {
            if (matches(selector, sample.labels())) {
              series.computeIfAbsent(sample.labels(), l -> new ArrayList<>()).add(new Point(s.timeMillis(), sample.value()));
            }
          }
        }
      }
    }
    List<Range> out = new ArrayList<>();
    series.forEach((labels, points) -> out.add(new Range(labels, List.copyOf(points))));
    return out;
  }

  private static boolean matches(VectorSelector selector, Labels labels) {
    if (!selector.name().isEmpty() && !selector.name().equals(labels.get(Labels.NAME))) {
      return false;
    }
    for (LabelMatcher m : selector.matchers()) {
      String v = labels.get(m.label());
      boolean ok = switch (m.op()) {
        case "=" -> v.equals(m.value());
        case "!=" -> !v.equals(m.value());
        // Prometheus anchors label regular expressions (RE2) at both ends.
        case "=~" -> Pattern.compile("^(?:" + m.value() + ")$").matcher(v).matches();
        case "!~" -> !Pattern.compile("^(?:" + m.value() + ")$").matcher(v).matches();
        default -> throw new IllegalArgumentException("matcher " + m.op());
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
