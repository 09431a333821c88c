package io.ironlb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pool's threads exist before the first task and are the only ones it ever runs tasks on. */
class SteadyThreadsTest {

  @Test
  void everyThreadIsStartedBeforeTheFirstTaskAndNoneLater() throws Exception {
    ExecutorService pool = SteadyThreads.pool("steady", 3);
    try {
      ThreadPoolExecutor executor = (ThreadPoolExecutor) pool;
      assertThat(executor.getPoolSize()).as("started at once").isEqualTo(3);

      Set<String> ranOn = ConcurrentHashMap.newKeySet();
      Set<Boolean> daemon = ConcurrentHashMap.newKeySet();
      CountDownLatch done = new CountDownLatch(50);
      for (int i = 0; i < 50; i++) {
        pool.execute(() -> {
          ranOn.add(Thread.currentThread().getName());
          daemon.add(Thread.currentThread().isDaemon());
          done.countDown();
        });
      }
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      // A thread started later (one replacing a retired thread, say) would be named steady-3.
      assertThat(Set.of("steady-0", "steady-1", "steady-2")).as("no thread started later").containsAll(ranOn);
      assertThat(daemon).as("they never keep the JVM alive").containsExactly(true);
    } finally {
      pool.shutdownNow();
    }
  }
}
