package io.ironlb.bench;

import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where the kernel lost or delayed packets during a soak: the counters it keeps per namespace
 * ({@code /proc/net/netstat}, {@code /proc/net/snmp}, {@code /proc/net/stat/nf_conntrack}) and
 * per CPU ({@code /proc/net/softnet_stat}), read before and after. A single SYN lost anywhere is a
 * failed request (its retransmission comes after the client's 1 s timeout); these name the place
 * (a listener's full accept queue, a CPU's full backlog, a conntrack clash) without a packet
 * capture, whose own load would change the run.
 */
final class KernelDrops {

  /** Counters worth reading: losses, overflows, retransmissions, timeouts, PAWS and clashes. */
  static final Pattern KEPT = Pattern.compile(
      "(?i).*(drop|overflow|retrans|timeout|paws|fail|prune|collapse|err|reset|rst|abort|clash|invalid|squeeze|restart).*");

  private KernelDrops() {}

  /** Every namespace's counters now, keyed by namespace ({@code "-"}: the machine's per-CPU ones). */
  static Map<String, Map<String, Long>> read(List<String> namespaces) {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    for (String ns : namespaces) {
      CommandResult r = Commands.run(Duration.ofSeconds(10), "ip", "netns", "exec", ns, "sh", "-c",
          "cat /proc/net/netstat /proc/net/snmp; echo ==; cat /proc/net/stat/nf_conntrack 2>/dev/null");
      String[] parts = r.stdout().split("(?m)^==$", 2);
      Map<String, Long> counters = new TreeMap<>(pairs(parts[0]));
      if (parts.length > 1) {
        table(parts[1]).forEach((k, v) -> counters.put("conntrack." + k, v));
      }
      out.put(ns, counters);
    }
    try {
      out.put("-", softnet(Files.readAllLines(Path.of("/proc/net/softnet_stat"))));
    } catch (IOException e) {
      out.put("-", Map.of());
    }
    return out;
  }

  /** What grew from {@code before} to {@code after}, kept counters only, per namespace; none: absent. */
  static Map<String, Map<String, Long>> grown(Map<String, Map<String, Long>> before, Map<String, Map<String, Long>> after) {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    after.forEach((ns, now) -> {
      Map<String, Long> was = before.getOrDefault(ns, Map.of());
      Map<String, Long> grew = new TreeMap<>();
      now.forEach((name, v) -> {
        long d = v - was.getOrDefault(name, 0L);
        if (d > 0 && KEPT.matcher(name).matches()) {
          grew.put(name, d);
        }
      });
      if (!grew.isEmpty()) {
        out.put(ns, grew);
      }
    });
    return out;
  }

  /**
   * {@code /proc/net/netstat} and {@code /proc/net/snmp}: pairs of lines, names then values, each
   * starting with the same {@code Group:}; counters come out as {@code Group.Name}.
   */
  static Map<String, Long> pairs(String text) {
    Map<String, Long> out = new LinkedHashMap<>();
    String[] lines = text.strip().split("\n");
    for (int i = 0; i + 1 < lines.length; i += 2) {
      String[] names = lines[i].trim().split("\\s+");
      String[] values = lines[i + 1].trim().split("\\s+");
      if (names.length != values.length || !names[0].equals(values[0]) || !names[0].endsWith(":")) {
        i--; // out of step (a line of another format): realign on the next line
        continue;
      }
      String group = names[0].substring(0, names[0].length() - 1);
      for (int j = 1; j < names.length; j++) {
        try {
          out.put(group + "." + names[j], Long.parseLong(values[j]));
        } catch (NumberFormatException e) {
          // not a counter (the kernel prints none such today)
        }
      }
    }
    return out;
  }

  /** {@code /proc/net/stat/*}: a header of names, then one row of hexadecimal values per CPU, summed. */
  static Map<String, Long> table(String text) {
    Map<String, Long> out = new LinkedHashMap<>();
    String[] lines = text.strip().split("\n");
    if (lines.length < 2) {
      return out;
    }
    String[] names = lines[0].trim().split("\\s+");
    for (int i = 1; i < lines.length; i++) {
      String[] values = lines[i].trim().split("\\s+");
      for (int j = 0; j < Math.min(names.length, values.length); j++) {
        if (!names[j].equals("entries")) { // a gauge, the same in every row
          out.merge(names[j], Long.parseLong(values[j], 16), Long::sum);
        }
      }
    }
    return out;
  }

  /**
   * {@code /proc/net/softnet_stat}: a row per CPU, unnamed hexadecimal columns; the second counts
   * packets dropped because the CPU's backlog was full, the third the times its softirq ran out of
   * budget with packets left.
   */
  static Map<String, Long> softnet(List<String> rows) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String row : rows) {
      String[] v = row.trim().split("\\s+");
      if (v.length >= 3) {
        out.merge("softnet.backlogDropped", Long.parseLong(v[1], 16), Long::sum);
        out.merge("softnet.timeSqueezed", Long.parseLong(v[2], 16), Long::sum);
      }
    }
    return out;
  }
}
