package io.ironlb.k8s;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ironlb.io/verified} on a ServiceL2Status: {@code "owner=NODE by=NODE at=TIME"}, written by the
 * speaker that checks the announcing node answers ARP/NDP for the address (the next in line), when
 * the owner changes and then every ten minutes at most. {@code ironlb status} shows it while
 * {@code owner} is still the announcer.
 */
public final class VerifiedAnnotation {
  public static final String KEY = "ironlb.io/verified";

  /** {@code by} saw {@code owner} answer at {@code at}. */
  public record Verified(String owner, String by, Instant at) {}

  private VerifiedAnnotation() {}

  public static String format(Verified v) {
    return "owner=" + v.owner() + " by=" + v.by() + " at=" + v.at();
  }

  public static Optional<Verified> read(Map<String, String> annotations) {
    String v = annotations == null ? null : annotations.get(KEY);
    if (v == null) {
      return Optional.empty();
    }
    String owner = null;
    String by = null;
    Instant at = null;
    for (String part : v.strip().split("\\s+")) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String value = part.substring(eq + 1);
      switch (part.substring(0, eq)) {
        case "owner" -> owner = value;
        case "by" -> by = value;
        case "at" -> {
          try {
            at = Instant.parse(value);
          } catch (RuntimeException e) {
            return Optional.empty();
          }
        }
        default -> { }
      }
    }
    return owner == null || by == null || at == null ? Optional.empty() : Optional.of(new Verified(owner, by, at));
  }
}
