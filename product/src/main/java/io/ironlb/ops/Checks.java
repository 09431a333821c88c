package io.ironlb.ops;

import static io.ironlb.ops.Finding.Check.ADDRESS_CONFLICTS;
import static io.ironlb.ops.Finding.Check.ADVERTISEMENT_INTERFACES;
import static io.ironlb.ops.Finding.Check.ADVERTISEMENT_POOLS;
import static io.ironlb.ops.Finding.Check.CONFIGURATION;
import static io.ironlb.ops.Finding.Check.CRDS;
import static io.ironlb.ops.Finding.Check.KUBE_PROXY;
import static io.ironlb.ops.Finding.Check.METALLB_LEFTOVERS;
import static io.ironlb.ops.Finding.Check.POOLS_ADVERTISED;
import static io.ironlb.ops.Finding.Check.POOLS_NODE_IPS;
import static io.ironlb.ops.Finding.Check.POOLS_OVERLAP;
import static io.ironlb.ops.Finding.Check.POOLS_VALID;
import static io.ironlb.ops.Finding.Check.SPEAKERS;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.ironlb.ipam.Pool;
import io.ironlb.ipam.PoolSet;
import io.ironlb.ipam.PoolValidation;
import io.ironlb.k8s.ConfigurationState;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.PoolTranslation;
import io.ironlb.k8s.ServiceTranslation;
import io.ironlb.k8s.SpeakerFacts;
import io.ironlb.l2.ExcludedInterfaces;
import io.ironlb.l2.InterfaceSelection;
import io.ironlb.l2.InterfaceTable;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.model.LabelSelector;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The checks of {@code ironlb check}, each a pure function of a {@link ClusterSnapshot}. Every
 * check reports what it looked at when all is well, so the output doubles as a checklist; every
 * problem carries its fix.
 */
public final class Checks {
  /** The seed's own fix (metallb-l2-guide.md, "Enable Strict ARP"), which works for IronLB as written. */
  static final String STRICT_ARP_FIX = """
      kubectl get configmap kube-proxy -n kube-system -o yaml | \\
        sed -e "s/strictARP: false/strictARP: true/" | \\
        kubectl apply -f - -n kube-system
      kubectl rollout restart daemonset kube-proxy -n kube-system""";
  static final String CRD_FIX = "kubectl apply -k deploy/crds   (IronLB's CRDs; pools and advertisements are kept)";
  static final String SPEAKER_LABEL = "component";
  static final String SPEAKER_VALUE = "speaker";
  static final String METALLB_WEBHOOK = "metallb-webhook-configuration";

  private Checks() {}

  public static List<Finding> all(ClusterSnapshot snap) {
    List<Finding> out = new ArrayList<>();
    for (Function<ClusterSnapshot, List<Finding>> check : List.<Function<ClusterSnapshot, List<Finding>>>of(
        Checks::kubeProxy, Checks::crds, Checks::metallbLeftovers, Checks::speakers, Checks::configurationStates,
        Checks::poolsValid, Checks::poolsAgainstNodes,
        Checks::poolOverlaps, Checks::poolsAdvertised, Checks::advertisementPools, Checks::advertisementInterfaces,
        NodeInterfaceChecks::check, Checks::conflicts)) {
      out.addAll(check.apply(snap));
    }
    return out;
  }

  // ---- kube-proxy -----------------------------------------------------------------------------

