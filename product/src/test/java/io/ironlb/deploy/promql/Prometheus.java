package io.ironlb.deploy.promql;

import io.ironlb.deploy.promql.Value.Sample;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Prometheus server in miniature, on a simulated clock: every 30 s it scrapes real {@code /metrics}
 * endpoints over HTTP (a refused connection is a failed scrape), then evaluates the alerting rules
 * as Prometheus' rule manager does: a label set the expression returns is pending, and firing once
 * it has been returned at every evaluation for the rule's {@code for}.
 */
public final class Prometheus implements AutoCloseable {
  public static final Duration INTERVAL = Duration.ofSeconds(30);
  // What Prometheus 3 asks for: OpenMetrics first, the text format as a fallback.
  private static final String ACCEPT = "application/openmetrics-text;version=1.0.0;q=0.5,"
      + "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.1";

  /** A scrape target: its {@code /metrics} URL and the labels service discovery gives it (job, namespace, pod, ...). */
  public record Target(URI metrics, Map<String, String> labels) {}

  /** An alerting rule as a PrometheusRule states it. */
  public record AlertRule(String name, String expr, Duration holdFor, Map<String, String> labels) {
    Expr parsed() {
      return PromQl.parse(expr);
    }
  }

  /** A firing alert: the expression's labels (without the metric name), the rule's labels and alertname. */
  public record Alert(String name, Labels labels, double value) {}

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Tsdb tsdb = new Tsdb();
  private final Evaluator evaluator = new Evaluator(tsdb);
  private final List<Target> targets = new CopyOnWriteArrayList<>();
  private final List<AlertRule> rules;
  private final Map<String, Map<Labels, Long>> activeSince = new LinkedHashMap<>();
  private final Map<String, List<Alert>> firing = new LinkedHashMap<>();
  private long now;

  public Prometheus(List<AlertRule> rules) {
    this.rules = List.copyOf(rules);
    rules.forEach(AlertRule::parsed); // refuses an expression outside the subset before any scenario runs
  }

  public void scrape(Target target) {
    targets.add(target);
  }

  /** Lets {@code duration} pass: a scrape of every target and a rule evaluation every 30 s. */
  public void run(Duration duration) {
    for (long t = 0; t < duration.toMillis(); t += INTERVAL.toMillis()) {
      now += INTERVAL.toMillis();
      for (Target target : targets) {
        tsdb.add(target.metrics().toString(), now, scrapeOnce(target));
      }
      evaluateRules();
    }
  }

  /** The alerts firing now, by rule name. */
  public Map<String, List<Alert>> firing() {
    Map<String, List<Alert>> out = new TreeMap<>();
    firing.forEach((name, alerts) -> {
      if (!alerts.isEmpty()) {
        out.put(name, List.copyOf(alerts));
      }
    });
    return out;
  }

  /** What {@code target} exports right now, without storing it: to wait for a process to reach a state. */
  public List<Sample> peek(Target target) {
    return scrapeOnce(target);
  }

  /** An instant query at the current time. */
  public List<Sample> query(String expr) {
    return evaluator.vector(PromQl.parse(expr), now);
  }

  private List<Sample> scrapeOnce(Target target) {
    HttpRequest request = HttpRequest.newBuilder(target.metrics()).header("Accept", ACCEPT).timeout(Duration.ofSeconds(5)).build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return List.of();
      }
      List<Sample> out = new ArrayList<>();
      for (TextFormat.Sample s : TextFormat.parse(response.body())) {
        // honorLabels: true (as the chart's monitors set it): a label the metric has wins over the target's.
        Map<String, String> labels = new TreeMap<>(target.labels());
        labels.putAll(s.labels().map());
        out.add(new Sample(Labels.of(labels), s.value()));
      }
      return out;
    } catch (IOException e) {
      return List.of(); // the target is down: every series it had goes stale
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void evaluateRules() {
    for (AlertRule rule : rules) {
      Map<Labels, Long> since = activeSince.computeIfAbsent(rule.name(), n -> new LinkedHashMap<>());
      Map<Labels, Double> result = new LinkedHashMap<>();
      for (Sample s : evaluator.vector(rule.parsed(), now)) {
        Map<String, String> labels = new TreeMap<>(s.labels().withoutName().map());
        labels.putAll(rule.labels());
        labels.put("alertname", rule.name());
        if (result.put(Labels.of(labels), s.value()) != null) {
          // Prometheus fails such a rule evaluation ("same labelset after applying alert labels").
          throw new IllegalStateException(rule.name() + ": two results with the labels " + labels);
        }
      }
      since.keySet().retainAll(result.keySet());
      result.keySet().forEach(l -> since.putIfAbsent(l, now));
      List<Alert> alerts = new ArrayList<>();
      result.forEach((labels, value) -> {
        if (now - since.get(labels) >= rule.holdFor().toMillis()) {
          alerts.add(new Alert(rule.name(), labels, value));
        }
      });
      firing.put(rule.name(), alerts);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
