package io.ironlb.model;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * IP addresses as text the way Kubernetes and MetalLB write them: dotted quads and RFC 5952
 * compressed IPv6 ({@code 2001:db8::c8}, not Java's {@code 2001:db8:0:0:0:0:0:c8}). The election
 * hashes this text, so it must match MetalLB's byte for byte.
 */
public final class IpText {
  private IpText() {}

  public static String format(InetAddress ip) {
    if (!(ip instanceof Inet6Address)) {
      return ip.getHostAddress();
    }
    byte[] b = ip.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
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

  /** Parses an IP literal; never resolves a host name. */
  public static Optional<InetAddress> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    String t = text.strip();
    if (!t.matches("[0-9a-fA-F:.]+") || !(t.contains(":") || t.chars().filter(c -> c == '.').count() == 3)) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(t));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}
