package io.ironlb.deploy.promql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ironlb.deploy.promql.Value.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The PromQL subset behaves as Prometheus does where the alerts depend on it, on hand-made scrapes
 * (the alerts themselves are evaluated on real ones in AlertRulesTest).
 */
class PromQlTest {
  private static final long MINUTE = 60_000;

  /** Scrapes of one target every 30 s; each entry maps a series ("name{a=\"b\"}") to its value, absent = not exported. */
  private static Evaluator scrapes(List<Map<String, Double>> scrapes) {
    Tsdb tsdb = new Tsdb();
    long t = 0;
    for (Map<String, Double> scrape : scrapes) {
      t += 30_000;
      List<Sample> samples = new ArrayList<>();
      scrape.forEach((series, value) -> samples.add(new Sample(labels(series), value)));
      tsdb.add("target", t, samples);
    }
    return new Evaluator(tsdb);
  }

  private static Labels labels(String series) {
    Map<String, String> m = new TreeMap<>();
    int brace = series.indexOf('{');
    m.put(Labels.NAME, brace < 0 ? series : series.substring(0, brace));
    if (brace >= 0) {
      for (String pair : series.substring(brace + 1, series.length() - 1).split(",")) {
        String[] kv = pair.split("=", 2);
        m.put(kv[0], kv[1].replace("\"", ""));
      }
    }
    return Labels.of(m);
  }

  private static List<String> eval(Evaluator e, String expr, long at) {
    return e.vector(PromQl.parse(expr), at).stream().map(s -> s.labels() + "=" + s.value()).toList();
  }