  static List<Finding> kubeProxy(ClusterSnapshot snap) {
    String unreadable = snap.unreadable().get("ConfigMap kube-system/kube-proxy");
    if (unreadable != null) {
      return List.of(Finding.note(KUBE_PROXY, "ConfigMap kube-system/kube-proxy", "not checked: " + unreadable));
    }
    if (snap.kubeProxy() == null) {
      return List.of(Finding.note(KUBE_PROXY, "ConfigMap kube-system/kube-proxy", "not found: kube-proxy is absent or configured "
          + "elsewhere (k3s, a kube-proxy replacement); if it runs in IPVS mode, set strictARP: true in its configuration"));
    }
    String yaml = snap.kubeProxy().getData() == null ? null : snap.kubeProxy().getData().get(KubeProxyConfig.CONFIG_KEY);
    if (yaml == null) {
      return List.of(Finding.note(KUBE_PROXY, "ConfigMap kube-system/kube-proxy", "has no key " + KubeProxyConfig.CONFIG_KEY
          + ": cannot tell its mode"));
    }
    KubeProxyConfig config;
    try {
      config = KubeProxyConfig.parse(yaml);
    } catch (RuntimeException e) {
      return List.of(Finding.note(KUBE_PROXY, "ConfigMap kube-system/kube-proxy", "key " + KubeProxyConfig.CONFIG_KEY
          + " is not readable YAML: " + e.getMessage()));
    }
    if (config.needsStrictArp()) {
      return List.of(Finding.problem(KUBE_PROXY, "ConfigMap kube-system/kube-proxy", "mode is ipvs without strictARP: true: "
          + "kube-proxy puts every Service IP on kube-ipvs0, so every node's kernel answers ARP for them and clients may "
          + "send to a node that is not the announcer (the seed's guide calls this critical)", STRICT_ARP_FIX));
    }
    String mode = config.mode().isEmpty() ? "\"\" (iptables)" : config.mode();
    return List.of(Finding.ok(KUBE_PROXY, "mode " + mode + (config.mode().equalsIgnoreCase("ipvs") ? " with strictARP: true"
        : ": strictARP matters only in IPVS mode")));
  }

  // ---- ConfigurationState ---------------------------------------------------------------------

  /** What the controller and each speaker say about the configuration they loaded (MetalLB's ConfigurationState). */
  static List<Finding> configurationStates(ClusterSnapshot snap) {
    String unreadable = snap.unreadable().get("ConfigurationStates");
    if (unreadable != null) {
      return List.of(Finding.note(CONFIGURATION, "ConfigurationStates", "not checked: " + unreadable));
    }
    if (!snap.crds().containsKey("configurationstates.metallb.io")) {
      return List.of(); // the CRDs check says it is missing
    }
    List<Finding> out = new ArrayList<>();
    List<String> valid = new ArrayList<>();
    for (ConfigurationState s : snap.configurationStates()) {
      String name = s.getMetadata().getName();
      String result = s.getStatus() == null || s.getStatus().result() == null ? ConfigurationState.UNKNOWN : s.getStatus().result();
      switch (result) {
        case ConfigurationState.VALID -> valid.add(name);
        case ConfigurationState.INVALID -> out.add(Finding.problem(CONFIGURATION, "ConfigurationState " + name,
            "some objects were refused; the last valid version of each stays in force (or none): "
                + Objects.requireNonNullElse(s.getStatus().errorSummary(), "(no summary)").replace("\n", "; "),
            "correct or delete the objects named (kubectl get events -n " + snap.namespace()
                + " --field-selector reason=InvalidConfiguration shows each refusal)"));
        default -> out.add(Finding.note(CONFIGURATION, "ConfigurationState " + name, "result " + result
            + ": the process has not reported yet"));
      }
    }
    if (snap.configurationStates().isEmpty()) {
      out.add(Finding.note(CONFIGURATION, "ConfigurationStates", "none in " + snap.namespace()
          + ": the controller has not started yet (or is older than this tool)"));
    } else if (!valid.isEmpty()) {
      out.add(Finding.ok(CONFIGURATION, String.join(", ", valid) + (valid.size() == 1 ? " reports" : " report")
          + " a valid configuration"));
    }
    return out;
  }

  // ---- CRDs -----------------------------------------------------------------------------------

  static List<Finding> crds(ClusterSnapshot snap) {
    List<Finding> out = new ArrayList<>();
    for (String name : ClusterSnapshot.CRD_NAMES) {
      String unreadable = snap.unreadable().get("CRD " + name);
      CustomResourceDefinition crd = snap.crds().get(name);
      if (unreadable != null) {
        out.add(Finding.note(CRDS, "CRD " + name, "not checked: " + unreadable));
      } else if (crd == null) {
        out.add(Finding.problem(CRDS, "CRD " + name, "is missing: IronLB cannot " + (name.startsWith("servicel2")
            ? "report which node announces a Service" : name.startsWith("configurationstates")
            ? "report whether its configuration loaded" : "read your configuration"), CRD_FIX));
      } else {
        List<String> gaps = crdGaps(name, crd);
        if (!gaps.isEmpty()) {
          out.add(Finding.problem(CRDS, "CRD " + name, "is older than IronLB's (MetalLB's own, or an old IronLB): "
              + String.join("; ", gaps), CRD_FIX));
        }
      }
    }
    if (out.isEmpty()) {
      out.add(Finding.ok(CRDS, String.join(", ", ClusterSnapshot.CRD_NAMES) + " are installed and current"));
    }
    return out;
  }

