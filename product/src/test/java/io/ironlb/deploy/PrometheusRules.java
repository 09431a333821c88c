package io.ironlb.deploy;

import io.ironlb.deploy.promql.PromQl;
import io.ironlb.deploy.promql.Prometheus.AlertRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/** The alerting rules of a PrometheusRule object: deploy/prometheus/prometheusrule.yaml, or the chart's. */
final class PrometheusRules {
  static final Path FILE = Path.of("deploy/prometheus/prometheusrule.yaml");

  private PrometheusRules() {}

  static JsonNode shipped() {
    return Manifests.load(Path.of("deploy/prometheus")).one("PrometheusRule", "ironlb");
  }

  static List<AlertRule> of(JsonNode prometheusRule) {
    List<AlertRule> out = new ArrayList<>();
    for (JsonNode group : prometheusRule.path("spec").path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        Map<String, String> labels = new TreeMap<>();
        rule.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
        String holdFor = rule.path("for").asString("");
        out.add(new AlertRule(rule.path("alert").asString(), rule.path("expr").asString(),
            holdFor.isEmpty() ? Duration.ZERO : PromQl.duration(holdFor), labels));
      }
    }
    return out;
  }
}
