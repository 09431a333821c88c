package io.ironlb.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code ironlb lab failover --results FILE} writes: one JSON document per run, for a report
 * generator to read instead of the table. Times are whole milliseconds; a failed trial has an
 * {@code error} and null times, a failed creation trial null for the figure it did not reach.
 *
 * <pre>
 * {"target": "ironlb" | "keepalived-vrrp2" | "keepalived-vrrp3",
 *  "mode": "kill" | "cut" | "cut-lan" | "term" | "flap" | "flap-lan" | "create" | "drain" | "silence",
 *  "nodes": 2, "cpus": 2, "loadAverage": "0.52 0.40 0.33",
 *  "trials": [{"n": 1, "from": "spark-2959", "to": "spark-ba63", "neighbourMs": 180, "outageMs": 12, "failed": 0, "error": null,
 *              "flap": null | {"firstOutageMs": 240, "viewMs": 310, "backMs": 90, "secondCutAfterHealMs": 1500}}],
 *  "creation": [{"n": 1, "ipMs": 120, "okMs": 390}],
 *  "timeline": {"trial": 1, "faultAt": "2026-01-01T00:00:00.123456Z",
 *               "requests": [{"startMs": -950, "endMs": -948, "ok": true, "node": "spark-2959"}],
 *               "neighbour": [{"atMs": 180, "node": "spark-ba63"}]},
 *  "failback": [{"n": 1, "backMs": 2400, "gapMs": 11, "failed": 0, "error": null}]}
 * </pre>
 *
 * {@code creation} is empty except in create mode, where {@code trials} is empty and
 * {@code timeline} null. {@code failback} has one entry per trial (empty in create mode): what
 * bringing the home node back cost, from the restore (kill, cut, term), {@code drain --undo} or the
 * lifted silence until the client's neighbour entry was on the home node again ({@code backMs}), the
 * longest wait between two answers ({@code gapMs}) and the failed requests until the home node held
 * the address for a second. The timeline is the first successful trial's: every request that started
 * from 1 s before the fault to 2 s after the client's first success on the new node, times
 * relative to the fault; a request's {@code node} is the node whose LAN MAC the client's neighbour
 * entry held when it started (null before any entry was seen), so a plot can colour requests by the
 * node that answered. {@code neighbour} is the entry in force when the window opens (its
 * {@code atMs} may lie before it) and then every change to another MAC.
 */
