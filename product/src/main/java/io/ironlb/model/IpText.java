package io.ironlb.model;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * IP address text, strictly and without DNS: {@code InetAddress.getByName} would resolve a host
 * name such as {@code "foo"}, which must never happen for an annotation value.
 */
public final class IpText {

  private IpText() {}

  /**
   * Parses an IPv4 dotted quad (no leading zeros, as Go and Kubernetes require) or an IPv6
   * literal (no zone). Surrounding whitespace is tolerated.
   */
  public static Optional<InetAddress> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String s = text.strip();
    if (s.isEmpty()) {
      return Optional.empty();
    }
    if (s.indexOf(':') < 0) {
      return parseV4(s);
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
      if (!ok) {
        return Optional.empty();
      }
    }
    if (s.indexOf('.') >= 0) {
      // An embedded IPv4 tail must itself be a strict dotted quad.
      int lastColon = s.lastIndexOf(':');
      if (parseV4(s.substring(lastColon + 1)).isEmpty()) {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(InetAddress.ofLiteral(s));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Optional<InetAddress> parseV4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return Optional.empty();
    }
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        return Optional.empty();
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        char c = p.charAt(j);
        if (c < '0' || c > '9') {
          return Optional.empty();
        }
        v = v * 10 + (c - '0');
      }
      if (v > 255) {
        return Optional.empty();
      }
      b[i] = (byte) v;
    }
    try {
      return Optional.of(InetAddress.getByAddress(b));
    } catch (java.net.UnknownHostException e) {
      return Optional.empty();
    }
  }

  /** Canonical text: IPv4 dotted quad; IPv6 compressed per RFC 5952 ({@code 2001:db8::1}), no zone. */
  public static String format(InetAddress a) {
    if (a instanceof Inet4Address) {
      return a.getHostAddress();
    }
    byte[] b = a.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
    }
    // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen && j - i >= 2) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  public static boolean isV6(InetAddress a) {
    return a instanceof Inet6Address;
  }
}
