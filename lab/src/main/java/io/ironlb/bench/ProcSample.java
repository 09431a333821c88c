package io.ironlb.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One look at a process through {@code /proc}: its CPU time so far (user + system, all threads),
 * each thread's CPU time by thread name (threads of one name summed, so a pool counts as one), its
 * resident memory and peak. Two samples give the CPU a stretch of work cost, and which threads
 * spent it.
 */
record ProcSample(long pid, long cpuMillis, Map<String, Long> threadCpuMillis, long rssKiB, long peakKiB) {

  /** Clock ticks per second of {@code /proc/PID/stat}'s times; 100 on every Linux this runs on. */
  static final long TICKS_PER_SECOND = 100;

  /** Empty when the process is gone. */
  static Optional<ProcSample> of(long pid) {
    Path proc = Path.of("/proc", String.valueOf(pid));
    try {
      long cpu = cpuMillis(Files.readString(proc.resolve("stat")));
      Map<String, Long> threads = new LinkedHashMap<>();
      try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
        for (Path task : tasks.toList()) {
          try {
            String stat = Files.readString(task.resolve("stat"));
            threads.merge(threadName(stat), cpuMillis(stat), Long::sum);
          } catch (IOException e) {
            // the thread ended meanwhile
          }
        }
      }
      long rss = 0;
      long peak = 0;
      for (String line : Files.readAllLines(proc.resolve("status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kib(line);
        } else if (line.startsWith("VmHWM:")) {
          peak = kib(line);
        }
      }
      return Optional.of(new ProcSample(pid, cpu, threads, rss, peak));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** utime + stime (fields 14 and 15) of a {@code stat} line, in ms. */
  static long cpuMillis(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / TICKS_PER_SECOND;
  }

  /** The name between the parentheses, with a trailing number dropped ({@code pool-1-thread-3} counts as {@code pool-1-thread-}). */
  static String threadName(String stat) {
    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    return name.replaceAll("\\d+$", "");
  }

  private static long kib(String line) {
    return Long.parseLong(line.substring(line.indexOf(':') + 1).replace("kB", "").strip());
  }

  /** CPU ms this process spent since {@code before}. */
  long cpuSince(ProcSample before) {
    return cpuMillis - before.cpuMillis;
  }

  /** The {@code n} threads that spent most CPU since {@code before}, most first. */
  Map<String, Long> busiestThreadsSince(ProcSample before, int n) {
    Map<String, Long> out = new LinkedHashMap<>();
    threadCpuMillis.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.threadCpuMillis.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(n)
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }
}
