package io.ironlb.speaker;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.ironlb.announce.ConflictMark;
import io.ironlb.announce.Event;
import io.ironlb.announce.NodeInfo;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IpConflictAnnotation;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.MembershipAddressAnnotation;
import io.ironlb.k8s.NodeDrainAnnotation;
import io.ironlb.k8s.NodeMacsAnnotation;
import io.ironlb.k8s.ServiceL2Status;
import io.ironlb.k8s.ServiceL2StatusWriter;
import io.ironlb.k8s.ServiceTranslation;
import io.ironlb.k8s.SpeakerFacts;
import io.ironlb.k8s.SpeakerJoinedAnnotation;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.ServiceKey;
import io.ironlb.election.ServiceFacts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The speaker's view of the API: one informer per kind it reads, and the translation of what is in
 * their caches into the core's events. Callbacks only say <em>what</em> changed (a Service key, a
 * Node name); the events are read from the caches when the worker gets to them, so a burst of
 * changes to one object costs one event.
 */
final class SpeakerInformers implements AutoCloseable {
  private static final String BY_SERVICE = "byService";

  /** What changed, as an informer callback reports it. */
  sealed interface Change {
    record OfService(ServiceKey key) implements Change {}

    record OfNode(String name) implements Change {}

    /**
     * {@code service} is the Service the object named when the callback saw it (null if it named
     * none): by the time the worker reads the cache the object may be gone, and a create and a
     * delete that both land between two drains leave no other trace of whose it was.
     */
    record OfStatus(String name, ServiceKey service) implements Change {}

    record OfPools() implements Change {}

    record OfAdvertisements() implements Change {}
  }

  private final KubernetesClient client;
  private final String namespace;
  private final String loadBalancerClass;
  private final boolean drainCordoned;
  private final boolean ignoreExcludeLb;
  private final List<SharedIndexInformer<?>> all = new ArrayList<>();
  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<EndpointSlice> slices;
  private SharedIndexInformer<Node> nodes;
  private SharedIndexInformer<IPAddressPool> pools;
  private SharedIndexInformer<L2Advertisement> advertisements;
  private volatile SharedIndexInformer<ServiceL2Status> statuses; // read by the API writer thread too

  SpeakerInformers(KubernetesClient client, String namespace, String loadBalancerClass, boolean drainCordoned, boolean ignoreExcludeLb) {
    this.client = client;
    this.namespace = namespace;
    this.loadBalancerClass = loadBalancerClass;
    this.drainCordoned = drainCordoned;
    this.ignoreExcludeLb = ignoreExcludeLb;
  }

  /** Starts every informer (each returns once its cache is filled); {@code changed} hears every change from then on. */
  void start(Consumer<Change> changed) {
    services = client.services().inAnyNamespace().inform(handler(s -> changed.accept(new Change.OfService(ServiceTranslation.key(s)))));
    all.add(services);
    // Indexed by Service, so one Service's endpoints are found without walking every slice.
    slices = client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
    slices.addIndexers(Map.of(BY_SERVICE, e -> {
      String svc = e.getMetadata().getLabels() == null ? null : e.getMetadata().getLabels().get(SpeakerFacts.SERVICE_NAME_LABEL);
      return svc == null ? List.of() : List.of(e.getMetadata().getNamespace() + "/" + svc);
    }));
    slices.addEventHandler(handler(e -> {
      String svc = e.getMetadata().getLabels() == null ? null : e.getMetadata().getLabels().get(SpeakerFacts.SERVICE_NAME_LABEL);
      if (svc != null) {
        changed.accept(new Change.OfService(new ServiceKey(e.getMetadata().getNamespace(), svc)));
      }
    }));
    all.add(slices);
    await(slices);
    nodes = client.nodes().inform(handler(n -> changed.accept(new Change.OfNode(n.getMetadata().getName()))));
    all.add(nodes);
    pools = client.resources(IPAddressPool.class).inNamespace(namespace).inform(handler(p -> changed.accept(new Change.OfPools())));
    all.add(pools);
    advertisements = client.resources(L2Advertisement.class).inNamespace(namespace)
        .inform(handler(a -> changed.accept(new Change.OfAdvertisements())));
    all.add(advertisements);
    statuses = client.resources(ServiceL2Status.class).inNamespace(namespace)
        .inform(handler(s -> changed.accept(new Change.OfStatus(s.getMetadata().getName(), serviceOf(s)))));
    all.add(statuses);
  }

  private static void await(SharedIndexInformer<?> informer) {
    try {
      informer.start().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("cannot list EndpointSlices: " + e.getCause(), e.getCause());
    }
  }

