package io.ironlb.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code /proc} and {@code jcmd} say about a running JVM, for {@code bench/footprint}: resident
 * memory and its parts, the CPU time and wake-ups of each thread, and (when the JVM runs with
 * {@code -XX:NativeMemoryTracking=summary}) where its memory goes.
 */
final class ProcFacts {

  private ProcFacts() {}

  /** {@code VmRSS}, {@code VmHWM}, {@code RssAnon}, {@code RssFile} in KiB and {@code Threads}; empty when the process is gone. */
  static Map<String, Long> status(long pid) {
    Map<String, Long> out = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        int colon = line.indexOf(':');
        String key = colon < 0 ? "" : line.substring(0, colon);
        if (List.of("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads").contains(key)) {
          out.put(key, Long.parseLong(line.substring(colon + 1).replace("kB", "").strip()));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Map.of();
    }
    return out;
  }

  /** One thread: its name as the kernel keeps it (15 characters), CPU clock ticks and context switches so far. */
  record ThreadTime(long tid, String name, long ticks, long switches) {}

  static List<ThreadTime> threads(long pid) {
    List<ThreadTime> out = new ArrayList<>();
    Path tasks = Path.of("/proc", String.valueOf(pid), "task");
    try (var list = Files.list(tasks)) {
      for (Path task : list.toList()) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime (fields 14 and 15)
          long switches = 0;
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
              switches += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
          }
          out.add(new ThreadTime(Long.parseLong(task.getFileName().toString()), name, ticks, switches));
        } catch (IOException | RuntimeException ended) {
          // the thread ended between listing and reading
        }
      }
    } catch (IOException gone) {
      return List.of();
    }
    return out;
  }

  /**
   * What a thread is for, from its name ({@code comm}, cut at 15 characters): membership (JGroups and
   * IronLB's membership and heartbeat threads), the data plane, the speaker's own worker, the
   * Kubernetes client, metrics, the JVM's own threads, or other.
   */
  static String group(String threadName) {
    String n = threadName;
    if (n.startsWith("Timer runner") || n.startsWith("pd-bundler") || n.startsWith("Connection.") || n.startsWith("jgroups-")
        || n.startsWith("ironlb-membersh") || n.startsWith("ironlb-heartbea") || n.startsWith("req-rsp-timeout") || n.startsWith("TcpServer") || n.startsWith("FD_SOCK")
        || n.startsWith("TQ-Bundler") || n.startsWith("ViewHandler") || n.startsWith("Merger") || n.startsWith("VERIFY_SUSPECT")) {
      return "membership";
    }
    if (n.startsWith("l2-")) {
      return "dataPlane";
    }
    if (n.equals("speaker")) {
      return "speaker";
    }
    if (n.startsWith("HttpClient") || n.startsWith("JdkHttpClient") || n.contains("pool-") || n.startsWith("ForkJoinPool")
        || n.startsWith("CachedSingleThr") || n.startsWith("informer") || n.startsWith("Informer")) {
      return "kubernetesClient";
    }
    if (n.startsWith("HTTP-Dispatcher") || n.startsWith("prometheus") || n.startsWith("metrics-http")) {
      return "metrics";
    }
    if (n.startsWith("C1 ") || n.startsWith("C2 ") || n.startsWith("VM ") || n.startsWith("Monitor Deflati") || n.equals("Service Thread")
        || n.startsWith("Common-Cleaner") || n.startsWith("Reference Handl") || n.equals("Finalizer") || n.startsWith("Signal Dispatch")
        || n.startsWith("Notification Th") || n.startsWith("GC Thread") || n.startsWith("Attach Listener")) {
      return "jvm";
    }
    return "other";
  }

  /**
   * The JVM's memory by NMT category, in KiB committed, plus heap use and the part of the resident
   * set NMT does not track (the JVM's own code, libc's malloc slack, mapped files); empty when the
   * JVM runs without NMT.
   */
  static Map<String, Long> breakdown(long pid, long rssKiB) {
    Optional<String> nmt = jcmd(pid, "VM.native_memory", "summary");
    if (nmt.isEmpty() || !nmt.get().contains("Total: reserved=")) {
      return Map.of();
    }
    Map<String, Long> out = new LinkedHashMap<>();
    String text = nmt.get();
    long heapCommitted = category(text, "Java Heap");
    Optional<String> heapInfo = jcmd(pid, "GC.heap_info");
    long heapResident = heapInfo.flatMap(i -> heapResident(pid, i)).orElse(heapCommitted);
    out.put("heap", heapResident);
    out.put("heapCommitted", heapCommitted);
    heapInfo.flatMap(ProcFacts::heapUsed).ifPresent(u -> out.put("heapUsed", u));
    out.put("metaspace", metaspaceLine(text, "Metadata"));
    out.put("classSpace", metaspaceLine(text, "Class space"));
    out.put("cds", category(text, "Shared class space"));
    out.put("codeCache", category(text, "Code"));
    out.put("threads", category(text, "Thread"));
    out.put("gc", category(text, "GC"));
    out.put("symbols", category(text, "Symbol"));
    long total = total(text);
    long classCategory = category(text, "Class") + category(text, "Metaspace");
    // NMT's own categories, the heap as committed: what is left of its total is the other native memory.
    long listed = heapCommitted + classCategory + out.get("cds") + out.get("codeCache") + out.get("threads") + out.get("gc")
        + out.get("symbols");
    long nmtSelf = category(text, "Native Memory Tracking");
    out.put("otherNative", Math.max(0, total - listed - nmtSelf));
    out.put("nmtOverhead", nmtSelf);
    out.put("nmtTotal", total);
    // NMT counts the heap as committed; only its touched pages are resident.
    out.put("notTracked", rssKiB - (total - heapCommitted + heapResident));
    return out;
  }

  private static long total(String nmt) {
    Matcher m = Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB").matcher(nmt);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static long category(String nmt, String name) {
    Matcher m = Pattern.compile("-\\s+" + Pattern.quote(name) + " \\(reserved=\\d+KB, committed=(\\d+)KB").matcher(nmt);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** "Metadata:" and "Class space:" are followed by "(reserved=..KB, committed=..KB)" on the next line. */
  private static long metaspaceLine(String nmt, String name) {
    Matcher m = Pattern.compile(Pattern.quote(name) + ":\\s*\\)\\s*\\(\\s*reserved=\\d+KB, committed=(\\d+)KB").matcher(nmt);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** The heap in use from {@code GC.heap_info} (serial collector: DefNew and Tenured "used"). */
  private static Optional<Long> heapUsed(String info) {
    Matcher m = Pattern.compile("^\\s*(DefNew|Tenured|garbage-first heap|ZHeap)\\s+total \\d+K, used (\\d+)K", Pattern.MULTILINE)
        .matcher(info);
    long used = 0;
    boolean any = false;
    while (m.find()) {
      used += Long.parseLong(m.group(2));
      any = true;
    }
    return any ? Optional.of(used) : Optional.empty();
  }

  /**
   * The heap's resident KiB: the {@code Rss} of the mappings inside the address range that
   * {@code GC.heap_info} prints for its generations ({@code [start, top, end)}).
   */
  private static Optional<Long> heapResident(long pid, String heapInfo) {
    Matcher m = Pattern.compile("\\[0x([0-9a-f]+), 0x[0-9a-f]+, 0x([0-9a-f]+)\\)").matcher(heapInfo);
    long low = Long.MAX_VALUE;
    long high = 0;
    while (m.find()) {
      low = Math.min(low, Long.parseUnsignedLong(m.group(1), 16));
      high = Math.max(high, Long.parseUnsignedLong(m.group(2), 16));
    }
    if (high == 0) {
      return Optional.empty();
    }
    long rss = 0;
    boolean inside = false;
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "smaps"))) {
        Matcher range = MAPPING.matcher(line);
        if (range.lookingAt()) {
          long start = Long.parseUnsignedLong(range.group(1), 16);
          long end = Long.parseUnsignedLong(range.group(2), 16);
          inside = start >= low && end <= high;
        } else if (inside && line.startsWith("Rss:")) {
          rss += Long.parseLong(line.substring(4).replace("kB", "").strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.of(rss);
  }

  private static final Pattern MAPPING = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");

  private static Optional<String> jcmd(long pid, String... command) {
    List<String> argv = new ArrayList<>();
    argv.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    argv.add(String.valueOf(pid));
    argv.addAll(List.of(command));
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  static String mib(long kib) {
    return String.format(Locale.ROOT, "%.1f", kib / 1024.0);
  }
}
