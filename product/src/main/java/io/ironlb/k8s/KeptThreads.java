package io.ironlb.k8s;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.net.http.HttpClient;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Thread pools for the API client that keep a few threads for good. fabric8's own pools retire a
 * thread idle for 60 s and start another for the next request; on saturated nodes (bench/soak) a
 * thread being started was, time and again, among the threads a safepoint waited 130-840 ms for,
 * and every thread of the process (the heartbeat thread among them) waited with it.
 */
final class KeptThreads {

  /** Threads each pool keeps; busier moments start more, which end after {@link #EXTRA_IDLE_MINUTES}. */
  static final int KEPT = 2;

  static final long EXTRA_IDLE_MINUTES = 5;

  private KeptThreads() {}

  static ExecutorService pool(String name) {
    return new ThreadPoolExecutor(KEPT, Integer.MAX_VALUE, EXTRA_IDLE_MINUTES, TimeUnit.MINUTES, new SynchronousQueue<>(),
        Thread.ofPlatform().daemon().name(name + "-", 0).factory());
  }

  /** The JDK HTTP client as fabric8 makes it, on a pool that keeps its threads; fabric8 shuts it down with the client. */
  static final class HttpClients extends JdkHttpClientFactory {
    @Override
    protected HttpClient.Builder createNewHttpClientBuilder() {
      return super.createNewHttpClientBuilder().executor(pool("ironlb-api-http"));
    }
  }

  /** The client's task executor (informer callbacks, watches) on a pool that keeps its threads; shut down with the client. */
  static final class Tasks implements KubernetesClientBuilder.ExecutorSupplier {
    @Override
    public Executor get() {
      return pool("ironlb-api-task");
    }

    @Override
    public void onClose(Executor executor) {
      ((ExecutorService) executor).shutdownNow();
    }
  }
}
