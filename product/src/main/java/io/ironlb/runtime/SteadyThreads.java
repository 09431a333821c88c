package io.ironlb.runtime;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A fixed pool of platform threads, all started at once and kept, for work that must run on time on
 * a saturated machine: on one, starting a thread under load stalled a whole JVM at a safepoint for
 * up to a second (bench/soak, -XX:+SafepointTimeout), the speaker's heartbeat thread with it.
 * Virtual threads do not avoid that: their carrier threads are started and retired as they block.
 * Used by the speaker, and by the lab's apps and the benchmarks' client loops.
 */
public final class SteadyThreads {

  private SteadyThreads() {}

  /** {@code threads} daemon threads named {@code name-0}, {@code name-1}, and so on. */
  public static ExecutorService pool(String name, int threads) {
    ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        Thread.ofPlatform().daemon().name(name + "-", 0).factory());
    p.prestartAllCoreThreads();
    return p;
  }
}
