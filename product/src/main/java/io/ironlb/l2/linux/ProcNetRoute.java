package io.ironlb.l2.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The default routes in the kernel's text tables {@code /proc/net/route} (IPv4, main table) and
 * {@code /proc/net/ipv6_route}: the interface of each route to 0.0.0.0/0 or ::/0 that is up and
 * not a reject route (the kernel lists its own {@code ::/0} null entry on {@code lo} with the
 * reject flag), in the order listed, each once. A line that does not read as a route is skipped:
 * a format this version does not know must cost the answer, never the speaker.
 */
final class ProcNetRoute {
  private static final long RTF_UP = 0x0001;
  private static final long RTF_REJECT = 0x0200;
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final Pattern HEX = Pattern.compile("[0-9A-Fa-f]+");
  private static final Pattern ZEROS_32 = Pattern.compile("0{32}");

  private ProcNetRoute() {}

  /**
   * {@code /proc/net/route}: a header line, then {@code Iface Destination Gateway Flags RefCnt Use
   * Metric Mask MTU Window IRTT}, addresses and flags in hex.
   */
  static List<String> ipv4Defaults(String table) {
    List<String> out = new ArrayList<>();
    for (String line : table.split("\n")) {
      String[] f = WHITESPACE.split(line.strip());
      if (f.length < 8 || f[0].equals("*") || f[0].equals("Iface")) {
        continue;
      }
      if (zero(f[1], 8) && zero(f[7], 8) && usable(f[3]) && !out.contains(f[0])) {
        out.add(f[0]);
      }
    }
    return out;
  }

  /**
   * {@code /proc/net/ipv6_route}, no header: {@code destination prefix-length source
   * prefix-length next-hop metric refcount use flags device}, in hex. A source-specific default
   * (a source prefix other than 0) serves only that source, so it does not count.
   */
  static List<String> ipv6Defaults(String table) {
    List<String> out = new ArrayList<>();
    for (String line : table.split("\n")) {
      String[] f = WHITESPACE.split(line.strip());
      if (f.length < 10 || f[9].equals("lo")) {
        continue;
      }
      if (ZEROS_32.matcher(f[0]).matches() && zero(f[1], 2) && zero(f[3], 2) && usable(f[8]) && !out.contains(f[9])) {
        out.add(f[9]);
      }
    }
    return out;
  }

  private static boolean zero(String field, int digits) {
    return field.length() == digits && HEX.matcher(field).matches() && Long.parseLong(field, 16) == 0;
  }

  private static boolean usable(String flags) {
    if (flags.isEmpty() || flags.length() > 8 || !HEX.matcher(flags).matches()) {
      return false;
    }
    long bits = Long.parseLong(flags, 16);
    return (bits & RTF_UP) != 0 && (bits & RTF_REJECT) == 0;
  }
}