  /** What IronLB relies on that this CRD lacks. */
  static List<String> crdGaps(String name, CustomResourceDefinition crd) {
    List<String> gaps = new ArrayList<>();
    CustomResourceDefinitionVersion v1beta1 = crd.getSpec() == null || crd.getSpec().getVersions() == null ? null
        : crd.getSpec().getVersions().stream().filter(v -> "v1beta1".equals(v.getName())).findFirst().orElse(null);
    if (v1beta1 == null || !Boolean.TRUE.equals(v1beta1.getServed())) {
      gaps.add("version v1beta1 is not served");
      return gaps;
    }
    JSONSchemaProps schema = v1beta1.getSchema() == null ? null : v1beta1.getSchema().getOpenAPIV3Schema();
    boolean statusWritten = !name.startsWith("l2advertisements");
    if (statusWritten && (v1beta1.getSubresources() == null || v1beta1.getSubresources().getStatus() == null)) {
      gaps.add("no status subresource, so the status IronLB writes is refused");
    }
    if (name.startsWith("ipaddresspools") && property(schema, "status", "conditions").isEmpty()) {
      gaps.add("no status.conditions, where IronLB says why a pool is out of service");
    }
    if (name.startsWith("l2advertisements") && property(schema, "spec", "interfaces").isEmpty()) {
      gaps.add("no spec.interfaces");
    }
    if ((name.startsWith("ipaddresspools") || name.startsWith("l2advertisements")) && !hasValidationRules(schema)) {
      gaps.add("no validation rules: without MetalLB's webhook a malformed pool or advertisement is accepted at apply time");
    }
    return gaps;
  }

  private static Optional<JSONSchemaProps> property(JSONSchemaProps schema, String... path) {
    JSONSchemaProps at = schema;
    for (String p : path) {
      if (at == null || at.getProperties() == null) {
        return Optional.empty();
      }
      at = at.getProperties().get(p);
    }
    return Optional.ofNullable(at);
  }

  private static boolean hasValidationRules(JSONSchemaProps schema) {
    if (schema == null) {
      return false;
    }
    if (schema.getXKubernetesValidations() != null && !schema.getXKubernetesValidations().isEmpty()) {
      return true;
    }
    if (schema.getProperties() != null && schema.getProperties().values().stream().anyMatch(Checks::hasValidationRules)) {
      return true;
    }
    return schema.getItems() != null && hasValidationRules(schema.getItems().getSchema());
  }

  // ---- MetalLB left behind --------------------------------------------------------------------

  static List<Finding> metallbLeftovers(ClusterSnapshot snap) {
    List<Finding> out = new ArrayList<>();
    for (Pod p : snap.pods()) {
      if (isMetallb(p)) {
        String component = label(p, "component").orElse(label(p, "app.kubernetes.io/component").orElse("pod"))
            + " (" + p.getSpec().getContainers().getFirst().getImage() + ")";
        out.add(Finding.problem(METALLB_LEFTOVERS, "pod " + p.getMetadata().getName(), "MetalLB's " + component + " still runs"
            + (p.getSpec().getNodeName() == null ? "" : " on node " + p.getSpec().getNodeName())
            + ": two load balancers would allocate and answer ARP for the same addresses",
            "kubectl delete -n " + snap.namespace() + " deployment/controller daemonset/speaker   (MetalLB's workloads only: "
                + "keep the CRDs, they hold your pools; docs/migrating-from-metallb.md)"));
      }
    }
    if (snap.webhooks().contains(METALLB_WEBHOOK)) {
      out.add(Finding.problem(METALLB_LEFTOVERS, "ValidatingWebhookConfiguration " + METALLB_WEBHOOK, "is still registered: "
          + "it calls MetalLB's controller, so once that is gone every change of a pool or advertisement is refused",
          "kubectl delete validatingwebhookconfiguration " + METALLB_WEBHOOK));
    }
    if (out.isEmpty()) {
      out.add(Finding.ok(METALLB_LEFTOVERS, "no MetalLB controller, speaker or webhook left in " + snap.namespace()));
    }
    return out;
  }

