package io.fabric8.kubernetes.client.server.mock;

import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherHandler;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.function.Supplier;

/**
 * The lab's one way into the mock's store lock, which it keeps package-private: work that reads or
 * changes the store itself ({@code io.ironlb.lab.IndexedCrudDispatcher}) must hold it, as the
 * mock's own handlers and its watches do. Lives in the mock's package for that reason alone.
 */
public final class UnderMockLock {
  private UnderMockLock() {}

  /** Runs {@code work} holding the store's write lock (reentrant: it may call the mock's own handlers). */
  public static MockResponse run(KubernetesCrudDispatcher store, Supplier<MockResponse> work) {
    KubernetesCrudDispatcherHandler handler = new KubernetesCrudDispatcherHandler() {
      @Override
      public MockResponse handle(RecordedRequest request) {
        return work.get();
      }

      @Override
      public MockResponse handle(String path, String contentType, String body) throws KubernetesCrudDispatcherException {
        return work.get();
      }
    };
    RecordedRequest none = new RecordedRequest("HTTP/1.1", HttpMethod.GET, "/", Headers.builder().build(), new Buffer());
    return store.process(none, handler);
  }
}
