package io.ironlb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The JSON another engineer's report generator reads: exact names, nulls where nothing was measured. */
class FailoverResultsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Instant FAULT = Instant.parse("2026-01-01T00:00:10Z");
  private static final String HOME_MAC = "02:1b:01:00:00:11";
  private static final String NEXT_MAC = "02:1b:01:00:00:12";
  private static final Function<String, String> NODES =
      mac -> Map.of(HOME_MAC, "spark-2959", NEXT_MAC, "spark-ba63").getOrDefault(mac, mac);

  private static FailoverResults sample() {
    List<FailoverResults.Trial> trials = List.of(
        FailoverResults.Trial.of(new LabFailover.Trial(1, "spark-2959", "spark-ba63", 180, 12, 0, null)),
        FailoverResults.Trial.of(new LabFailover.Trial(2, "spark-2959", null, 0, 0, 0, "no successful request within 20 s")));
    FailoverResults.Timeline timeline = new FailoverResults.Timeline(1, FAULT.toString(),
        List.of(new FailoverResults.Request(-950, -948, true, "spark-2959"), new FailoverResults.Request(190, 191, true, "spark-ba63"),
            new FailoverResults.Request(-2000, -1990, false, null)),
        List.of(new FailoverResults.Neighbour(-1115, "spark-2959"), new FailoverResults.Neighbour(180, "spark-ba63")));
    List<FailoverResults.Failback> failback = List.of(FailoverResults.Failback.of(new LabFailover.Failback(1, 2400, 11, 0, null)));
    return new FailoverResults("keepalived-vrrp3", "kill", 2, 2, "0.52 0.40 0.33", trials, List.of(), timeline, failback);
  }

  private static Set<String> fields(JsonNode node) {
    return new TreeSet<>(node.propertyNames());
  }

  @Test
  void documentHasExactlyTheAgreedFieldNamesAtEveryLevel() {
    JsonNode doc = JSON.readTree(sample().toJson());

    assertThat(fields(doc)).containsExactlyInAnyOrder("target", "mode", "nodes", "cpus", "loadAverage", "trials", "creation", "timeline",
        "failback");
    assertThat(fields(doc.get("trials").get(0))).containsExactlyInAnyOrder("n", "from", "to", "neighbourMs", "outageMs", "failed", "error",
        "flap");
    assertThat(fields(doc.get("failback").get(0))).containsExactlyInAnyOrder("n", "backMs", "gapMs", "failed", "error");
    assertThat(fields(doc.get("timeline"))).containsExactlyInAnyOrder("trial", "faultAt", "requests", "neighbour");
    assertThat(fields(doc.get("timeline").get("requests").get(0))).containsExactlyInAnyOrder("startMs", "endMs", "ok", "node");
    assertThat(fields(doc.get("timeline").get("neighbour").get(0))).containsExactlyInAnyOrder("atMs", "node");
    assertThat(doc.get("target").asString()).isEqualTo("keepalived-vrrp3");
    assertThat(doc.get("nodes").isInt()).isTrue();
    assertThat(doc.get("loadAverage").asString()).isEqualTo("0.52 0.40 0.33");
    assertThat(doc.get("timeline").get("faultAt").asString()).isEqualTo("2026-01-01T00:00:10Z");
    assertThat(doc.get("creation").isArray()).isTrue();
    assertThat(doc.get("creation").size()).isZero();
  }

  @Test
  void aSuccessfulTrialHasNumbersAndANullErrorAFailedOneNullTimesAndItsError() {
    JsonNode trials = JSON.readTree(sample().toJson()).get("trials");

    assertThat(trials.get(0).get("neighbourMs").asLong()).isEqualTo(180);
    assertThat(trials.get(0).get("outageMs").asLong()).isEqualTo(12);
    assertThat(trials.get(0).get("error").isNull()).isTrue();
    assertThat(trials.get(1).get("to").isNull()).isTrue();
    assertThat(trials.get(1).get("neighbourMs").isNull()).isTrue();
    assertThat(trials.get(1).get("outageMs").isNull()).isTrue();
    assertThat(trials.get(1).get("error").asString()).contains("no successful request");
  }

  @Test
  void roundTripsThroughJackson() {
    FailoverResults r = sample();
    assertThat(FailoverResults.fromJson(r.toJson())).isEqualTo(r);
  }

  @Test
  void createModeHasCreationTrialsNoFailoverTrialsAndANullTimeline() {
    FailoverResults r = new FailoverResults("ironlb", "create", 2, 2, "1.00 1.00 1.00", List.of(),
        List.of(new FailoverResults.Creation(1, 120L, 390L), new FailoverResults.Creation(2, 95L, null)), null);
    JsonNode doc = JSON.readTree(r.toJson());

    assertThat(doc.get("timeline").isNull()).isTrue();
    assertThat(doc.get("trials").size()).isZero();
    assertThat(fields(doc.get("creation").get(0))).containsExactlyInAnyOrder("n", "ipMs", "okMs");
    assertThat(doc.get("creation").get(1).get("okMs").isNull()).isTrue();
    assertThat(FailoverResults.fromJson(r.toJson())).isEqualTo(r);
  }

  @Test
  void writeReplacesTheFileInOneStep(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("sub/failover-ironlb-kill.json");
    sample().write(file);
    sample().write(file);

    assertThat(FailoverResults.fromJson(Files.readString(file))).isEqualTo(sample());
    try (var files = Files.list(file.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("failover-ironlb-kill.json");
    }
  }

  // ---------------------------------------------------------------- the timeline

  private static ClientLoop.Result request(long startMs, long endMs, boolean ok) {
    return new ClientLoop.Result(FAULT.plusMillis(startMs), FAULT.plusMillis(endMs), ok, ok ? "HTTP/1.0_200_OK" : "SocketTimeoutException");
  }

  private static NeighbourWatch.Change change(long atMs, String mac) {
    return new NeighbourWatch.Change(FAULT.plusMillis(atMs), mac);
  }

  @Test
  void timelineKeepsRequestsFromOneSecondBeforeTheFaultToTwoSecondsAfterRecoveryRelativeToTheFault() {
    List<ClientLoop.Result> results = new ArrayList<>();
    for (long t = -1500; t <= 3000; t += 10) {
      results.add(request(t, t + 2, true));
    }
    Instant recovered = FAULT.plusMillis(400);

    FailoverResults.Timeline tl = FailoverResults.timeline(1, FAULT, recovered, results.reversed(), List.of(), NODES);

    assertThat(tl.trial()).isEqualTo(1);
    assertThat(tl.faultAt()).isEqualTo(FAULT.toString());
    assertThat(tl.requests().getFirst().startMs()).isEqualTo(-1000);
    assertThat(tl.requests().getLast().startMs()).isEqualTo(2400);
    assertThat(tl.requests().getFirst().endMs()).isEqualTo(-998);
    assertThat(tl.requests()).isSortedAccordingTo((a, b) -> Long.compare(a.startMs(), b.startMs()));
    assertThat(tl.requests()).allSatisfy(r -> assertThat(r.node()).isNull()); // no neighbour entry seen
  }

  @Test
  void eachRequestIsColouredByTheMacTheClientSentToWhenItStarted() {
    List<ClientLoop.Result> results = List.of(request(-500, -498, true), request(100, 1100, false), request(179, 181, true),
        request(180, 182, true), request(500, 501, true));
    List<NeighbourWatch.Change> changes = List.of(change(-5000, HOME_MAC), change(-300, HOME_MAC), change(180, NEXT_MAC),
        change(450, "02:1b:66:00:00:01"));

    FailoverResults.Timeline tl = FailoverResults.timeline(1, FAULT, FAULT.plusMillis(182), results, changes, NODES);

    assertThat(tl.requests()).extracting(FailoverResults.Request::node)
        .containsExactly("spark-2959", "spark-2959", "spark-2959", "spark-ba63", "02:1b:66:00:00:01");
    assertThat(tl.requests().get(1).ok()).isFalse();
    // The entry in force when the window opens, then each move; a refresh of the same MAC is no move.
    assertThat(tl.neighbour()).containsExactly(new FailoverResults.Neighbour(-5000, "spark-2959"),
        new FailoverResults.Neighbour(180, "spark-ba63"), new FailoverResults.Neighbour(450, "02:1b:66:00:00:01"));
  }

  @Test
  void negativeFractionsRoundDownSoARequestJustBeforeTheFaultIsNotAtZero() {
    ClientLoop.Result r = new ClientLoop.Result(FAULT.minusNanos(400_000), FAULT.plusNanos(600_000), true, "");
    FailoverResults.Timeline tl = FailoverResults.timeline(1, FAULT, FAULT, List.of(r), List.of(), NODES);
    assertThat(tl.requests().getFirst().startMs()).isEqualTo(-1);
    assertThat(tl.requests().getFirst().endMs()).isZero();
  }
}
