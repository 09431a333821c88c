package io.ironlb.k8s;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Supplier;

/** Small rules for writing to the API server that every component follows. */
public final class Writes {
  private static final int ATTEMPTS = 5;

  private Writes() {}

  /**
   * Runs a read-modify-write again when someone else changed the object in between (HTTP 409).
   * Edits here touch one field each, so re-reading and re-applying is always right.
   */
  public static <T> T retryOnConflict(Supplier<T> edit) {
    for (int attempt = 1; ; attempt++) {
      try {
        return edit.get();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