  /**
   * MetalLB's own pods, told by their images (quay.io/metallb/speaker, .../controller, in the native
   * manifest and the Helm chart alike): labels would not do, as IronLB keeps MetalLB's
   * {@code component=speaker} so that the seed's {@code kubectl logs -l component=speaker} works.
   */
  static boolean isMetallb(Pod p) {
    if (p.getSpec() == null || p.getSpec().getContainers() == null) {
      return false;
    }
    return p.getSpec().getContainers().stream().map(c -> Objects.requireNonNullElse(c.getImage(), ""))
        .anyMatch(image -> image.startsWith("metallb/") || image.contains("/metallb/"));
  }

  private static Optional<String> label(Pod p, String key) {
    return Optional.ofNullable(p.getMetadata().getLabels()).map(l -> l.get(key));
  }

  // ---- speakers -------------------------------------------------------------------------------

  /** IronLB's speaker pods: {@code component=speaker} in the config namespace, MetalLB's excluded. */
  static List<Pod> speakerPods(ClusterSnapshot snap) {
    return snap.pods().stream().filter(p -> label(p, SPEAKER_LABEL).filter(SPEAKER_VALUE::equals).isPresent() && !isMetallb(p)).toList();
  }

  static List<Finding> speakers(ClusterSnapshot snap) {
    String unreadable = snap.unreadable().get("pods in " + snap.namespace());
    if (unreadable != null) {
      return List.of(Finding.note(SPEAKERS, "pods in " + snap.namespace(), "not checked: " + unreadable));
    }
    List<Finding> out = new ArrayList<>();
    int running = 0;
    for (Node n : snap.nodes()) {
      String name = n.getMetadata().getName();
      String os = n.getMetadata().getLabels() == null ? null : n.getMetadata().getLabels().get("kubernetes.io/os");
      if (os != null && !os.equals("linux")) {
        out.add(Finding.note(SPEAKERS, "node " + name, "runs " + os + ": no speaker (Linux only), it never announces"));
        continue;
      }
      List<Pod> pods = speakerPods(snap).stream().filter(p -> name.equals(p.getSpec().getNodeName())).toList();
      if (pods.stream().anyMatch(Checks::runningAndReady)) {
        running++;
        continue;
      }
      String taints = n.getSpec() == null || n.getSpec().getTaints() == null || n.getSpec().getTaints().isEmpty() ? ""
          : "; node taints: " + n.getSpec().getTaints().stream().map(t -> t.getKey() + (t.getValue() == null ? "" : "=" + t.getValue())
              + ":" + t.getEffect()).toList();
      out.add(Finding.problem(SPEAKERS, "node " + name, (pods.isEmpty() ? "has no speaker pod"
              : "has no running speaker (" + pods.stream().map(p -> p.getMetadata().getName() + " " + podState(p)).toList() + ")")
              + ": it never announces, and a Service whose endpoints are only there (externalTrafficPolicy: Local) gets no announcer"
              + taints,
          "kubectl -n " + snap.namespace() + " describe daemonset ironlb-speaker; kubectl -n " + snap.namespace()
              + " logs -l component=speaker --tail=50" + (pods.isEmpty() ? "" : "; kubectl -n " + snap.namespace() + " describe pod "
              + pods.getFirst().getMetadata().getName())));
    }
    if (out.stream().noneMatch(f -> f.level() == Finding.Level.PROBLEM)) {
      out.add(Finding.ok(SPEAKERS, "a running speaker on each of " + running + " node" + (running == 1 ? "" : "s")));
    }
    return out;
  }

