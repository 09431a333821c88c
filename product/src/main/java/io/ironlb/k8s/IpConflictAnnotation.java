package io.ironlb.k8s;

import io.ironlb.announce.ConflictMark;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.Vip;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ironlb.io/ip-conflict} on a Service: {@code "<ip> <mac>"}, written by the speaker that
 * found a device outside the cluster on the address, read by the controller (the address is taken),
 * {@code ironlb status} and {@code ironlb check}. The one place that writes and reads the format.
 */
public final class IpConflictAnnotation {
  public static final String KEY = IronLb.ANNOTATION_IP_CONFLICT;

  private IpConflictAnnotation() {}

  public static String format(ConflictMark mark) {
    return mark.ip().text() + " " + mark.mac();
  }

  /**
   * The mark, if the Service carries a readable one. A hand-edited value with an unreadable MAC
   * still marks the address (the controller must keep it out of use); the MAC is then ZERO.
   */
  public static Optional<ConflictMark> read(Map<String, String> annotations) {
    String value = annotations == null ? null : annotations.get(KEY);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String[] parts = value.strip().split("\\s+", 2);
    Optional<Vip> ip = Vip.parse(parts[0]);
    if (ip.isEmpty()) {
      return Optional.empty();
    }
    MacAddress mac = MacAddress.ZERO;
    if (parts.length > 1) {
      try {
        mac = MacAddress.parse(parts[1].strip());
      } catch (IllegalArgumentException e) {
        // keep ZERO: the address is what matters to the controller
      }
    }
    return Optional.of(new ConflictMark(ip.get(), mac));
  }

  /** The raw value, for display ("198.51.100.50 3c:22:fb:00:00:50"), or null when there is none. */
  public static String raw(Map<String, String> annotations) {
    return annotations == null ? null : annotations.get(KEY);
  }
}