record FailoverResults(String target, String mode, int nodes, int cpus, String loadAverage, List<Trial> trials,
                       List<Creation> creation, Timeline timeline, List<Failback> failback) {

  static final Duration BEFORE_FAULT = Duration.ofSeconds(1);
  static final Duration AFTER_RECOVERY = Duration.ofSeconds(2);

  FailoverResults {
    trials = List.copyOf(trials);
    creation = List.copyOf(creation);
    failback = failback == null ? List.of() : List.copyOf(failback); // absent in results written before it existed
  }

  FailoverResults(String target, String mode, int nodes, int cpus, String loadAverage, List<Trial> trials, List<Creation> creation,
                  Timeline timeline) {
    this(target, mode, nodes, cpus, loadAverage, trials, creation, timeline, List.of());
  }

  /**
   * One failover trial; {@code to}, the times are null when it failed ({@code error} says why).
   * {@code flap} is set in flap mode only, where the times are the second cut's.
   */
  record Trial(int n, String from, String to, Long neighbourMs, Long outageMs, int failed, String error, Flap flap) {

    static Trial of(LabFailover.Trial t) {
      boolean ok = t.error() == null;
      Flap flap = !ok || t.flap() == null ? null
          : new Flap(t.flap().firstOutageMs(), t.flap().viewMs(), t.flap().backMs(), t.flap().secondCutAfterHealMs());
      return new Trial(t.n(), t.from(), t.to(), ok ? t.neighbourMs() : null, ok ? t.outageMs() : null, t.failed(), t.error(), flap);
    }
  }

  /** One trial's failback: restore (or undo) to the client back on the home node, the longest wait, failed requests; null times when it failed. */
  record Failback(int n, Long backMs, Long gapMs, int failed, String error) {

    static Failback of(LabFailover.Failback f) {
      boolean ok = f.error() == null;
      return new Failback(f.n(), ok ? f.backMs() : null, ok ? f.gapMs() : null, f.failed(), f.error());
    }
  }

  /** See {@link LabFailover.Flap}: the first cut's outage, heal to a whole view (null: not before the second cut) and to the client back home. */
  record Flap(long firstOutageMs, Long viewMs, long backMs, long secondCutAfterHealMs) {}

  /** One creation trial: creation to EXTERNAL-IP and to the first successful request (null: not reached). */
  record Creation(int n, Long ipMs, Long okMs) {}

  record Timeline(int trial, String faultAt, List<Request> requests, List<Neighbour> neighbour) {
    Timeline {
      requests = List.copyOf(requests);
      neighbour = List.copyOf(neighbour);
    }
  }

  record Request(long startMs, long endMs, boolean ok, String node) {}

  record Neighbour(long atMs, String node) {}

  /**
   * The timeline of trial {@code trial}: the requests that started in [{@code fault} - 1 s,
   * {@code recovered} + 2 s] (sorted by start), each with the node the client's neighbour entry
   * pointed at then, from {@code changes} (in time order); {@code nodeOfMac} names a MAC (a MAC
   * of no node stays as it is).
   */
  static Timeline timeline(int trial, Instant fault, Instant recovered, List<ClientLoop.Result> results,
                           List<NeighbourWatch.Change> changes, Function<String, String> nodeOfMac) {
    Instant from = fault.minus(BEFORE_FAULT);
    Instant to = recovered.plus(AFTER_RECOVERY);
    List<Request> requests = results.stream()
        .filter(r -> !r.start().isBefore(from) && !r.start().isAfter(to))
        .sorted(Comparator.comparing(ClientLoop.Result::start))
        .map(r -> new Request(ms(fault, r.start()), ms(fault, r.end()), r.ok(), nodeAt(r.start(), changes, nodeOfMac)))
        .toList();
    List<Neighbour> moves = new ArrayList<>();
    String last = null;
    for (NeighbourWatch.Change c : changes) {
      if (c.at().isAfter(to)) {
        break;
      }
      boolean inForceAtStart = !c.at().isAfter(from);
      String node = nodeOfMac.apply(c.mac());
      if (inForceAtStart) {
        moves.clear();
        moves.add(new Neighbour(ms(fault, c.at()), node));
      } else if (!node.equals(last)) {
        moves.add(new Neighbour(ms(fault, c.at()), node));
      }
      last = node;
    }
    return new Timeline(trial, fault.toString(), requests, moves);
  }

  private static String nodeAt(Instant t, List<NeighbourWatch.Change> changes, Function<String, String> nodeOfMac) {
    String mac = null;
    for (NeighbourWatch.Change c : changes) {
      if (c.at().isAfter(t)) {
        break;
      }
      mac = c.mac();
    }
    return mac == null ? null : nodeOfMac.apply(mac);
  }

  /** Whole milliseconds from {@code zero} to {@code t}, rounded down (so -0.4 ms is -1). */
  private static long ms(Instant zero, Instant t) {
    return Math.floorDiv(Duration.between(zero, t).toNanos(), 1_000_000L);
  }

  // ---------------------------------------------------------------- JSON

  private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  String toJson() {
    return MAPPER.writeValueAsString(this);
  }

  static FailoverResults fromJson(String json) {
    return MAPPER.readValue(json, FailoverResults.class);
  }

  /** Writes the document to {@code file} in one step (a reader never sees half of it). */
  void write(Path file) {
    Path abs = file.toAbsolutePath();
    Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
    try {
      if (abs.getParent() != null) {
        Files.createDirectories(abs.getParent());
      }
      Files.writeString(tmp, toJson() + "\n");
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the results to " + abs + ": " + e.getMessage(), e);
    }
  }
}