  private static <T extends HasMetadata> ResourceEventHandler<T> handler(Consumer<T> onChange) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onChange.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onChange.accept(obj);
      }
    };
  }

  // ---- events from the caches ------------------------------------------------------------------

  /** The Service as the core must hear of it now: its facts, or removed (gone, no address, or not of our class). */
  Event service(ServiceKey key) {
    Service s = service(key.namespace(), key.name());
    if (s == null || !ServiceTranslation.isLoadBalancer(s) || !ServiceTranslation.hasClass(s, loadBalancerClass)) {
      return new Event.ServiceRemoved(key);
    }
    ServiceFacts facts = SpeakerFacts.service(s, slices.getIndexer().byIndex(BY_SERVICE, key.toString()));
    if (facts == null) {
      return new Event.ServiceRemoved(key);
    }
    Optional<ConflictMark> mark = IpConflictAnnotation.read(s.getMetadata().getAnnotations());
    return new Event.ServiceUpdated(facts, mark.map(List::of).orElse(List.of()));
  }

  Service service(String ns, String name) {
    return services.getStore().getByKey(ns + "/" + name);
  }

  Event node(String name, Consumer<String> unreadable) {
    Node n = nodes.getStore().getByKey(name);
    return n == null ? new Event.NodeRemoved(name) : new Event.NodeUpdated(nodeInfo(n, drainCordoned, ignoreExcludeLb, unreadable));
  }

  static NodeInfo nodeInfo(Node n, boolean drainCordoned, boolean ignoreExcludeLb, Consumer<String> unreadable) {
    Map<String, String> a = n.getMetadata().getAnnotations();
    Set<MacAddress> macs = new HashSet<>();
    NodeMacsAnnotation.read(a).forEach(m -> macs.add(m.mac()));
    boolean runsSpeaker;
    try {
      runsSpeaker = MembershipAddressAnnotation.read(a).isPresent();
    } catch (IllegalArgumentException e) {
      unreadable.accept("Node " + n.getMetadata().getName() + ": " + e.getMessage());
      runsSpeaker = true; // its speaker published something: it runs
    }
    boolean cordoned = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
    boolean draining = NodeDrainAnnotation.isSet(a) || (drainCordoned && cordoned);
    return new NodeInfo(SpeakerFacts.node(n, ignoreExcludeLb), SpeakerFacts.ready(n), macs, runsSpeaker, draining,
        SpeakerJoinedAnnotation.read(a).orElse(null));
  }

  List<Node> nodes() {
    return nodes.getStore().list();
  }

  Event pools() {
    Map<String, Map<String, String>> labels = new HashMap<>();
    for (IPAddressPool p : pools.getStore().list()) {
      labels.put(p.getMetadata().getName(), p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels());
    }
    return new Event.PoolsUpdated(labels);
  }

  List<L2Advertisement> advertisements() {
    return advertisements.getStore().list();
  }

  /** The informer's copy of the ServiceL2Status named {@code name}; null when it has none or has not started. */
  ServiceL2Status cachedStatus(String name) {
    SharedIndexInformer<ServiceL2Status> s = statuses;
    return s == null ? null : s.getStore().getByKey(namespace + "/" + name);
  }

  /** The ServiceL2Status of {@code change}, as the core must hear of it. */
  Optional<Event> status(Change.OfStatus change) {
    return status(change, statuses.getStore().getByKey(namespace + "/" + change.name()));
  }

  /**
   * {@code cached} is the object as the cache holds it now (null: gone). An object that is gone is
   * reported gone for the Service the change named, also when it came and went unseen: its announcer
   * must write it again.
   */
  static Optional<Event> status(Change.OfStatus change, ServiceL2Status cached) {
    if (cached == null) {
      return Optional.ofNullable(change.service()).<Event>map(Event.StatusRemoved::new);
    }
    ServiceL2Status.Status st = cached.getStatus();
    if (st == null || st.serviceName() == null || st.serviceNamespace() == null) {
      return Optional.empty();
    }
    ServiceKey key = new ServiceKey(st.serviceNamespace(), st.serviceName());
    return Optional.of(st.node() == null ? new Event.StatusRemoved(key) : new Event.StatusPublished(key, st.node()));
  }

  /** The Service an object names: from its status, or, before the status is written, from its labels. */
  static ServiceKey serviceOf(ServiceL2Status s) {
    ServiceL2Status.Status st = s.getStatus();
    if (st != null && st.serviceName() != null && st.serviceNamespace() != null) {
      return new ServiceKey(st.serviceNamespace(), st.serviceName());
    }
    Map<String, String> labels = s.getMetadata().getLabels();
    String ns = labels == null ? null : labels.get(ServiceL2StatusWriter.SERVICE_NAMESPACE_LABEL);
    String name = labels == null ? null : labels.get(ServiceL2StatusWriter.SERVICE_NAME_LABEL);
    return ns == null || name == null ? null : new ServiceKey(ns, name);
  }

  @Override
  public void close() {
    all.forEach(SharedIndexInformer::close);
  }
}
