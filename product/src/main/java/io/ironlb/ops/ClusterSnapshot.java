package io.ironlb.ops;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ironlb.k8s.ConfigurationState;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.ServiceL2Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What {@code status} and {@code check} read, in one pass, so that both work on one consistent
 * picture and their logic is a pure function of it.
 *
 * @param namespace the config namespace (pools, advertisements, ServiceL2Status, speaker pods)
 * @param crds the MetalLB CRDs by name; a missing one is absent from the map
 * @param configurationStates the ConfigurationState of each process (controller, speaker-NODE), by name
 * @param kubeProxy kube-system/kube-proxy, or null when the cluster has none (k3s, a kube-proxy replacement)
 * @param webhooks names of ValidatingWebhookConfigurations (to spot MetalLB's, left behind)
 * @param unreadable what could not be read and why (e.g. "webhooks: forbidden"); checks that need it say so
 */
public record ClusterSnapshot(
    String namespace,
    Map<String, CustomResourceDefinition> crds,
    List<Service> services,
    List<IPAddressPool> pools,
    List<L2Advertisement> advertisements,
    List<ServiceL2Status> l2Statuses,
    List<ConfigurationState> configurationStates,
    List<Node> nodes,
    List<Pod> pods,
    List<Event> events,
    ConfigMap kubeProxy,
    List<String> webhooks,
    Map<String, String> unreadable,
    Instant readAt) {

  /** The CRDs IronLB reads and writes, all in {@code metallb.io/v1beta1}. */
  public static final List<String> CRD_NAMES =
      List.of("ipaddresspools.metallb.io", "l2advertisements.metallb.io", "servicel2statuses.metallb.io",
          "configurationstates.metallb.io");

  public ClusterSnapshot {
    crds = Map.copyOf(crds);
    services = List.copyOf(services);
    pools = List.copyOf(pools);
    advertisements = List.copyOf(advertisements);
    l2Statuses = List.copyOf(l2Statuses);
    configurationStates = List.copyOf(configurationStates);
    nodes = List.copyOf(nodes);
    pods = List.copyOf(pods);
    events = List.copyOf(events);
    webhooks = List.copyOf(webhooks);
    unreadable = Map.copyOf(unreadable);
  }

  public static ClusterSnapshot read(KubernetesClient client, String namespace) {
    Map<String, String> unreadable = new LinkedHashMap<>();
    Map<String, CustomResourceDefinition> crds = new LinkedHashMap<>();
    for (String name : CRD_NAMES) {
      CustomResourceDefinition crd = read(unreadable, "CRD " + name, () -> client.apiextensions().v1().customResourceDefinitions()
          .withName(name).get(), null);
      if (crd != null) {
        crds.put(name, crd);
      }
    }
    boolean pools = crds.containsKey("ipaddresspools.metallb.io");
    boolean ads = crds.containsKey("l2advertisements.metallb.io");
    boolean l2 = crds.containsKey("servicel2statuses.metallb.io");
    boolean states = crds.containsKey("configurationstates.metallb.io");
    return new ClusterSnapshot(namespace, crds,
        sorted(read(unreadable, "services", () -> client.services().inAnyNamespace().list().getItems(), List.of())),
        byAge(pools ? read(unreadable, "IPAddressPools",
            () -> client.resources(IPAddressPool.class).inNamespace(namespace).list().getItems(), List.of()) : List.of()),
        sorted(ads ? read(unreadable, "L2Advertisements",
            () -> client.resources(L2Advertisement.class).inNamespace(namespace).list().getItems(), List.of()) : List.of()),
        l2 ? read(unreadable, "ServiceL2Statuses",
            () -> client.resources(ServiceL2Status.class).inNamespace(namespace).list().getItems(), List.of()) : List.of(),
        sorted(states ? read(unreadable, "ConfigurationStates",
            () -> client.resources(ConfigurationState.class).inNamespace(namespace).list().getItems(), List.of()) : List.of()),
        sorted(read(unreadable, "nodes", () -> client.nodes().list().getItems(), List.of())),
        read(unreadable, "pods in " + namespace, () -> client.pods().inNamespace(namespace).list().getItems(), List.of()),
        // Events live an hour by default; field selectors are not used so that every API server
        // (and the mock) answers the same. Filtered by reason by the callers.
        read(unreadable, "events", () -> client.v1().events().inAnyNamespace().list().getItems(), List.of()),
        read(unreadable, "ConfigMap kube-system/kube-proxy",
            () -> client.configMaps().inNamespace("kube-system").withName("kube-proxy").get(), null),
        read(unreadable, "ValidatingWebhookConfigurations", () -> client.admissionRegistration().v1()
            .validatingWebhookConfigurations().list().getItems().stream().map(w -> w.getMetadata().getName()).toList(), List.of()),
        unreadable, Instant.now());
  }

  private static <T> T read(Map<String, String> unreadable, String what, Supplier<T> read, T otherwise) {
    // No HTTP answer at all (code 0): the server is unreachable, and every further read would wait
    // out its own timeout for the same answer.
    String down = unreadable.values().stream().filter(v -> v.startsWith(UNREACHABLE)).findFirst().orElse(null);
    if (down != null) {
      unreadable.put(what, down);
      return otherwise;
    }
    try {
      return read.get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return otherwise;
      }
      unreadable.put(what, e.getCode() == 403 ? "forbidden for this user"
          : e.getCode() == 0 ? UNREACHABLE + rootCause(e) : e.getMessage());
      return otherwise;
    }
  }

  private static final String UNREACHABLE = "no answer: ";

  private static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  private static <T extends HasMetadata> List<T> sorted(List<T> items) {
    List<T> out = new ArrayList<>(items);
    out.sort(Comparator.comparing((T o) -> Objects.requireNonNullElse(o.getMetadata().getNamespace(), ""))
        .thenComparing(o -> o.getMetadata().getName()));
    return out;
  }

  /** Oldest first, as the controller orders pools (the older of two overlapping pools keeps its addresses). */
  private static <T extends HasMetadata> List<T> byAge(List<T> items) {
    List<T> out = new ArrayList<>(items);
    out.sort(Comparator.comparing((T o) -> Objects.requireNonNullElse(o.getMetadata().getCreationTimestamp(), ""))
        .thenComparing(o -> o.getMetadata().getName()));
    return out;
  }

  /** Events with this reason, newest first. */
  public List<Event> events(String reason) {
    List<Event> out = new ArrayList<>(events.stream().filter(e -> reason.equals(e.getReason())).toList());
    out.sort(Comparator.comparing(ClusterSnapshot::eventTime).reversed());
    return out;
  }

  /** An event's last occurrence, whichever of the old and new time fields the writer filled. */
  public static Instant eventTime(Event e) {
    for (String t : new String[] {e.getLastTimestamp(), e.getEventTime() == null ? null : e.getEventTime().getTime(),
        e.getFirstTimestamp(), e.getMetadata().getCreationTimestamp()}) {
      if (t != null && !t.isBlank()) {
        try {
          return Instant.parse(t);
        } catch (java.time.format.DateTimeParseException ignored) {
          // try the next field
        }
      }
    }
    return Instant.EPOCH;
  }
}
