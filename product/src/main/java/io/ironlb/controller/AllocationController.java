package io.ironlb.controller;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.ironlb.ipam.AllocationResult;
import io.ironlb.ipam.Allocator;
import io.ironlb.ipam.IpFamily;
import io.ironlb.ipam.Pool;
import io.ironlb.ipam.PoolSet;
import io.ironlb.ipam.PoolUsage;
import io.ironlb.ipam.PoolValidation;
import io.ironlb.ipam.ServiceRequest;
import io.ironlb.k8s.AssignmentWriter;
import io.ironlb.k8s.ConfigurationStateReporter;
import io.ironlb.k8s.EventRecorder;
import io.ironlb.k8s.EventRecorder.Type;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IPAddressPoolStatus;
import io.ironlb.announce.ConflictMark;
import io.ironlb.k8s.IpConflictAnnotation;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.LastValid;
import io.ironlb.k8s.MetalLb;
import io.ironlb.k8s.PoolTranslation;
import io.ironlb.k8s.ServiceAnnotations;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
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
  /** Pool status (counters, Ready) is written at most this often: a burst of allocations writes each pool once. */
  private static final Duration POOL_STATUS_INTERVAL = Duration.ofSeconds(1);

  public record Config(String namespace, String loadBalancerClass) {
    public Config {
      Objects.requireNonNull(namespace, "namespace");
    }
  }

  private final KubernetesClient client;
  private final Config config;
  private final EventRecorder events;
  private final ControllerMetrics metrics;
  private final AssignmentWriter writer;
  private final ConfigurationStateReporter configurationState;
  private final Allocator allocator = new Allocator();
  private final ScheduledExecutorService worker =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("allocation").daemon().factory());
  private final Set<Work> queued = ConcurrentHashMap.newKeySet();
  private final CountDownLatch ready = new CountDownLatch(1);

  // Owned by the worker thread.
  /** Each pool's last valid version, and why its latest one is refused, if it is. */
  private final LastValid<Pool> parsedPools = new LastValid<>();
  /** Pools left out of service by a cross-pool check (overlap, a node's IP), with the reason last reported. */
  private final Map<String, String> poolSetProblems = new HashMap<>();
  /** The pools the allocator works with, as last handed to it. */
  private List<Pool> usablePools = List.of();
  /** Each pool's unsupported fields as last reported: a pool is reported again only when they change. */
  private final Map<String, List<String>> unsupportedReported = new HashMap<>();
  private final Set<ServiceKey> owned = new HashSet<>();
  /**
   * The failure last logged per service. A pool change re-reconciles every service, and each
   * pool status write comes back as one: logging every time wrote ~14,000 warnings for 600
   * invalid Services in a 20 s burst. Like events, a failure is logged when it is new.
   */
  private final Map<ServiceKey, String> loggedFailures = new HashMap<>();
  /**
   * Services whose last allocation failed: they are tried again when an address is freed (as
   * MetalLB retries them when another service goes), not on every unrelated change.
   */
  private final Set<ServiceKey> failedAllocations = new HashSet<>();
  private final AtomicLong serviceReconciles = new AtomicLong();
  /** Addresses marked foreign because of a speaker's conflict report on that service. */
  private final Map<ServiceKey, InetAddress> conflictMarks = new HashMap<>();
  private boolean poolStatusFlushScheduled;
  private volatile boolean started;

  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<IPAddressPool> pools;
  private SharedIndexInformer<Namespace> namespaces;
  private SharedIndexInformer<Node> nodes;

  public AllocationController(KubernetesClient client, Config config, EventRecorder events, ControllerMetrics metrics) {
    this(client, config, events, metrics, ConfigurationStateReporter.forController(client, config.namespace()));
  }

  public AllocationController(KubernetesClient client, Config config, EventRecorder events, ControllerMetrics metrics,
      ConfigurationStateReporter configurationState) {
    this.client = client;
    this.config = config;
    this.events = events;
    this.metrics = metrics;
    this.writer = new AssignmentWriter(client);
    this.configurationState = configurationState;
  }

  /** Starts the informers and, once their caches are full, rebuilds state and begins reconciling. */
  public void start() {
    services = client.services().inAnyNamespace().inform(handler(s -> enqueue(new Work.ServiceChanged(ServiceTranslation.key(s)))));
    // The controller's own status writes come back as pool updates: only a spec change is worth a pool pass.
    pools = client.resources(IPAddressPool.class).inNamespace(config.namespace())
        .inform(handler(p -> enqueue(new Work.PoolsChanged()), (a, b) -> Objects.equals(a.getSpec(), b.getSpec())));
    namespaces = client.namespaces().inform(handler(this::namespaceChanged, (a, b) -> false));
    // Only a Node's addresses matter here (a pool must not contain them); its status and the
    // speakers' annotations change far more often.
    nodes = client.nodes().inform(handler(n -> enqueue(new Work.PoolsChanged()),
        (a, b) -> PoolTranslation.nodeIps(a).equals(PoolTranslation.nodeIps(b))));
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
    configurationState.close();
    for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {services, pools, namespaces, nodes}) {
      if (i != null) {
        i.close();
      }
    }
  }

  private <T> ResourceEventHandler<T> handler(Consumer<T> onChange) {
    return handler(onChange, (a, b) -> false);
  }

  /** {@code irrelevant} tells an update that changes nothing the controller reads, which is ignored. */
  private <T> ResourceEventHandler<T> handler(Consumer<T> onChange, BiPredicate<T, T> irrelevant) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        if (!irrelevant.test(oldObj, newObj)) {
          onChange.accept(newObj);
        }
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
      metrics.client().updated();
    } catch (KubernetesClientException e) {
      metrics.client().updateFailed();
      log.warn("write to the API server failed, retrying in {}: {}", RETRY, e.getMessage(), kv("event", "retry"), kv("work", work.toString()));
      worker.schedule(() -> enqueue(work), RETRY.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      metrics.client().updateFailed();
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
          kv("pools", usablePools.size()), kv("ms", Duration.between(begin, Instant.now()).toMillis()));
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
    if (ServiceTranslation.ingressProblem(s).isPresent()) {
      return false; // allocated afresh by the normal pass, as MetalLB does
    }
    ServiceRequest request = switch (ServiceTranslation.toRequest(s, namespaceLabels(key.namespace()))) {
      case ServiceTranslation.Result.Request r -> r.request();
      // An unreadable request keeps the addresses held (see reconcileService).
      case ServiceTranslation.Result.Invalid invalid -> invalid.rest();
      case ServiceTranslation.Result.NotEnoughClusterIps n -> null;
    };
    if (request != null && allocator.restore(request, current) instanceof AllocationResult.Allocated) {
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
    List<Pool> before = usablePools;
    List<ServiceKey> released = applyPools();
    for (ServiceKey key : released) {
      Service s = service(key);
      if (s != null) {
        String why = allocator.lastMoveReason(key).orElse("its pool no longer contains it");
        events.record(s, Type.Normal, "ClearAssignment", clearAssignmentText(key, ServiceTranslation.currentIps(s), why));
      }
    }
    // A change of the usable pools can free, move or newly allow addresses: look at every service
    // once more, those holding an address first. A pass that changed nothing (a refused edit, a
    // node whose addresses stayed) leaves the services alone.
    if (!released.isEmpty() || !usablePools.equals(before)) {
      List<Service> all = new ArrayList<>(services.getStore().list());
      all.sort(Comparator.comparing((Service s) -> ServiceTranslation.currentIps(s).isEmpty()));
      for (Service s : all) {
        reconcileService(ServiceTranslation.key(s));
      }
    }
    schedulePoolStatusFlush();
  }

  /**
   * Validates every pool, keeps the last valid version of a pool whose latest one is refused,
   * leaves out pools that overlap an older one or contain a node's address, reports problems once
   * (event, log, ConfigurationState) and hands the usable pools to the allocator.
   */
  private List<ServiceKey> applyPools() {
    List<IPAddressPool> crs = new ArrayList<>(pools.getStore().list());
    crs.sort(Comparator.comparing((IPAddressPool p) -> Objects.requireNonNullElse(p.getMetadata().getCreationTimestamp(), ""))
        .thenComparing(p -> p.getMetadata().getName()));
    Set<String> present = new HashSet<>();
    for (IPAddressPool cr : crs) {
      String name = cr.getMetadata().getName();
      present.add(name);
      reportUnsupportedFields(cr);
      switch (parse(cr)) {
        case PoolValidation.Valid v -> parsedPools.valid(name, v.pool());
        case PoolValidation.Invalid invalid -> {
          LastValid.Rejection r = parsedPools.invalid(name, String.join("; ", invalid.errors()));
          if (r.isNew()) {
            log.warn("pool refused: {}", r.message(), kv("event", "poolRejected"), kv("pool", name));
            events.record(cr, Type.Warning, "InvalidConfiguration", r.message());
          }
        }
      }
    }
    unsupportedReported.keySet().retainAll(present);
    parsedPools.retainOnly(present);
    List<Pool> candidates = new ArrayList<>();
    for (IPAddressPool cr : crs) {
      parsedPools.inForce(cr.getMetadata().getName()).ifPresent(candidates::add);
    }
    Set<InetAddress> nodeIps = new HashSet<>();
    for (Node n : nodes.getStore().list()) {
      nodeIps.addAll(PoolTranslation.nodeIps(n));
    }
    PoolSet set = PoolSet.of(candidates, nodeIps);
    for (IPAddressPool cr : crs) {
      String name = cr.getMetadata().getName();
      String problem = set.problems().get(name);
      if (problem != null && !problem.equals(poolSetProblems.get(name))) {
        log.warn("pool left out of service: {}", problem, kv("event", "poolRejected"), kv("pool", name));
        events.record(cr, Type.Warning, "InvalidConfiguration", problem);
      }
    }
    poolSetProblems.clear();
    poolSetProblems.putAll(set.problems());
    for (String gone : new HashSet<>(knownPoolMetrics)) {
      if (!present.contains(gone)) {
        metrics.poolGone(gone);
        knownPoolMetrics.remove(gone);
      }
    }
    List<String> errors = new ArrayList<>(parsedPools.problemMessages());
    poolSetProblems.forEach((name, why) -> errors.add("IPAddressPool " + name + ": " + why));
    configurationState.report(errors);
    metrics.client().configuration(!errors.isEmpty());
    usablePools = set.usable();
    return allocator.setPools(usablePools);
  }

  private static PoolValidation parse(IPAddressPool cr) {
    String name = cr.getMetadata().getName();
    try {
      return Pool.parse(PoolTranslation.toSpec(cr));
    } catch (IllegalArgumentException e) {
      return new PoolValidation.Invalid(List.of("IPAddressPool " + name + ": " + e.getMessage()));
    } catch (RuntimeException e) {
      // Anything else this pool's content trips must cost only this pool: thrown out of here, it
      // stopped every pool change (and a restart's rebuild) for as long as the pool existed.
      log.error("IPAddressPool {} cannot be read", name, e);
      return new PoolValidation.Invalid(List.of("IPAddressPool " + name + ": cannot be read (" + e + ")"));
    }
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
      worker.schedule(this::flushPoolStatus, POOL_STATUS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Writes each pool's status that changed (one PATCH, no read first) and the allocator gauges. */
  private void flushPoolStatus() {
    poolStatusFlushScheduled = false;
    Set<String> usable = new HashSet<>();
    usablePools.forEach(p -> usable.add(p.name()));
    for (IPAddressPool cr : pools.getStore().list()) {
      String name = cr.getMetadata().getName();
      String parseProblem = parsedPools.problem(name).orElse(null);
      String setProblem = poolSetProblems.get(name);
      boolean inService = usable.contains(name);
      List<String> problems = new ArrayList<>();
      if (parseProblem != null) {
        problems.add(parseProblem + (parsedPools.inForce(name).isPresent() ? " (the last valid configuration stays in force)" : ""));
      }
      if (setProblem != null) {
        problems.add(setProblem);
      }
      PoolUsage usage = inService ? allocator.usage(name) : PoolUsage.NONE;
      Condition condition = new ConditionBuilder()
          .withType("Ready")
          .withStatus(inService ? "True" : "False")
          .withReason(problems.isEmpty() ? "Valid" : inService ? "KeptLastValid" : "Invalid")
          .withMessage(problems.isEmpty() ? "pool is in service" : String.join("; ", problems))
          .withObservedGeneration(cr.getMetadata().getGeneration())
          .build();
      IPAddressPoolStatus desired = new IPAddressPoolStatus(
          usage.assignedIPv4(), usage.assignedIPv6(), usage.availableIPv4(), usage.availableIPv6(), List.of(condition));
      Pool pool = parsedPools.inForce(name).orElse(null);
      metrics.pool(name, new ControllerMetrics.PoolFigures(inService ? size(pool, IpFamily.IPV4) : 0,
          inService ? size(pool, IpFamily.IPV6) : 0, usage.assignedIPv4(), usage.assignedIPv6()));
      knownPoolMetrics.add(name);
      if (!sameStatus(cr.getStatus(), desired)) {
        try {
          condition.setLastTransitionTime(Instant.now().toString());
          String patch = client.getKubernetesSerialization().asJson(List.of(Map.of("op", "add", "path", "/status", "value", desired)));
          client.resources(IPAddressPool.class).inNamespace(config.namespace()).resource(cr).status()
              .patch(PatchContext.of(PatchType.JSON), patch);
        } catch (KubernetesClientException e) {
          log.warn("could not write status of pool {}: {}", name, e.getMessage());
          schedulePoolStatusFlush();
        }
      }
    }
  }

  /** MetalLB's gauges are int64: an IPv6 /64 shows the int64 maximum, as there. */
  private static double size(Pool pool, IpFamily family) {
    BigInteger n = pool.size(family);
    return n.bitLength() >= 64 ? Long.MAX_VALUE : n.longValue();
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
        && Objects.equals(a.getReason(), b.getReason())
        && Objects.equals(a.getMessage(), b.getMessage());
  }

  // ---- services ------------------------------------------------------------------------------

  private Service service(ServiceKey key) {
    return services.getStore().getByKey(key.namespace() + "/" + key.name());
  }

  /** How many Service reconciles ran; for tests that check a change costs work for the Services it concerns only. */
  long serviceReconciles() {
    return serviceReconciles.get();
  }

  private void reconcileService(ServiceKey key) {
    serviceReconciles.incrementAndGet();
    Service s = service(key);
    applyConflictReport(key, s);
    if (s == null) {
      loggedFailures.remove(key);
      failedAllocations.remove(key);
      writer.forget(key);
      if (owned.remove(key)) {
        allocator.release(key);
        log.info("service deleted, address released", kv("event", "ipReleased"), kv("service", key.toString()));
        addressesFreed();
      }
      return;
    }
    if (!ServiceTranslation.isLoadBalancer(s) || !ServiceTranslation.hasClass(s, config.loadBalancerClass())) {
      loggedFailures.remove(key);
      failedAllocations.remove(key);
      releaseAndClear(s, "service is no longer ours (type " + s.getSpec().getType() + ", class "
          + s.getSpec().getLoadBalancerClass() + ")", false);
      return;
    }
    Map<String, String> nsLabels = namespaceLabels(key.namespace());
    var annotations = ServiceAnnotations.of(s.getMetadata().getAnnotations());
    for (String deprecated : annotations.deprecatedKeysUsed()) {
      events.record(s, Type.Warning, "deprecatedAnnotation", "annotation " + deprecated + " is deprecated, use "
          + MetalLb.CURRENT_PREFIX + deprecated.substring(MetalLb.DEPRECATED_PREFIX.length()) + " instead");
    }
    List<InetAddress> current = ServiceTranslation.currentIps(s);
    Optional<ServiceTranslation.IngressProblem> ingress = ServiceTranslation.ingressProblem(s);
    if (ingress.isPresent()) {
      // MetalLB: addresses that cannot be one service's (three, two of one family) are dropped and
      // allocated afresh, with a Warning instead of ClearAssignment.
      refuse(s, key, "nolbIPsIPFamily", ingress.get().message());
      allocator.release(key);
      current = List.of();
    }
    switch (ServiceTranslation.toRequest(s, nsLabels)) {
      case ServiceTranslation.Result.NotEnoughClusterIps n -> {
        refuse(s, key, "not enough clusterips", n.message());
        releaseAndClear(s, n.message(), true);
      }
      case ServiceTranslation.Result.Invalid invalid -> {
        String message = "invalid requested loadbalancer IPs: " + invalid.message();
        refuse(s, key, "LoadBalancerFailed", message);
        // As MetalLB does, a Service whose request became unreadable keeps the addresses it holds.
        if (!current.isEmpty() && allocator.assign(invalid.rest(), current) instanceof AllocationResult.Allocated a
            && Set.copyOf(a.ips()).equals(Set.copyOf(current))) {
          owned.add(key);
          writeAssignment(s, a.ips(), a.pool());
        } else {
          releaseAndClear(s, message, true);
        }
      }
      case ServiceTranslation.Result.Request request -> {
        AllocationResult result = allocator.assign(request.request(), current);
        switch (result) {
          case AllocationResult.Allocated a -> {
            owned.add(key);
            loggedFailures.remove(key);
            failedAllocations.remove(key);
            // The allocator also reports a mere reordering (IPv4 first) as a change: only a
            // different set of addresses is news for the user.
            boolean different = !Set.copyOf(current).equals(Set.copyOf(a.ips()));
            if (different && !current.isEmpty()) {
              events.record(s, Type.Normal, "ClearAssignment", clearAssignmentText(key, current,
                  allocator.lastMoveReason(key).orElse("it is no longer valid")));
            }
            writeAssignment(s, a.ips(), a.pool());
            if (different) {
              String ips = a.ips().stream().map(IpText::format).toList().toString();
              events.record(s, Type.Normal, "IPAllocated", "Assigned IP " + ips);
              log.info("address assigned", kv("event", "ipAllocated"), kv("service", key.toString()), kv("ips", ips), kv("pool", a.pool()));
              if (current.isEmpty()) {
                schedulePoolStatusFlush();
              } else {
                addressesFreed();
              }
            }
          }
          case AllocationResult.Failed f -> {
            refuse(s, key, "AllocationFailed", "Failed to allocate IP for \"" + key + "\": " + f.reason());
            releaseAndClear(s, f.reason(), true);
            failedAllocations.add(key);
          }
        }
      }
    }
  }

  /** A Warning event on the Service, logged when it is news (a pool change re-reconciles every Service). */
  private void refuse(Service s, ServiceKey key, String reason, String message) {
    events.record(s, Type.Warning, reason, message);
    String logged = reason + ": " + message;
    if (!logged.equals(loggedFailures.put(key, logged))) {
      // Log events are camelCase (docs/troubleshooting.md), the Kubernetes reasons MetalLB's.
      String event = Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
      log.warn("{}", logged, kv("event", event), kv("service", key.toString()));
    }
  }

  /** MetalLB's ClearAssignment text, with the addresses taken back. */
  private static String clearAssignmentText(ServiceKey key, List<InetAddress> ips, String why) {
    return "current IP for \"" + key + "\" " + ips.stream().map(IpText::format).toList()
        + " not allowed by config, will attempt for new IP assignment: " + why;
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
      addressesFreed();
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

  /**
   * Releases whatever the service held and clears its addresses and pool annotation: always for a
   * Service of ours (as MetalLB clears the state it manages), and for one that stopped being ours
   * only when this controller wrote them.
   */
  private void releaseAndClear(Service s, String why, boolean ours) {
    ServiceKey key = ServiceTranslation.key(s);
    boolean held = owned.remove(key);
    allocator.release(key);
    boolean wroteIt = s.getMetadata().getAnnotations() != null
        && s.getMetadata().getAnnotations().containsKey(MetalLb.ANNOTATION_ALLOCATED_FROM_POOL);
    if (ours || held || wroteIt) {
      if (!ServiceTranslation.currentIps(s).isEmpty()) {
        log.info("address withdrawn from service: {}", why, kv("event", "ipCleared"), kv("service", key.toString()));
      }
      writeAssignment(s, List.of(), null);
    }
    if (held) {
      addressesFreed();
    }
  }

  /** An address went back to its pool: the services still waiting for one try again, and the pool status follows. */
  private void addressesFreed() {
    for (ServiceKey waiting : failedAllocations) {
      enqueue(new Work.ServiceChanged(waiting));
    }
    schedulePoolStatusFlush();
  }

  private void writeAssignment(Service s, List<InetAddress> ips, String pool) {
    writer.write(s, ips.stream().map(IpText::format).toList(), pool);
  }

}
