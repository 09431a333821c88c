package io.ironlb.controller;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.ironlb.ipam.AllocationResult;
import io.ironlb.ipam.Allocator;
import io.ironlb.ipam.IpFamily;
import io.ironlb.ipam.Pool;
import io.ironlb.ipam.PoolSet;
import io.ironlb.ipam.PoolUsage;
import io.ironlb.ipam.PoolValidation;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.EventRecorder.Type;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IPAddressPoolStatus;
import io.ironlb.announce.ConflictMark;
import io.ironlb.k8s.IpConflictAnnotation;
import io.ironlb.k8s.MetalLb;
import io.ironlb.k8s.PoolTranslation;
import io.ironlb.k8s.ServiceTranslation;
import io.ironlb.k8s.UnsupportedFields;
import io.ironlb.model.IpText;
import io.ironlb.model.ServiceKey;
import java.math.BigInteger;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out pool addresses to LoadBalancer Services, as MetalLB's controller does.
 *
 * <p>Informer callbacks only queue work; one worker thread owns the {@link Allocator} and does all
 * reconciling, so allocation decisions are never concurrent. On start it rebuilds the allocator from
 * the services' status, services that already hold an address first, so a restart moves nothing.
 */
public final class AllocationController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AllocationController.class);
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static final Duration POOL_STATUS_DEBOUNCE = Duration.ofMillis(200);

  public record Config(String namespace, String loadBalancerClass) {
    public Config {
      Objects.requireNonNull(namespace, "namespace");
    }
  }

  private final KubernetesClient client;
  private final Config config;
  private final EventRecorder events;
  private final ControllerMetrics metrics;
  private final Allocator allocator = new Allocator();
  private final ScheduledExecutorService worker =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("allocation").daemon().factory());
  private final Set<Work> queued = ConcurrentHashMap.newKeySet();
  private final CountDownLatch ready = new CountDownLatch(1);

  // Owned by the worker thread.
  private final Map<String, Pool> lastValidPools = new HashMap<>();
  private final Map<String, String> poolProblems = new HashMap<>();
  /** Each pool's unsupported fields as last reported: a pool is reported again only when they change. */
  private final Map<String, List<String>> unsupportedReported = new HashMap<>();
  private final Set<ServiceKey> owned = new HashSet<>();
  /**
   * The failure last logged per service. A pool change re-reconciles every service, and each
   * pool status write comes back as one: logging every time wrote ~14,000 warnings for 600
   * invalid Services in a 20 s burst. Like events, a failure is logged when it is new.
   */
  private final Map<ServiceKey, String> loggedFailures = new HashMap<>();
  /** Addresses marked foreign because of a speaker's conflict report on that service. */
  private final Map<ServiceKey, InetAddress> conflictMarks = new HashMap<>();
  private Set<InetAddress> lastNodeIps = Set.of();
  private boolean poolStatusFlushScheduled;
  private volatile boolean started;

  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<IPAddressPool> pools;
  private SharedIndexInformer<Namespace> namespaces;
  private SharedIndexInformer<Node> nodes;

  public AllocationController(KubernetesClient client, Config config, EventRecorder events, ControllerMetrics metrics) {
    this.client = client;
    this.config = config;
    this.events = events;
    this.metrics = metrics;
  }

  /** Starts the informers and, once their caches are full, rebuilds state and begins reconciling. */
  public void start() {
    services = client.services().inAnyNamespace().inform(handler(s -> enqueue(new Work.ServiceChanged(ServiceTranslation.key(s)))));
    pools = client.resources(IPAddressPool.class).inNamespace(config.namespace()).inform(handler(p -> enqueue(new Work.PoolsChanged())));
    namespaces = client.namespaces().inform(handler(this::namespaceChanged));
    nodes = client.nodes().inform(handler(n -> enqueue(new Work.PoolsChanged())));
    started = true;
    worker.execute(this::rebuild);
  }

  /** True once state has been rebuilt from the cluster and the controller reacts to changes. */
  /** Whether the state has been rebuilt from the cluster since start (then it serves changes). */
  public boolean isReady() {
    return ready.getCount() == 0;
  }

  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    worker.shutdownNow();
    for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {services, pools, namespaces, nodes}) {
      if (i != null) {
        i.close();
      }
    }
  }

  private <T> ResourceEventHandler<T> handler(Consumer<T> onChange) {
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

  private void namespaceChanged(Namespace ns) {
    // Namespace labels feed serviceAllocation.namespaceSelectors: re-check that namespace's services.
    for (Service s : services.getIndexer().byIndex("namespace", ns.getMetadata().getName())) {
      enqueue(new Work.ServiceChanged(ServiceTranslation.key(s)));
    }
  }

  private void enqueue(Work work) {
    if (queued.add(work)) {
      worker.execute(() -> run(work));
    }
  }

  private void run(Work work) {
    queued.remove(work);
    if (ready.getCount() > 0) {
      return; // the rebuild reads the caches after this change and covers it
    }
    try {
      switch (work) {
        case Work.ServiceChanged s -> reconcileService(s.key());
        case Work.PoolsChanged p -> reconcilePools();
      }
    } catch (KubernetesClientException e) {
      log.warn("write to the API server failed, retrying in {}: {}", RETRY, e.getMessage(), kv("event", "retry"), kv("work", work.toString()));
      worker.schedule(() -> enqueue(work), RETRY.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // One bad object must never stop the controller; log it and keep serving the others.
      log.error("reconcile of {} failed", work, e);
    }
  }

  private void rebuild() {
    try {
      Instant begin = Instant.now();
      if (!started) {
        return;
      }
      waitForCaches();
      applyPools();
      List<Service> all = new ArrayList<>(services.getStore().list());
      // Services that already own an address go first, oldest first, so no newcomer can take it.
      all.sort(Comparator.comparing((Service s) -> ServiceTranslation.currentIps(s).isEmpty())
          .thenComparing(s -> Objects.requireNonNullElse(s.getMetadata().getCreationTimestamp(), ""))
          .thenComparing(s -> ServiceTranslation.key(s).toString()));
      // First take back every address that is still valid, touching nothing else: only then can
      // the normal pass hand out addresses without taking one a later service still holds.
      int restored = 0;
      for (Service s : all) {
        if (restore(s)) {
          restored++;
        }
      }
      for (Service s : all) {
        try {
          reconcileService(ServiceTranslation.key(s));
        } catch (RuntimeException e) {
          log.error("rebuild of {} failed; it is retried", ServiceTranslation.key(s), e);
          enqueueLater(new Work.ServiceChanged(ServiceTranslation.key(s)));
        }
      }
      schedulePoolStatusFlush();
      log.info("state rebuilt from the cluster", kv("event", "controllerReady"), kv("services", all.size()), kv("restored", restored),
          kv("pools", lastValidPools.size()), kv("ms", Duration.between(begin, Instant.now()).toMillis()));
      ready.countDown();
    } catch (RuntimeException e) {
      log.error("rebuild failed; retrying", e);
      worker.schedule(this::rebuild, RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void waitForCaches() {
    // inform() returns once the first list is in; this only guards against a future change of that.
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {services, pools, namespaces, nodes}) {
      while (!i.hasSynced()) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("informer caches did not fill within 2 minutes");
        }
        Thread.onSpinWait();
      }
    }
  }

  private boolean restore(Service s) {
    List<InetAddress> current = ServiceTranslation.currentIps(s);
    if (current.isEmpty() || !ServiceTranslation.isLoadBalancer(s) || !ServiceTranslation.hasClass(s, config.loadBalancerClass())) {
      return false;
    }
    ServiceKey key = ServiceTranslation.key(s);
    applyConflictReport(key, s);
    if (ServiceTranslation.toRequest(s, namespaceLabels(key.namespace())) instanceof ServiceTranslation.Result.Request r
        && allocator.restore(r.request(), current) instanceof AllocationResult.Allocated) {
      owned.add(key);
      return true;
    }
    return false;
  }

  private void enqueueLater(Work work) {
    worker.schedule(() -> enqueue(work), RETRY.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---- pools ---------------------------------------------------------------------------------

  private void reconcilePools() {
    List<ServiceKey> released = applyPools();
    for (ServiceKey key : released) {
      Service s = service(key);
      if (s != null) {
        String why = allocator.lastMoveReason(key).orElse("its pool no longer contains it");
        events.record(s, Type.Normal, "ClearAssignment",
            "current IP " + ServiceTranslation.currentIps(s).stream().map(IpText::format).toList()
                + " not allowed by config, clearing: " + why);
      }
    }
    // A pool change can free, move or newly allow addresses: look at every service once more,
    // those holding an address first.
    List<Service> all = new ArrayList<>(services.getStore().list());
    all.sort(Comparator.comparing((Service s) -> ServiceTranslation.currentIps(s).isEmpty()));
    for (Service s : all) {
      reconcileService(ServiceTranslation.key(s));
    }
    schedulePoolStatusFlush();
  }

  /** Validates every pool, keeps the last valid version of a pool that became invalid, and hands the usable ones to the allocator. */
  private List<ServiceKey> applyPools() {
    List<IPAddressPool> crs = new ArrayList<>(pools.getStore().list());
    crs.sort(Comparator.comparing((IPAddressPool p) -> Objects.requireNonNullElse(p.getMetadata().getCreationTimestamp(), ""))
        .thenComparing(p -> p.getMetadata().getName()));
    Map<String, String> problems = new HashMap<>();
    Set<String> present = new HashSet<>();
    List<Pool> candidates = new ArrayList<>();
    for (IPAddressPool cr : crs) {
      String name = cr.getMetadata().getName();
      present.add(name);
      reportUnsupportedFields(cr);
      PoolValidation validation;
      try {
        validation = Pool.parse(PoolTranslation.toSpec(cr));
      } catch (IllegalArgumentException e) {
        validation = new PoolValidation.Invalid(List.of("IPAddressPool " + name + ": " + e.getMessage()));
      } catch (RuntimeException e) {
        // Anything else this pool's content trips must cost only this pool: thrown out of here, it
        // stopped every pool change (and a restart's rebuild) for as long as the pool existed.
        log.error("IPAddressPool {} cannot be read", name, e);
        validation = new PoolValidation.Invalid(List.of("IPAddressPool " + name + ": cannot be read (" + e + ")"));
      }
      switch (validation) {
        case PoolValidation.Valid v -> lastValidPools.put(name, v.pool());
        case PoolValidation.Invalid invalid -> {
          String errors = String.join("; ", invalid.errors());
          problems.put(name, lastValidPools.containsKey(name) ? errors + " (the last valid configuration stays in force)" : errors);
        }
      }
      if (lastValidPools.containsKey(name)) {
        candidates.add(lastValidPools.get(name));
      }
    }
    lastValidPools.keySet().retainAll(present);
    unsupportedReported.keySet().retainAll(present);
    Set<InetAddress> nodeIps = new HashSet<>();
    for (Node n : nodes.getStore().list()) {
      nodeIps.addAll(PoolTranslation.nodeIps(n));
    }
    lastNodeIps = Set.copyOf(nodeIps);
    PoolSet set = PoolSet.of(candidates, nodeIps);
    set.problems().forEach((pool, why) -> problems.merge(pool, why, (a, b) -> a + "; " + b));
    for (IPAddressPool cr : crs) {
      String problem = problems.get(cr.getMetadata().getName());
      if (problem != null && !problem.equals(poolProblems.get(cr.getMetadata().getName()))) {
        log.warn("pool left out of service: {}", problem, kv("event", "poolRejected"), kv("pool", cr.getMetadata().getName()));
        events.record(cr, Type.Warning, "InvalidConfiguration", problem);
      }
    }
    poolProblems.clear();
    poolProblems.putAll(problems);
    for (String gone : new HashSet<>(knownPoolMetrics)) {
      if (!present.contains(gone)) {
        metrics.poolGone(gone);
        knownPoolMetrics.remove(gone);
      }
    }
    return allocator.setPools(set.usable());
  }

  private final Set<String> knownPoolMetrics = new HashSet<>();

  /**
   * A field of the pool IronLB does not act on gets a Warning event, never silence; once, not on
   * every status write (which changes the pool's resourceVersion too).
   */
  private void reportUnsupportedFields(IPAddressPool cr) {
    String name = cr.getMetadata().getName();
    List<String> fields = UnsupportedFields.of(cr);
    if (!fields.equals(unsupportedReported.put(name, fields)) && !fields.isEmpty()) {
      String message = UnsupportedFields.message(cr, fields);
      log.warn("{}", message, kv("event", "unsupportedField"), kv("pool", name));
      events.record(cr, Type.Warning, UnsupportedFields.EVENT_REASON, message);
    }
  }

  private void schedulePoolStatusFlush() {
    if (!poolStatusFlushScheduled) {
      poolStatusFlushScheduled = true;
      worker.schedule(this::flushPoolStatus, POOL_STATUS_DEBOUNCE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void flushPoolStatus() {
    poolStatusFlushScheduled = false;
    for (IPAddressPool cr : pools.getStore().list()) {
      String name = cr.getMetadata().getName();
      String problem = poolProblems.get(name);
      boolean usable = lastValidPools.containsKey(name) && !problemLeavesPoolOut(name);
      PoolUsage usage = usable ? allocator.usage(name) : new PoolUsage(0, 0, 0, 0);
      Condition condition = new ConditionBuilder()
          .withType("Ready")
          .withStatus(problem == null ? "True" : usable ? "True" : "False")
          .withReason(problem == null ? "Valid" : usable ? "KeptLastValid" : "Invalid")
          .withMessage(problem == null ? "pool is in service" : problem)
          .withObservedGeneration(cr.getMetadata().getGeneration())
          .build();
      IPAddressPoolStatus desired = new IPAddressPoolStatus(
          usage.assignedIPv4(), usage.assignedIPv6(), usage.availableIPv4(), usage.availableIPv6(), List.of(condition));
      Pool pool = lastValidPools.get(name);
      double total = usable ? size(pool, IpFamily.IPV4) + size(pool, IpFamily.IPV6) : 0;
      metrics.pool(name, total, usage.assignedIPv4() + usage.assignedIPv6());
      knownPoolMetrics.add(name);
      if (!sameStatus(cr.getStatus(), desired)) {
        try {
          condition.setLastTransitionTime(Instant.now().toString());
          client.resources(IPAddressPool.class).inNamespace(config.namespace()).withName(name)
              .editStatus(p -> {
                p.setStatus(desired);
                return p;
              });
        } catch (KubernetesClientException e) {
          log.warn("could not write status of pool {}: {}", name, e.getMessage());
          schedulePoolStatusFlush();
        }
      }
    }
  }

  private boolean problemLeavesPoolOut(String name) {
    String problem = poolProblems.get(name);
    return problem != null && !problem.endsWith("(the last valid configuration stays in force)");
  }

  private static double size(Pool pool, IpFamily family) {
    BigInteger n = pool.size(family);
    return n.doubleValue();
  }

  private static boolean sameStatus(IPAddressPoolStatus current, IPAddressPoolStatus desired) {
    if (current == null) {
      return false;
    }
    Condition a = current.conditions() == null || current.conditions().isEmpty() ? null : current.conditions().getFirst();
    Condition b = desired.conditions().getFirst();
    return Objects.equals(current.assignedIPv4(), desired.assignedIPv4())
        && Objects.equals(current.assignedIPv6(), desired.assignedIPv6())
        && Objects.equals(current.availableIPv4(), desired.availableIPv4())
        && Objects.equals(current.availableIPv6(), desired.availableIPv6())
        && a != null
        && Objects.equals(a.getStatus(), b.getStatus())
        && Objects.equals(a.getMessage(), b.getMessage());
  }

  // ---- services ------------------------------------------------------------------------------

  private Service service(ServiceKey key) {
    return services.getStore().getByKey(key.namespace() + "/" + key.name());
  }

  private void reconcileService(ServiceKey key) {
    Service s = service(key);
    applyConflictReport(key, s);
    if (s == null) {
      loggedFailures.remove(key);
      if (owned.remove(key)) {
        allocator.release(key);
        log.info("service deleted, address released", kv("event", "ipReleased"), kv("service", key.toString()));
        schedulePoolStatusFlush();
      }
      return;
    }
    if (!ServiceTranslation.isLoadBalancer(s) || !ServiceTranslation.hasClass(s, config.loadBalancerClass())) {
      loggedFailures.remove(key);
      releaseAndClear(s, "service is no longer ours (type " + s.getSpec().getType() + ", class "
          + s.getSpec().getLoadBalancerClass() + ")");
      return;
    }
    Map<String, String> nsLabels = namespaceLabels(key.namespace());
    var annotations = io.ironlb.k8s.ServiceAnnotations.of(s.getMetadata().getAnnotations());
    for (String deprecated : annotations.deprecatedKeysUsed()) {
      events.record(s, Type.Warning, "deprecatedAnnotation", "annotation " + deprecated + " is deprecated, use "
          + MetalLb.CURRENT_PREFIX + deprecated.substring(MetalLb.DEPRECATED_PREFIX.length()) + " instead");
    }
    List<InetAddress> current = ServiceTranslation.currentIps(s);
    switch (ServiceTranslation.toRequest(s, nsLabels)) {
      case ServiceTranslation.Result.Invalid invalid -> {
        events.record(s, Type.Warning, "LoadBalancerFailed", invalid.message());
        if (!invalid.message().equals(loggedFailures.put(key, invalid.message()))) {
          log.warn("service request is invalid: {}", invalid.message(), kv("event", "loadBalancerFailed"), kv("service", key.toString()));
        }
        releaseAndClear(s, invalid.message());
      }
      case ServiceTranslation.Result.Request request -> {
        AllocationResult result = allocator.assign(request.request(), current);
        switch (result) {
          case AllocationResult.Allocated a -> {
            owned.add(key);
            loggedFailures.remove(key);
            // The allocator also reports a mere reordering (IPv4 first) as a change: only a
            // different set of addresses is news for the user.
            boolean different = !Set.copyOf(current).equals(Set.copyOf(a.ips()));
            if (different && !current.isEmpty()) {
              events.record(s, Type.Normal, "ClearAssignment", "current IP " + current.stream().map(IpText::format).toList()
                  + " not allowed by config, clearing: " + allocator.lastMoveReason(key).orElse("it is no longer valid"));
            }
            writeAssignment(s, a.ips(), a.pool());
            if (different) {
              String ips = a.ips().stream().map(IpText::format).toList().toString();
              events.record(s, Type.Normal, "IPAllocated", "Assigned IP " + ips);
              log.info("address assigned", kv("event", "ipAllocated"), kv("service", key.toString()), kv("ips", ips), kv("pool", a.pool()));
              schedulePoolStatusFlush();
            }
          }
          case AllocationResult.Failed f -> {
            String message = "Failed to allocate IP for \"" + key + "\": " + f.reason();
            events.record(s, Type.Warning, "AllocationFailed", message);
            if (!message.equals(loggedFailures.put(key, message))) {
              log.warn(message, kv("event", "allocationFailed"), kv("service", key.toString()));
            }
            releaseAndClear(s, f.reason());
          }
        }
      }
    }
  }

  /**
   * A speaker that found a device outside the cluster on the service's address says so in an
   * annotation; the pool then treats that address as taken, so an auto-assigned service moves.
   * The mark lasts as long as the report: a speaker removes it once a probe finds the address free.
   */
  private void applyConflictReport(ServiceKey key, Service s) {
    Optional<ConflictMark> mark = s == null ? Optional.empty() : IpConflictAnnotation.read(s.getMetadata().getAnnotations());
    InetAddress reported = mark.map(m -> m.ip().address()).orElse(null);
    String owner = mark.map(m -> m.mac().bits() == 0 ? "a device outside the cluster" : "MAC " + m.mac()).orElse(null);
    InetAddress marked = conflictMarks.get(key);
    if (Objects.equals(marked, reported)) {
      return;
    }
    if (marked != null) {
      allocator.clearForeign(marked);
      conflictMarks.remove(key);
      log.info("conflict on {} cleared", IpText.format(marked), kv("event", "conflictCleared"), kv("service", key.toString()));
    }
    if (reported != null) {
      allocator.markForeign(reported, owner);
      conflictMarks.put(key, reported);
      // Services sharing the address must move too; the reporting one is being reconciled now.
      for (ServiceKey other : allocator.servicesOn(reported)) {
        if (!other.equals(key)) {
          enqueue(new Work.ServiceChanged(other));
        }
      }
      log.warn("{} is in use by {}; not handing it out", IpText.format(reported), owner, kv("event", "conflictMarked"),
          kv("service", key.toString()));
    }
    schedulePoolStatusFlush();
  }

  private Map<String, String> namespaceLabels(String namespace) {
    Namespace ns = namespaces.getStore().getByKey(namespace);
    if (ns == null || ns.getMetadata().getLabels() == null) {
      return Map.of("kubernetes.io/metadata.name", namespace);
    }
    return ns.getMetadata().getLabels();
  }

  /** Releases whatever the service held and removes the address the controller wrote, if any. */
  private void releaseAndClear(Service s, String why) {
    ServiceKey key = ServiceTranslation.key(s);
    boolean held = owned.remove(key);
    allocator.release(key);
    boolean wroteIt = s.getMetadata().getAnnotations() != null
        && s.getMetadata().getAnnotations().containsKey(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL);
    if (held || wroteIt) {
      if (!ServiceTranslation.currentIps(s).isEmpty()) {
        log.info("address withdrawn from service: {}", why, kv("event", "ipCleared"), kv("service", key.toString()));
      }
      writeAssignment(s, List.of(), null);
      schedulePoolStatusFlush();
    }
  }

  private void writeAssignment(Service s, List<InetAddress> ips, String pool) {
    List<String> desired = ips.stream().map(IpText::format).toList();
    List<String> actual = ServiceTranslation.currentIps(s).stream().map(IpText::format).toList();
    var resource = client.services().inNamespace(s.getMetadata().getNamespace()).withName(s.getMetadata().getName());
    if (!desired.equals(actual)) {
      resource.editStatus(svc -> {
        List<LoadBalancerIngress> ingress = desired.stream().map(ip -> new LoadBalancerIngressBuilder().withIp(ip).build()).toList();
        ServiceStatus status = svc.getStatus() == null ? new ServiceStatus() : svc.getStatus();
        status.setLoadBalancer(new LoadBalancerStatus(new ArrayList<>(ingress)));
        svc.setStatus(status);
        return svc;
      });
    }
    Map<String, String> annotations = s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
    String written = annotations.get(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL);
    if (!Objects.equals(written, pool)) {
      resource.edit(svc -> {
        Map<String, String> a = new LinkedHashMap<>(svc.getMetadata().getAnnotations() == null ? Map.of() : svc.getMetadata().getAnnotations());
        if (pool == null) {
          a.remove(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL);
        } else {
          a.put(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL, pool);
        }
        svc.getMetadata().setAnnotations(a);
        return svc;
      });
    }
  }
}
