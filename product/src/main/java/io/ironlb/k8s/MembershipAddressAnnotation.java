package io.ironlb.k8s;

import io.ironlb.model.IpText;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ironlb.io/membership-address} on a Node: {@code "<ip>:<port>"} where its speaker's
 * membership listens (IPv6 unbracketed; the port follows the last colon), so the other speakers
 * find their peers, and {@code ironlb status} and {@code check} see which nodes run a speaker.
 */
public final class MembershipAddressAnnotation {
  public static final String KEY = IronLb.ANNOTATION_MEMBERSHIP;

  private MembershipAddressAnnotation() {}

  public static String format(InetAddress ip, int port) {
    return IpText.format(ip) + ":" + port;
  }

  /** Empty when the Node has none; throws IllegalArgumentException naming the value when it is unreadable. */
  public static Optional<InetSocketAddress> read(Map<String, String> annotations) {
    String value = raw(annotations);
    if (value == null) {
      return Optional.empty();
    }
    int colon = value.lastIndexOf(':');
    Optional<InetAddress> ip = colon < 0 ? Optional.empty() : IpText.parse(value.substring(0, colon));
    int port = -1;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      // reported below
    }
    if (ip.isEmpty() || port < 1 || port > 65535) {
      throw new IllegalArgumentException(KEY + " \"" + value + "\" is not <ip>:<port>");
    }
    return Optional.of(new InetSocketAddress(ip.get(), port));
  }

  /** The value as written, or null. */
  public static String raw(Map<String, String> annotations) {
    String value = annotations == null ? null : annotations.get(KEY);
    return value == null || value.isBlank() ? null : value.strip();
  }
}
