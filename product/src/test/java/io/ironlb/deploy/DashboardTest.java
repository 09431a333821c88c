package io.ironlb.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** deploy/grafana/ironlb-dashboard.json queries only series the processes export, and shows every IronLB metric. */
class DashboardTest {
  private static final Path DASHBOARD = Path.of("deploy/grafana/ironlb-dashboard.json");
  private static final Pattern METRIC = Pattern.compile("\\b((?:metallb|ironlb|jvm|process)_[a-zA-Z0-9_]+)\\b");

  private static JsonNode dashboard() {
    return JsonMapper.builder().build().readTree(DASHBOARD.toFile());
  }

  private static List<String> expressions() {
    List<String> out = new ArrayList<>();
    for (JsonNode panel : dashboard().path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        out.add(target.path("expr").asString());
      }
    }
    return out;
  }

  private static Set<String> metricsIn(List<String> exprs) {
    Set<String> out = new TreeSet<>();
    for (String e : exprs) {
      Matcher m = METRIC.matcher(e.replaceAll("\\{[^}]*}", "{}"));
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  @Test
  void everyQueriedSeriesIsOneTheProcessesExport() {
    assertThat(expressions()).isNotEmpty().doesNotContain("");

    assertThat(ExportedMetrics.seriesNames()).containsAll(metricsIn(expressions()));
  }

  @Test
  void everyIronlbAndMetallbMetricHasAPanel() {
    Set<String> used = metricsIn(expressions());

    ExportedMetrics.ironlb().forEach((name, type) ->
        assertThat(used).as("a panel shows %s", name).containsAnyElementsOf(ExportedMetrics.series(name, type)));
  }

  @Test
  void panelsUseTheDatasourceVariableAndDoNotOverlap() {
    JsonNode d = dashboard();
    List<int[]> boxes = new ArrayList<>();
    for (JsonNode p : d.path("panels")) {
      JsonNode g = p.path("gridPos");
      int[] box = {g.path("x").asInt(), g.path("y").asInt(), g.path("w").asInt(), g.path("h").asInt()};
      for (int[] o : boxes) {
        boolean overlap = box[0] < o[0] + o[2] && o[0] < box[0] + box[2] && box[1] < o[1] + o[3] && o[1] < box[1] + box[3];
        assertThat(overlap).as(p.path("title").asString() + " overlaps another panel").isFalse();
      }
      boxes.add(box);
      assertThat(box[0] + box[2]).as(p.path("title").asString()).isLessThanOrEqualTo(24);
      if (!"row".equals(p.path("type").asString())) {
        assertThat(p.path("datasource").path("uid").asString()).isEqualTo("${datasource}");
      }
    }
    assertThat(d.path("uid").asString()).isEqualTo("ironlb");
  }
}
