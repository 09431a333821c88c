package io.ironlb.bench;

import io.ironlb.l2.linux.LinuxLayer2;
import io.ironlb.lab.SelfCommand;
import io.ironlb.netns.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * This machine's own stalls during a soak, the yardstick for the speakers' late heartbeats: a
 * process of its own (no lab work, no allocation, so no collection of its own) whose one thread,
 * in the real-time class as the speaker's heartbeat thread is, waits 10 ms at a time and records
 * how late it woke. A real-time thread that wakes late was not held back by busier threads: the
 * machine did not run it (a virtual CPU the host did not schedule, kernel work). A speaker cannot
 * beat that, so a soak's view changes count against IronLB only beyond these stalls.
 *
 * <p>One probe per CPU, each pinned to its CPU ({@code taskset}): on a virtual machine one virtual
 * CPU can stop while the other runs, and a thread that was running on the stopped one waits with
 * it; a single probe on the other CPU would not see that.
 */
final class StallProbe {

  private static final long PERIOD_NANOS = Duration.ofMillis(10).toNanos();

  /** Wake-ups, how many were later than 50 ms and 150 ms (the heartbeat timeout), the latest, in ms. */
  record Stalls(long wakeUps, long over50Ms, long over150Ms, double maxMs, boolean realTime) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("wakeUps", wakeUps);
      m.put("over50Ms", over50Ms);
      m.put("over150Ms", over150Ms);
      m.put("maxMs", maxMs);
      m.put("realTime", realTime);
      return m;
    }

    static Stalls parse(String line) {
      String[] f = line.strip().split(" ");
      return new Stalls(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]), Boolean.parseBoolean(f[4]));
    }
  }

  private StallProbe() {}

  /** Runs for {@code args[0]} seconds, then prints its {@link Stalls} as one line. */
  public static void main(String[] args) {
    long seconds = Long.parseLong(args[0]);
    boolean realTime = LinuxLayer2.makeCurrentThreadRealTime("stall probe", "it measures the scheduler too");
    LinuxLayer2.makeCollectorRealTime("it has nothing to collect");
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    long wakeUps = 0;
    long over50 = 0;
    long over150 = 0;
    long max = 0;
    for (long due = System.nanoTime() + PERIOD_NANOS; due - end < 0; due += PERIOD_NANOS) {
      LockSupport.parkNanos(due - System.nanoTime());
      long late = System.nanoTime() - due;
      wakeUps++;
      over50 += late > 50_000_000 ? 1 : 0;
      over150 += late > 150_000_000 ? 1 : 0;
      max = Math.max(max, late);
      if (late > PERIOD_NANOS) {
        due = System.nanoTime(); // no burst of catch-up wake-ups after a stall
      }
    }
    System.out.printf(Locale.ROOT, "%d %d %d %.1f %b%n", wakeUps, over50, over150, max / 1e6, realTime);
  }

  /** The probes as child processes, one pinned to each CPU (when {@code taskset} is there), started now for {@code phase}. */
  static List<Process> start(Duration phase) {
    boolean pin = Commands.onPath("taskset");
    int cpus = pin ? Runtime.getRuntime().availableProcessors() : 1;
    List<Process> probes = new ArrayList<>();
    for (int cpu = 0; cpu < cpus; cpu++) {
      List<String> argv = new ArrayList<>();
      if (pin) {
        argv.addAll(List.of("taskset", "-c", Integer.toString(cpu)));
      }
      argv.addAll(SelfCommand.mainArgv("16m", StallProbe.class, Long.toString(Math.max(1, phase.toSeconds()))));
      try {
        probes.add(new ProcessBuilder(argv).redirectErrorStream(false).start());
      } catch (IOException e) {
        probes.forEach(Process::destroyForcibly);
        throw new UncheckedIOException("cannot start the stall probe: " + e.getMessage(), e);
      }
    }
    return probes;
  }

  /**
   * Waits for every probe to print its result (at most {@code patience} more) and sums them: wake-ups
   * and stalls added, the latest the longest. Empty when one did not answer.
   */
  static Optional<Stalls> result(List<Process> probes, Duration patience) {
    List<Stalls> each = new ArrayList<>();
    for (Process p : probes) {
      Optional<Stalls> s = result(p, patience);
      if (s.isEmpty()) {
        return Optional.empty();
      }
      each.add(s.get());
    }
    return Optional.of(new Stalls(each.stream().mapToLong(Stalls::wakeUps).sum(), each.stream().mapToLong(Stalls::over50Ms).sum(),
        each.stream().mapToLong(Stalls::over150Ms).sum(), each.stream().mapToDouble(Stalls::maxMs).max().orElse(0),
        each.stream().allMatch(Stalls::realTime)));
  }

  /** Waits for {@code p} to print its result (at most {@code patience} more); empty when it did not. */
  private static Optional<Stalls> result(Process p, Duration patience) {
    try {
      if (!p.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return out.isBlank() ? Optional.empty() : Optional.of(Stalls.parse(out));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
