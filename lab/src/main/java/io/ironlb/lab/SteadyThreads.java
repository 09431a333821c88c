package io.ironlb.lab;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A fixed pool of platform threads, all started at once, for the lab's apps and the benchmarks'
 * client loops: they must answer and ask on time on a saturated machine, and on this one starting a
 * thread under load stalled a whole JVM for up to a second (bench/soak, -XX:+SafepointTimeout).
 * Virtual threads do not avoid that: their carrier threads are started and retired as they block.
 */
public final class SteadyThreads {

  private SteadyThreads() {}

  public static ExecutorService pool(String name, int threads) {
    ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        Thread.ofPlatform().daemon().name(name + "-", 0).factory());
    p.prestartAllCoreThreads();
    return p;
  }
}
