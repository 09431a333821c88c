package io.ironlb.lab;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.UnderMockLock;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.HttpURLConnection;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fabric8's CRUD mock with its objects indexed by name. The mock finds an object by matching the
 * request against every object it holds, so each read, create, update, patch and delete costs time
 * in proportion to everything stored: with 10,000 Services, their EndpointSlices, ServiceL2Statuses
 * and Events that is ~40,000 matches a request, and bench/scale's burst stalled in the lab's API
 * server long before IronLB did. Here a request that names its object matches only the objects of
 * that name; lists and watches still look at everything, as a real API server's do.
 *
 * <p>The index follows every change the mock makes ({@link #processEvent} is where it makes all of
 * them) and is read and changed only under the mock's own lock, as its store is. Should the mock
 * ever store an object under a key the index did not expect (another fabric8 version), the index
 * stops being used and every request scans, as before: slower, never wrong.
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(IndexedCrudDispatcher.class);
  private static final String NAME = KubernetesAttributesExtractor.NAME;

  /** The stored keys by their name attribute; guarded by the mock's lock. */
  private final Map<Attribute, Set<AttributeSet>> byName = new HashMap<>();
  private volatile boolean indexed = true;

  /** Whether the index still follows the store (a test's check that no request fell back to scanning). */
  boolean indexed() {
    return indexed;
  }

  @Override
  public void reset() {
    super.reset();
    UnderMockLock.run(this, () -> {
      byName.clear();
      return null;
    });
  }

  /** A GET of one object by its path alone; anything with a query (watches, selectors) goes to the mock. */
  @Override
  public MockResponse handleGet(String path) {
    AttributeSet query = named(path);
    if (query == null) {
      return super.handleGet(path);
    }
    return UnderMockLock.run(this, () -> {
      Map.Entry<AttributeSet, String> found = findResource(query);
      return found == null ? new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND)
          : new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(found.getValue());
    });
  }

  /**
   * A DELETE of one object by its path alone, as the mock does it: gone at once without finalizers,
   * otherwise marked for deletion; the answer carries the object as it was.
   */
  @Override
  public MockResponse handleDelete(String path) {
    AttributeSet query = named(path);
    if (query == null) {
      return super.handleDelete(path);
    }
    return UnderMockLock.run(this, () -> {
      List<AttributeSet> keys = candidates(query);
      if (keys.size() > 1) {
        return super.handleDelete(path); // the mock deletes every match; the lock is reentrant
      }
      if (keys.isEmpty()) {
        return new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND);
      }
      AttributeSet key = keys.getFirst();
      String json = map.get(key);
      GenericKubernetesResource resource = Serialization.unmarshal(json, GenericKubernetesResource.class);
      if (resource.getFinalizers().isEmpty()) {
        processEvent(path, query, key, null, null);
      } else if (!resource.isMarkedForDeletion()) {
        resource.getMetadata().setDeletionTimestamp(
            ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        resource.getMetadata().setResourceVersion(String.valueOf(requestResourceVersion()));
        processEvent(path, query, key, resource, Serialization.asJson(resource));
      }
      return new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(json);
    });
  }

  /** The request's attributes when it names one object and asks nothing else; null otherwise. */
  private AttributeSet named(String path) {
    if (!indexed || path.indexOf('?') >= 0) {
      return null;
    }
    AttributeSet query = getKey(path);
    return query.containsKey(NAME) ? query : null;
  }

  /** Called with the mock's lock held, by the mock and by this class. */
  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
    if (!indexed || !attributes.containsKey(NAME)) {
      return super.findResource(attributes);
    }
    List<AttributeSet> keys = candidates(attributes);
    if (keys.size() > 1) {
      // Which one the mock would return depends on its insertion order: let it decide.
      return super.findResource(attributes);
    }
    if (keys.isEmpty()) {
      return null;
    }
    String value = map.get(keys.getFirst());
    return value == null ? null : new AbstractMap.SimpleImmutableEntry<>(keys.getFirst(), value);
  }

  private List<AttributeSet> candidates(AttributeSet query) {
    List<AttributeSet> keys = new ArrayList<>(1);
    for (AttributeSet key : byName.getOrDefault(query.getAttribute(NAME), Set.of())) {
      if (key.matches(query)) {
        keys.add(key);
      }
    }
    return keys;
  }

  /** Every change the mock makes to its store passes here, with its write lock held. */
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
}
