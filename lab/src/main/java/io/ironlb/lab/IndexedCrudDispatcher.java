package io.ironlb.lab;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.HttpURLConnection;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fabric8's CRUD mock with its objects indexed by name. The mock finds an object by matching the
 * request against every object it holds, so each read, create, update and patch costs time in
 * proportion to everything stored: with 10,000 Services, their EndpointSlices, ServiceL2Statuses
 * and Events that is ~40,000 matches a request, and bench/scale's burst stalled in the lab's API
 * server long before IronLB did. Here a request that names its object matches only the objects of
 * that name; lists and watches still look at everything, as a real API server's do.
 *
 * <p>The index follows every change the mock makes ({@link #processEvent} is where it makes all of
 * them), under a lock of its own taken around the mock's so that a read never sees the index and
 * the store disagree. Should the mock ever store an object under a key the index did not expect
 * (another fabric8 version), the index stops being used and every request scans, as before: slower,
 * never wrong.
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(IndexedCrudDispatcher.class);
  private static final String NAME = KubernetesAttributesExtractor.NAME;

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  /** The stored keys by their name attribute; changed only under the write lock. */
  private final Map<Attribute, Set<AttributeSet>> byName = new HashMap<>();
  private volatile boolean indexed = true;

  /** Whether the index still follows the store (a test's check that no request fell back to scanning). */
  boolean indexed() {
    return indexed;
  }

  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    return locked(lock.writeLock(), () -> super.handleCreate(request));
  }

  @Override
  public MockResponse handleUpdate(RecordedRequest request) {
    return locked(lock.writeLock(), () -> super.handleUpdate(request));
  }

  @Override
  public MockResponse handlePatch(RecordedRequest request) {
    return locked(lock.writeLock(), () -> super.handlePatch(request));
  }

  @Override
  public MockResponse handleDelete(String path) {
    return locked(lock.writeLock(), () -> super.handleDelete(path));
  }

  @Override
  public void reset() {
    locked(lock.writeLock(), () -> {
      super.reset();
      byName.clear();
      return null;
    });
  }

  /** A GET of one object by its path alone; anything with a query (watches, selectors) goes to the mock. */
  @Override
  public MockResponse handleGet(String path) {
    if (!indexed || path.indexOf('?') >= 0) {
      return super.handleGet(path);
    }
    AttributeSet query = getKey(path);
    if (!query.containsKey(NAME)) {
      return super.handleGet(path);
    }
    String body = locked(lock.readLock(), () -> {
      Map.Entry<AttributeSet, String> found = findResource(query);
      return found == null ? null : found.getValue();
    });
    MockResponse response = new MockResponse();
    if (body == null) {
      return response.setResponseCode(HttpURLConnection.HTTP_NOT_FOUND);
    }
    return response.setResponseCode(HttpURLConnection.HTTP_OK).setBody(body);
  }

  /** Called by the mock with its lock held, and by {@link #handleGet} with this one's read lock. */
  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
    Attribute name = attributes.getAttribute(NAME);
    if (!indexed || name == null) {
      return super.findResource(attributes);
    }
    List<AttributeSet> matching = new ArrayList<>(1);
    for (AttributeSet key : byName.getOrDefault(name, Set.of())) {
      if (key.matches(attributes)) {
        matching.add(key);
      }
    }
    if (matching.size() > 1) {
      // Which one the mock would return depends on its insertion order: let it decide.
      return super.findResource(attributes);
    }
    if (matching.isEmpty()) {
      return null;
    }
    AttributeSet key = matching.getFirst();
    String value = map.get(key);
    return value == null ? null : new AbstractMap.SimpleImmutableEntry<>(key, value);
  }

  /** Every change the mock makes to its store passes here, with the write lock held. */
  @Override
  public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
      GenericKubernetesResource resource, String newState) {
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    if (oldAttributes != null) {
      unindex(oldAttributes);
    }
    if (newState != null) {
      // The key the mock has just stored the object under, computed as it computes it.
      KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;
      AttributeSet key = resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
      if (!key.containsKey(KubernetesAttributesExtractor.PLURAL)) {
        key = AttributeSet.merge(pathAttributes, key);
      }
      if (map.containsKey(key) && key.getAttribute(NAME) != null) {
        byName.computeIfAbsent(key.getAttribute(NAME), n -> new LinkedHashSet<>()).add(key);
      } else {
        indexed = false;
        LOG.warn("the lab API server's index lost track of {} (the mock stores objects differently than expected); "
            + "every request now scans all objects", path);
      }
    }
  }

  private void unindex(AttributeSet key) {
    Attribute name = key.getAttribute(NAME);
    Set<AttributeSet> keys = name == null ? null : byName.get(name);
    if (keys != null && keys.remove(key) && keys.isEmpty()) {
      byName.remove(name);
    }
  }

  private static <T> T locked(java.util.concurrent.locks.Lock l, Supplier<T> work) {
    l.lock();
    try {
      return work.get();
    } finally {
      l.unlock();
    }
  }
}
