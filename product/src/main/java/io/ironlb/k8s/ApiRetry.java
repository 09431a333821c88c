package io.ironlb.k8s;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up reads that wait for the API server instead of ending the process. After a power cut a
 * home lab's nodes boot together and the speakers start before the API server answers; a speaker
 * that exited there would be restarted by the kubelet with a back-off that grows to five minutes,
 * and its node would announce nothing for that long after the API came back.
 */
public final class ApiRetry {
  private static final Logger log = LoggerFactory.getLogger(ApiRetry.class);
  private static final Duration FIRST_PAUSE = Duration.ofMillis(250);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(5);

  private ApiRetry() {}

  /**
   * Runs {@code call} until the API server answers it, for at most {@code patience}. Only an
   * unavailable server is waited for (no answer, 429, 5xx); any other refusal (401, 403, 404, a
   * bad request) is a configuration error and is thrown at once, as is the last failure when the
   * patience runs out.
   */
  public static <T> T whileUnavailable(String what, Duration patience, Supplier<T> call) throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    Duration pause = FIRST_PAUSE;
    String lastProblem = null;
    while (true) {
      try {
        T answer = call.get();
        if (lastProblem != null) {
          log.info("the API server answered: {}", what, kv("event", "apiAvailable"));
        }
        return answer;
      } catch (KubernetesClientException e) {
        if (!unavailable(e) || System.nanoTime() + pause.toNanos() > deadline) {
          throw e;
        }
        String problem = describe(e);
        if (!problem.equals(lastProblem)) {
          log.warn("the API server does not answer ({}); {} again in up to {} s, for at most {} s", problem, what,
              LONGEST_PAUSE.toSeconds(), patience.toSeconds(), kv("event", "apiUnavailable"));
          lastProblem = problem;
        }
      }
      Thread.sleep(pause.toMillis());
      pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
    }
  }

  /** No HTTP answer at all (refused, reset, timed out), too many requests, or a server-side error. */
  static boolean unavailable(KubernetesClientException e) {
    int code = e.getCode(); // -1 (or 0) when no HTTP status came back
    return code <= 0 || code == 429 || code >= 500;
  }

  private static String describe(KubernetesClientException e) {
    if (e.getCode() > 0) {
      return "HTTP " + e.getCode();
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
