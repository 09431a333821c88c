package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ApiRetryTest {

  private static KubernetesClientException noAnswer() {
    return new KubernetesClientException("Operation: [get] failed", new ConnectException("Connection refused"));
  }

  private static KubernetesClientException status(int code) {
    return new KubernetesClientException("refused", code, null);
  }

  @Test
  void anUnavailableServerIsWaitedForUntilItAnswers() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    String node = ApiRetry.whileUnavailable("reading Node n1", Duration.ofSeconds(30), () -> {
      switch (calls.incrementAndGet()) {
        case 1 -> throw noAnswer();
        case 2 -> throw status(503);
        case 3 -> throw status(429);
        default -> {
          return "n1";
        }
      }
    });
    assertThat(node).isEqualTo("n1");
    assertThat(calls).hasValue(4);
  }

  @Test
  void aRefusalIsAConfigurationErrorAndIsThrownAtOnce() {
    for (int code : new int[] {401, 403, 404, 422}) {
      AtomicInteger calls = new AtomicInteger();
      assertThatThrownBy(() -> ApiRetry.whileUnavailable("reading Node n1", Duration.ofSeconds(30), () -> {
        calls.incrementAndGet();
        throw status(code);
      })).isInstanceOf(KubernetesClientException.class).extracting(e -> ((KubernetesClientException) e).getCode()).isEqualTo(code);
      assertThat(calls).as("HTTP %d", code).hasValue(1);
    }
  }

  @Test
  void whenThePatienceRunsOutTheLastFailureIsThrown() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> ApiRetry.whileUnavailable("reading Node n1", Duration.ofMillis(600), () -> {
      throw noAnswer();
    })).isInstanceOf(KubernetesClientException.class).hasRootCauseInstanceOf(ConnectException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }
}