  static boolean runningAndReady(Pod p) {
    return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase())
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Running, Pending, CrashLoopBackOff, ...: what {@code kubectl get pods} shows in STATUS. */
  static String podState(Pod p) {
    if (p.getMetadata().getDeletionTimestamp() != null) {
      return "Terminating";
    }
    if (p.getStatus() == null) {
      return "Unknown";
    }
    if (p.getStatus().getContainerStatuses() != null) {
      for (ContainerStatus c : p.getStatus().getContainerStatuses()) {
        if (c.getState() != null && c.getState().getWaiting() != null && c.getState().getWaiting().getReason() != null) {
          return c.getState().getWaiting().getReason();
        }
      }
    }
    String phase = Objects.requireNonNullElse(p.getStatus().getPhase(), "Unknown");
    return "Running".equals(phase) && !runningAndReady(p) ? "Running (not ready)" : phase;
  }

  // ---- pools ----------------------------------------------------------------------------------

  /** Pools that parse, oldest first, as the controller uses them. */
  static List<Pool> validPools(ClusterSnapshot snap) {
    List<Pool> out = new ArrayList<>();
    for (IPAddressPool cr : snap.pools()) {
      if (parse(cr) instanceof PoolValidation.Valid v) {
        out.add(v.pool());
      }
    }
    return out;
  }

  private static PoolValidation parse(IPAddressPool cr) {
    try {
      return Pool.parse(PoolTranslation.toSpec(cr));
    } catch (IllegalArgumentException e) {
      return new PoolValidation.Invalid(List.of("IPAddressPool " + cr.getMetadata().getName() + ": " + e.getMessage()));
    } catch (RuntimeException e) {
      return new PoolValidation.Invalid(List.of("IPAddressPool " + cr.getMetadata().getName() + ": cannot be read (" + e + ")"));
    }
  }

  static List<Finding> poolsValid(ClusterSnapshot snap) {
    if (snap.pools().isEmpty()) {
      String why = snap.crds().containsKey("ipaddresspools.metallb.io") ? "" : " (its CRD is missing, see above)";
      return List.of(Finding.problem(POOLS_VALID, "namespace " + snap.namespace(), "has no IPAddressPool" + why
          + ": no Service can get an address", "kubectl apply -f deploy/examples/metallb-config.yaml   (the seed's pool; "
          + "edit the range for your LAN first)"));
    }
    List<Finding> out = new ArrayList<>();
    for (IPAddressPool cr : snap.pools()) {
      if (parse(cr) instanceof PoolValidation.Invalid invalid) {
        out.add(Finding.problem(POOLS_VALID, "IPAddressPool " + cr.getMetadata().getName(), String.join("; ", invalid.errors()),
            "kubectl -n " + snap.namespace() + " edit ipaddresspool " + cr.getMetadata().getName()));
      }
    }
    if (out.isEmpty()) {
      out.add(Finding.ok(POOLS_VALID, snap.pools().size() + " IPAddressPool" + (snap.pools().size() == 1 ? "" : "s") + " valid"));
    }
    return out;
  }

  static List<Finding> poolsAgainstNodes(ClusterSnapshot snap) {
    List<InetAddress> nodeIps = new ArrayList<>();
    snap.nodes().forEach(n -> nodeIps.addAll(PoolTranslation.nodeIps(n)));
    List<Finding> out = new ArrayList<>();
    for (Pool pool : validPools(snap)) {
      // The controller's own rule (PoolSet), one pool at a time so that each gets its own verdict.
      PoolSet.of(List.of(pool), nodeIps).problems().forEach((name, why) -> out.add(Finding.problem(POOLS_NODE_IPS,
          "IPAddressPool " + name, why, "take the node's address out of spec.addresses (kubectl -n " + snap.namespace()
              + " edit ipaddresspool " + name + ")")));
    }
    if (out.isEmpty()) {
      out.add(Finding.ok(POOLS_NODE_IPS, "no pool contains any of the " + nodeIps.size() + " node addresses"));
    }
    return out;
  }

  static List<Finding> poolOverlaps(ClusterSnapshot snap) {
    List<Finding> out = new ArrayList<>();
    PoolSet.of(validPools(snap), List.of()).problems().forEach((name, why) -> out.add(Finding.problem(POOLS_OVERLAP,
        "IPAddressPool " + name, why, "make the ranges disjoint (kubectl -n " + snap.namespace() + " edit ipaddresspool " + name + ")")));
    if (out.isEmpty()) {
      out.add(Finding.ok(POOLS_OVERLAP, "no two pools share an address"));
    }
    return out;
  }

