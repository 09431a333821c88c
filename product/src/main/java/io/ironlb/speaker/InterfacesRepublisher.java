package io.ironlb.speaker;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.k8s.NodeInterfacesAnnotation;
import io.ironlb.k8s.Writes;
import io.ironlb.l2.DefaultRoutes;
import io.ironlb.l2.ExcludedInterfaces;
import io.ironlb.l2.InterfaceTable;
import io.ironlb.runtime.SteadyThreads;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code ironlb.io/interfaces} on this speaker's Node current when the node's interfaces
 * change (a link comes up, DHCP adds an address) or a default route comes or goes (the data plane
 * reports only those: some CNIs add a route per pod). The annotation leaves out container
 * devices, so pods coming and going change nothing and cost no write. Writes happen off the interface watcher's
 * thread, one at a time, always of the latest value.
 */
final class InterfacesRepublisher {
  private static final Logger log = LoggerFactory.getLogger(InterfacesRepublisher.class);

  private final KubernetesClient client;
  private final String node;
  private final ExcludedInterfaces excluded;
  private final Supplier<DefaultRoutes> defaultRoutes;
  private final AtomicReference<String> latest;
  /**
   * One writer thread, started with the speaker and kept: a thread started later, when an address
   * came or went on a saturated node (bench/soak: keepalived's VIP beside it), held a safepoint for
   * 500 ms, and every thread of the speaker with it, the heartbeat thread too.
   */
  private final ExecutorService writer = SteadyThreads.pool("node-interfaces", 1);
  private String published;

  /** @param published the value already on the Node */
  InterfacesRepublisher(KubernetesClient client, String node, ExcludedInterfaces excluded, Supplier<DefaultRoutes> defaultRoutes,
      String published) {
    this.client = client;
    this.node = node;
    this.excluded = excluded;
    this.defaultRoutes = defaultRoutes;
    this.latest = new AtomicReference<>(published);
    this.published = published;
  }

  void interfacesChanged(InterfaceTable table) {
    String value = NodeInterfacesAnnotation.format(NodeInterfacesAnnotation.describe(table, excluded, defaultRoutes.get()));
    if (!value.equals(latest.getAndSet(value))) {
      writer.execute(this::publishLatest);
    }
  }

  private void publishLatest() {
    String value = latest.get();
    if (value.equals(published)) {
      return;
    }
    try {
      Writes.retryOnConflict(() -> client.nodes().withName(node).edit(n -> {
        Map<String, String> a = new LinkedHashMap<>(n.getMetadata().getAnnotations() == null ? Map.of() : n.getMetadata().getAnnotations());
        a.put(NodeInterfacesAnnotation.KEY, value);
        n.getMetadata().setAnnotations(a);
        return n;
      }));
      published = value;
      log.info("published this node's interfaces: {}", value, kv("event", "interfacesPublished"));
    } catch (RuntimeException e) {
      // Only ironlb check reads it: the next interface change tries again.
      log.warn("could not publish this node's interfaces: {}", e.toString(), kv("event", "interfacesPublishFailed"));
    }
  }
}
