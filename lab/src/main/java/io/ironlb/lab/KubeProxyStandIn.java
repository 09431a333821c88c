package io.ironlb.lab;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Netns;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in for kube-proxy: watches Services and EndpointSlices and rewrites each node
 * namespace's nftables table ({@link ProxyRules}) whenever what a node should do changes. One
 * thread applies changes, coalescing bursts; a node whose namespace is not there yet (during
 * {@code lab up}) is retried every second.
 */
public final class KubeProxyStandIn implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KubeProxyStandIn.class);

  private final LabLayout layout;
  private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("kube-proxy-stand-in").factory());
  /** Above this many rules an update logs their number, not the rules (a line per sync of a burst). */
  private static final int LOGGED_RULES = 20;
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile long lastSyncMillis;
  private final Map<String, String> applied = new HashMap<>();
  private final Map<String, String> lastError = new HashMap<>();
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<EndpointSlice> slices;

  public KubeProxyStandIn(KubernetesClient client, LabLayout layout) {
    this.layout = layout;
    ResourceEventHandler<Object> handler = new ResourceEventHandler<>() {
      @Override
      public void onAdd(Object obj) {
        schedule();
      }

      @Override
      public void onUpdate(Object oldObj, Object newObj) {
        schedule();
      }

      @Override
      public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
        schedule();
      }
    };
    this.services = client.services().inAnyNamespace().inform(cast(handler), 0);
    this.slices = client.discovery().v1().endpointSlices().inAnyNamespace().inform(cast(handler), 0);
    worker.scheduleWithFixedDelay(this::retryFailed, 1, 1, TimeUnit.SECONDS);
    schedule();
  }

  @SuppressWarnings("unchecked")
  private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> h) {
    return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
  }

  /**
   * A sync 20 ms after a change, or, after a sync that took longer, no sooner than that sync took:
   * in a burst of thousands of Services each sync rewrites every rule, and back to back they kept a
   * whole core busy on a two-core machine.
   */
  private void schedule() {
    if (pending.compareAndSet(false, true)) {
      worker.schedule(this::sync, Math.max(20, lastSyncMillis), TimeUnit.MILLISECONDS);
    }
  }

  private void retryFailed() {
    if (layout.nodes().stream().anyMatch(n -> !applied.containsKey(n.name()))) {
      schedule();
    }
  }

  private void sync() {
    long start = System.nanoTime();
    try {
      syncNodes();
    } finally {
      lastSyncMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
  }

  private void syncNodes() {
    pending.set(false);
    List<Service> svcs = services.getStore().list();
    List<EndpointSlice> eps = slices.getStore().list();
    for (LabLayout.Node node : layout.nodes()) {
      List<ProxyRules.Rule> rules = ProxyRules.rules(node.name(), svcs, eps);
      String script = ProxyRules.script(rules, LabLayout.NODE_INTERNAL_IF);
      if (script.equals(applied.get(node.name()))) {
        continue;
      }
      if (!Netns.exists(node.namespace())) {
        applied.remove(node.name());
        continue;
      }
      CommandResult r = Netns.exec(node.namespace(), Netns.TIMEOUT, script, List.of("nft", "-f", "-"));
      if (r.ok()) {
        applied.put(node.name(), script);
        lastError.remove(node.name());
        if (rules.size() <= LOGGED_RULES) {
          LOG.info("kube-proxy stand-in: rules of {} updated: {}", node.name(), rules);
        } else {
          LOG.info("kube-proxy stand-in: rules of {} updated: {} rules", node.name(), rules.size());
        }
      } else {
        applied.remove(node.name());
        if (r.describe().equals(lastError.put(node.name(), r.describe()))) {
          continue; // said already; retried every second
        }
        LOG.warn("kube-proxy stand-in: cannot load rules into {}: {}", node.namespace(), r.describe());
      }
    }
  }

  @Override
  public void close() {
    services.close();
    slices.close();
    worker.shutdownNow();
  }
}