  // ---- advertisements -------------------------------------------------------------------------

  static List<Finding> poolsAdvertised(ClusterSnapshot snap) {
    List<Finding> out = new ArrayList<>();
    for (IPAddressPool pool : snap.pools()) {
      Map<String, String> labels = pool.getMetadata().getLabels() == null ? Map.of() : pool.getMetadata().getLabels();
      boolean covered = snap.advertisements().stream().anyMatch(ad -> covers(ad, pool.getMetadata().getName(), labels));
      if (!covered) {
        out.add(Finding.problem(POOLS_ADVERTISED, "IPAddressPool " + pool.getMetadata().getName(), "is in no L2Advertisement: "
            + "its addresses are handed out but never announced, so clients cannot reach them",
            "list it in an L2Advertisement's spec.ipAddressPools (kubectl -n " + snap.namespace()
                + " edit l2advertisement ...), or apply one such as deploy/examples/metallb-config.yaml's"));
      }
    }
    if (out.isEmpty() && !snap.pools().isEmpty()) {
      out.add(Finding.ok(POOLS_ADVERTISED, "every pool is in an L2Advertisement"));
    }
    return out;
  }

  /** MetalLB's rule (election.AdvertisementFacts): naming neither pools nor pool selectors covers every pool. */
  static boolean covers(L2Advertisement ad, String pool, Map<String, String> poolLabels) {
    if (ad.getSpec() == null) {
      return true;
    }
    if (unreadable(ad).isPresent()) {
      return false; // the speakers leave it out (advertisementPools says why)
    }
    List<String> names = ad.getSpec().ipAddressPools() == null ? List.of() : ad.getSpec().ipAddressPools();
    List<LabelSelector> selectors = PoolTranslation.selectors(ad.getSpec().ipAddressPoolSelectors(), "spec.ipAddressPoolSelectors");
    if (names.isEmpty() && selectors.isEmpty()) {
      return true;
    }
    return names.contains(pool) || selectors.stream().anyMatch(s -> s.matches(poolLabels));
  }

  static List<Finding> advertisementPools(ClusterSnapshot snap) {
    Set<String> pools = new LinkedHashSet<>();
    snap.pools().forEach(p -> pools.add(p.getMetadata().getName()));
    List<Finding> out = new ArrayList<>();
    for (L2Advertisement ad : snap.advertisements()) {
      Optional<String> unreadable = unreadable(ad);
      if (unreadable.isPresent()) {
        out.add(Finding.problem(ADVERTISEMENT_POOLS, "L2Advertisement " + ad.getMetadata().getName(), unreadable.get()
            + ": the speakers leave it out (or keep its last valid version)",
            "correct it (kubectl -n " + snap.namespace() + " edit l2advertisement " + ad.getMetadata().getName() + ")"));
        continue;
      }
      List<String> named = ad.getSpec() == null || ad.getSpec().ipAddressPools() == null ? List.of() : ad.getSpec().ipAddressPools();
      for (String name : named) {
        if (!pools.contains(name)) {
          out.add(Finding.problem(ADVERTISEMENT_POOLS, "L2Advertisement " + ad.getMetadata().getName(), "names pool " + name
              + ", which does not exist in " + snap.namespace() + (pools.isEmpty() ? "" : " (pools: " + String.join(", ", pools) + ")"),
              "correct spec.ipAddressPools (kubectl -n " + snap.namespace() + " edit l2advertisement " + ad.getMetadata().getName()
                  + "), or create the pool"));
        }
      }
      boolean selectors = ad.getSpec() != null && ad.getSpec().ipAddressPoolSelectors() != null
          && !ad.getSpec().ipAddressPoolSelectors().isEmpty();
      if (selectors && named.isEmpty() && snap.pools().stream().noneMatch(p -> covers(ad, p.getMetadata().getName(),
          p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels()))) {
        out.add(Finding.note(ADVERTISEMENT_POOLS, "L2Advertisement " + ad.getMetadata().getName(),
            "its ipAddressPoolSelectors match no pool: it announces nothing"));
      }
    }
    if (out.isEmpty()) {
      out.add(Finding.ok(ADVERTISEMENT_POOLS, snap.advertisements().isEmpty() ? "no L2Advertisement (so nothing is announced)"
          : "every pool an L2Advertisement names exists"));
    }
    return out;
  }