  private static List<Map<String, Double>> repeat(Map<String, Double> scrape, int times) {
    List<Map<String, Double>> out = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      out.add(scrape);
    }
    return out;
  }

  @Test
  void aCounterSeenOnlyAtOneIsNoIncreaseButIsNewForTheOffsetWindow() {
    List<Map<String, Double>> history = new ArrayList<>(repeat(Map.of(), 4)); // 0..2m: no series
    history.addAll(repeat(Map.of("c_total{ip=\"x\"}", 1.0), 40)); // from 2m30s: 1 for 20 minutes
    Evaluator e = scrapes(history);
    String newSeries = "c_total unless c_total offset 15m";

    assertThat(eval(e, "increase(c_total[15m]) > 0", 5 * MINUTE)).isEmpty();
    assertThat(eval(e, newSeries, 5 * MINUTE)).hasSize(1);
    assertThat(eval(e, newSeries, 17 * MINUTE)).hasSize(1);
    assertThat(eval(e, newSeries, 17 * MINUTE + 30_000)).isEmpty();
  }

  @Test
  void aCounterThatGrowsIncreasesExtrapolatedAcrossTheRangeButNotBelowZero() {
    List<Map<String, Double>> fromTen = new ArrayList<>();
    List<Map<String, Double>> fromZero = new ArrayList<>();
    for (int i = 0; i < 20; i++) { // +1 per scrape, samples at 30 s ... 600 s
      fromTen.add(Map.of("c_total", 10.0 + i));
      fromZero.add(Map.of("c_total", (double) i));
    }

    // 19 counted over 570 s of samples, extrapolated to the 600 s range as Prometheus does.
    assertThat(scrapes(fromTen).vector(PromQl.parse("increase(c_total[10m])"), 10 * MINUTE).getFirst().value()).isEqualTo(20.0);
    // A counter that starts at 0 is not extrapolated to before it was 0.
    assertThat(scrapes(fromZero).vector(PromQl.parse("increase(c_total[10m])"), 10 * MINUTE).getFirst().value()).isEqualTo(19.0);
    // A function's result has no metric name.
    assertThat(eval(scrapes(fromTen), "increase(c_total[10m])", 10 * MINUTE).getFirst()).startsWith("{}");
  }

  @Test
  void aCounterResetCountsFromZero() {
    Evaluator e = scrapes(List.of(Map.of("c_total", 5.0), Map.of("c_total", 6.0), Map.of("c_total", 1.0), Map.of("c_total", 2.0)));

    // 5 -> 6 (+1), reset to 1 (+1), -> 2 (+1): 3 over 90 s of samples, extrapolated within the 2m window.
    assertThat(e.vector(PromQl.parse("increase(c_total[2m])"), 2 * MINUTE).getFirst().value()).isGreaterThan(3.0).isLessThan(4.5);
  }

  @Test
  void aSeriesMissingFromTheLatestScrapeIsStaleAndAFailedScrapeLeavesNothing() {
    Evaluator e = scrapes(List.of(Map.of("g{a=\"1\"}", 1.0, "g{a=\"2\"}", 1.0), Map.of("g{a=\"1\"}", 1.0), Map.of()));

    assertThat(eval(e, "g", MINUTE)).containsExactly("{__name__=g, a=1}=1.0");
    assertThat(eval(e, "g", 90_000)).isEmpty();
    assertThat(eval(e, "count(g) or vector(0)", 90_000)).containsExactly("{}=0.0");
  }

  @Test
  void anOldScrapeIsOutOfTheFiveMinuteLookback() {
    Evaluator e = scrapes(List.of(Map.of("g", 1.0)));

    assertThat(eval(e, "g", 5 * MINUTE)).hasSize(1);
    assertThat(eval(e, "g", 5 * MINUTE + 30_000)).isEmpty();
  }

  static Stream<List<String>> expressions() {
    // expression, what it gives on: in_use{pool=a} 4, in_use{pool=b} 1, total{pool=a} 4, total{pool=b} 0, up{node=n1,ip=x}, up{node=n2,ip=x}, up{node=n1,ip=y}
    return Stream.of(
        List.of("in_use >= total", "{__name__=in_use, pool=a}=4.0, {__name__=in_use, pool=b}=1.0"),
        List.of("in_use >= total and total > 0", "{__name__=in_use, pool=a}=4.0"),
        List.of("(in_use / total) * 100 > 75", "{pool=a}=100.0, {pool=b}=Infinity"),
        List.of("in_use{pool!~\"\"}", "{__name__=in_use, pool=a}=4.0, {__name__=in_use, pool=b}=1.0"),
        List.of("in_use{pool!~\"a|c\"}", "{__name__=in_use, pool=b}=1.0"),
        List.of("in_use{pool=~\"\"}", ""),
        List.of("in_use{pool=~\"a.*\"} - 1", "{pool=a}=3.0"),
        List.of("sum(max by (pool) (in_use)) - (count(count by (ip) (up)) or vector(0)) > 0", "{}=3.0"),
        List.of("count by (ip) (count by (ip, node) (up)) > 1", "{ip=x}=2.0"),
        List.of("sum by (ip) (up)", "{ip=x}=2.0, {ip=y}=1.0"),
        List.of("1 + 2 * 3 == in_use{pool=\"b\"} * 7", "{pool=b}=7.0"),
        List.of("vector(1) unless on_nothing", "{}=1.0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expressions")
  void operatorsFollowPrometheusPrecedenceAndMatching(List<String> c) {
    Evaluator e = scrapes(List.of(Map.of("in_use{pool=\"a\"}", 4.0, "in_use{pool=\"b\"}", 1.0, "total{pool=\"a\"}", 4.0,
        "total{pool=\"b\"}", 0.0, "up{node=\"n1\",ip=\"x\"}", 1.0, "up{node=\"n2\",ip=\"x\"}", 1.0, "up{node=\"n1\",ip=\"y\"}", 1.0)));

    assertThat(String.join(", ", eval(e, c.get(0), MINUTE).stream().sorted().toList())).isEqualTo(c.get(1));
  }

  @Test
  void whatIsOutsideTheSubsetIsRefusedByName() {
    assertThatThrownBy(() -> PromQl.parse("rate(x[5m])")).hasMessageContaining("function rate is outside the subset");
    assertThatThrownBy(() -> PromQl.parse("sum without (a) (x)")).hasMessageContaining("'without' is outside the subset");
    assertThatThrownBy(() -> PromQl.parse("a > on(ip) b")).hasMessageContaining("vector matching modifiers");
    assertThatThrownBy(() -> PromQl.parse("a > bool 1")).hasMessageContaining("vector matching modifiers");
    // Two series that differ only in their name cannot be matched one-to-one.
    assertThatThrownBy(() -> scrapes(List.of(Map.of("a{x=\"1\"}", 1.0, "b{x=\"1\"}", 1.0)))
        .vector(PromQl.parse("a + {x=\"1\"}"), MINUTE)).hasMessageContaining("many-to-many");
  }
}
