package io.ironlb.k8s;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ironlb.io/speaker-joined} on a Node: when its speaker (since it last started) first joined a
 * membership view with other speakers. Every speaker reads the same value, so all agree how long a
 * returning node has been back (the failback hold-down).
 */
public final class SpeakerJoinedAnnotation {
  public static final String KEY = "ironlb.io/speaker-joined";

  private SpeakerJoinedAnnotation() {}

  public static String format(Instant at) {
    return at.toString();
  }

  /** Empty when absent or unreadable (a node that has not said is treated as long joined). */
  public static Optional<Instant> read(Map<String, String> annotations) {
    String v = annotations == null ? null : annotations.get(KEY);
    try {
      return v == null ? Optional.empty() : Optional.of(Instant.parse(v.strip()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