  /** Why the speakers cannot read this advertisement (their own translation), if they cannot. */
  static Optional<String> unreadable(L2Advertisement ad) {
    try {
      SpeakerFacts.advertisement(ad);
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of(e instanceof IllegalArgumentException ? e.getMessage() : "cannot be read (" + e + ")");
    }
  }

  static List<Finding> advertisementInterfaces(ClusterSnapshot snap) {
    List<Finding> out = new ArrayList<>();
    for (L2Advertisement ad : snap.advertisements()) {
      if (unreadable(ad).isPresent()) {
        continue; // reported under advertisement pools
      }
      List<String> names = ad.getSpec() == null || ad.getSpec().interfaces() == null ? List.of() : ad.getSpec().interfaces();
      for (String name : names) {
        neverUsed(name).ifPresent(why -> out.add(Finding.problem(ADVERTISEMENT_INTERFACES, "L2Advertisement "
            + ad.getMetadata().getName(), "lists interface " + name + ", which IronLB never announces on (" + why + ")",
            "list the nodes' LAN interfaces (ip -br link on a node), or leave spec.interfaces out to announce on the "
                + "interfaces whose subnet holds the address")));
      }
    }
    // Whether a listed interface exists on the nodes is known only to their speakers, which say so
    // with an announceFailed event when no interface can announce an address.
    for (Event e : snap.events("announceFailed")) {
      var o = e.getInvolvedObject();
      out.add(Finding.problem(ADVERTISEMENT_INTERFACES, "Service " + o.getNamespace() + "/" + o.getName(), e.getMessage(),
          "check the node's links (ip -br addr) and the interfaces of the L2Advertisement that covers its pool"));
    }
    if (out.isEmpty()) {
      out.add(Finding.ok(ADVERTISEMENT_INTERFACES, "no advertisement names an unusable interface, and no speaker reported "
          + "an address it could not announce (announceFailed)"));
    }
    return out;
  }

  /** Why IronLB never announces on an interface of this name, judged by the speakers' own rule. */
  static Optional<String> neverUsed(String name) {
    if (name.equals("lo")) {
      return Optional.of("loopback");
    }
    NetInterface byName = new NetInterface(name, 1, MacAddress.parse("02:00:00:00:00:01"), true, true, false, false, "", 0, List.of());
    return InterfaceSelection.ineligible(byName, InterfaceTable.of(List.of(byName)), ExcludedInterfaces.none())
        .map(e -> e.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
  }

  // ---- conflicts ------------------------------------------------------------------------------

  static List<Finding> conflicts(ClusterSnapshot snap) {
    List<Finding> out = new ArrayList<>();
    for (Service s : snap.services()) {
      String report = s.getMetadata().getAnnotations() == null ? null : s.getMetadata().getAnnotations().get(IronLb.ANNOTATION_IP_CONFLICT);
      if (report != null) {
        String key = ServiceTranslation.key(s).toString();
        out.add(Finding.problem(ADDRESS_CONFLICTS, "Service " + key, "address " + StatusReport.conflictText(report)
                + ", a device outside the cluster: the address stays unannounced and is not handed out",
            "find the device (its MAC's vendor, your DHCP leases), give it another address or take the address out of the pool; "
                + "then clear the mark: kubectl -n " + s.getMetadata().getNamespace() + " annotate service " + s.getMetadata().getName()
                + " " + IronLb.ANNOTATION_IP_CONFLICT + "-"));
      }
    }
    List<Event> defended = snap.events("IPConflict");
    if (!defended.isEmpty() && out.isEmpty()) {
      Event e = defended.getFirst();
      out.add(Finding.note(ADDRESS_CONFLICTS, "Service " + e.getInvolvedObject().getNamespace() + "/" + e.getInvolvedObject().getName(),
          defended.size() + " IPConflict event(s) in the last hour, none standing; latest: " + e.getMessage()));
    }
    if (out.isEmpty()) {
      out.add(Finding.ok(ADDRESS_CONFLICTS, "no Service address is held by a device outside the cluster"));
    }
    return out;
  }
}
