package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The API client's pools keep their threads, so a quiet speaker starts none (see KeptThreads). */
class KeptThreadsTest {

  @Test
  void aPoolKeepsItsThreadsOnceTheWorkIsDoneAndStartsMoreWhenBusy() throws Exception {
    ThreadPoolExecutor p = (ThreadPoolExecutor) KeptThreads.pool("kept-test");
    try {
      CountDownLatch hold = new CountDownLatch(1);
      for (int i = 0; i < 4; i++) {
        p.execute(() -> {
          try {
            hold.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      }
      assertThat(p.getPoolSize()).as("four tasks at once: four threads, none queued").isEqualTo(4);
      hold.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> p.getActiveCount() == 0);
      assertThat(p.allowsCoreThreadTimeOut()).isFalse();
      assertThat(p.getCorePoolSize()).isEqualTo(KeptThreads.KEPT);
      assertThat(p.getKeepAliveTime(TimeUnit.MINUTES)).isEqualTo(KeptThreads.EXTRA_IDLE_MINUTES);
      assertThat(p.getPoolSize()).isGreaterThanOrEqualTo(KeptThreads.KEPT);
    } finally {
      p.shutdownNow();
    }
  }

  @Test
  void theHttpClientAndTheTasksRunOnPoolsThatKeepTheirThreads() {
    HttpClient http = new KeptThreads.HttpClients().createNewHttpClientBuilder().build();
    assertThat(http.executor()).get().isInstanceOfSatisfying(ThreadPoolExecutor.class,
        e -> assertThat(e.getCorePoolSize()).isEqualTo(KeptThreads.KEPT));
    ((ExecutorService) http.executor().orElseThrow()).shutdownNow();
    KeptThreads.Tasks tasks = new KeptThreads.Tasks();
    ExecutorService t = (ExecutorService) tasks.get();
    assertThat(t).isInstanceOfSatisfying(ThreadPoolExecutor.class, e -> assertThat(e.getCorePoolSize()).isEqualTo(KeptThreads.KEPT));
    tasks.onClose(t);
    assertThat(t.isShutdown()).isTrue();
  }
}
