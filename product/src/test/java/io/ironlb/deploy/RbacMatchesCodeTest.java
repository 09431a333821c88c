package io.ironlb.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.testing.MockCluster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ServiceAccounts in deploy/default may do exactly what the code does. Each component runs
 * against the mock API server (ControllerExercise, SpeakerExercise) through every path that talks
 * to the API; the requests its client made are checked against the manifests' RBAC, evaluated as
 * the API server would (namespaces and resourceNames included). The table below names the code
 * path behind each request, so a new call shows up here as a failing row, with where to grant it.
 */
class RbacMatchesCodeTest {

  record Use(String component, String call, String codePath) {}

  private static final String CONTROLLER = "controller";
  private static final String SPEAKER = "speaker";

  private static final List<Use> USES = List.of(
      new Use(CONTROLLER, "list services", "AllocationController.start: Service informer, all namespaces"),
      new Use(CONTROLLER, "watch services", "AllocationController.start: Service informer, all namespaces"),
      new Use(CONTROLLER, "patch services", "AssignmentWriter.write: annotation metallb.io/ip-allocated-from-pool"),
      new Use(CONTROLLER, "patch services/status", "AssignmentWriter.write: status.loadBalancer.ingress"),
      new Use(CONTROLLER, "list namespaces", "AllocationController.start: Namespace informer (serviceAllocation.namespaceSelectors)"),
      new Use(CONTROLLER, "watch namespaces", "AllocationController.start: Namespace informer"),
      new Use(CONTROLLER, "list nodes", "AllocationController.start: Node informer (node IPs must stay out of pools)"),
      new Use(CONTROLLER, "watch nodes", "AllocationController.start: Node informer"),
      new Use(CONTROLLER, "create events", "EventRecorder.write: IPAllocated, ClearAssignment, InvalidConfiguration, ..."),
      new Use(CONTROLLER, "list metallb.io/ipaddresspools", "AllocationController.start: IPAddressPool informer, config namespace"),
      new Use(CONTROLLER, "watch metallb.io/ipaddresspools", "AllocationController.start: IPAddressPool informer"),
      new Use(CONTROLLER, "patch metallb.io/ipaddresspools/status", "AllocationController.flushPoolStatus: counters and Ready"),
      new Use(CONTROLLER, "create metallb.io/configurationstates", "ConfigurationStateReporter.ensureExists: object controller"),
      new Use(CONTROLLER, "patch metallb.io/configurationstates/status", "ConfigurationStateReporter.patchStatus: result, errorSummary"),
      new Use(CONTROLLER, "get coordination.k8s.io/leases", "ControllerRunner.start: fabric8 LeaseLock reads the Lease"),
      new Use(CONTROLLER, "create coordination.k8s.io/leases", "ControllerRunner.start: LeaseLock creates it the first time"),
      new Use(CONTROLLER, "patch coordination.k8s.io/leases", "ControllerRunner.start: LeaseLock renews and releases"),
      new Use(CONTROLLER, "get secrets", "MembershipSecret.ensure: reads the membership key"),
      new Use(CONTROLLER, "create secrets", "MembershipSecret.ensure: creates it when missing"),

      new Use(SPEAKER, "get nodes", "SpeakerCommand.call: its own Node (InternalIP for --bind); NodeAnnouncement.publish edit"),
      new Use(SPEAKER, "patch nodes", "NodeAnnouncement.publish, InterfacesRepublisher: ironlb.io/mac-addresses, ironlb.io/interfaces, ironlb.io/membership-address"),
      new Use(SPEAKER, "list nodes", "Speaker.start: Node informer; SpeakerCommand.call: Node informer for membership peers"),
      new Use(SPEAKER, "watch nodes", "Speaker.start and SpeakerCommand.call: Node informers"),
      new Use(SPEAKER, "get secrets", "MembershipSecret.read: the membership key"),
      new Use(SPEAKER, "create metallb.io/configurationstates", "ConfigurationStateReporter.ensureExists: object speaker-NODE"),
      new Use(SPEAKER, "patch metallb.io/configurationstates/status", "ConfigurationStateReporter.patchStatus: result, errorSummary"),
      new Use(SPEAKER, "get configmaps", "ExcludeL2ConfigMap.read: metallb-excludel2, interfaces excluded by name, at start"),
      new Use(SPEAKER, "list services", "Speaker.start: Service informer, all namespaces"),
      new Use(SPEAKER, "watch services", "Speaker.start: Service informer"),
      new Use(SPEAKER, "get services", "Speaker.reportConflict and clearConflict: edit reads the Service first"),
      new Use(SPEAKER, "patch services", "Speaker.reportConflict and clearConflict: annotation ironlb.io/ip-conflict"),
      new Use(SPEAKER, "list discovery.k8s.io/endpointslices", "Speaker.start: EndpointSlice informer, all namespaces"),
      new Use(SPEAKER, "watch discovery.k8s.io/endpointslices", "Speaker.start: EndpointSlice informer"),
      new Use(SPEAKER, "list metallb.io/ipaddresspools", "Speaker.start: IPAddressPool informer (pool labels)"),
      new Use(SPEAKER, "watch metallb.io/ipaddresspools", "Speaker.start: IPAddressPool informer"),
      new Use(SPEAKER, "list metallb.io/l2advertisements", "Speaker.start: L2Advertisement informer"),
      new Use(SPEAKER, "watch metallb.io/l2advertisements", "Speaker.start: L2Advertisement informer"),
      new Use(SPEAKER, "list metallb.io/servicel2statuses", "Speaker.start: ServiceL2Status informer (who announced before)"),
      new Use(SPEAKER, "watch metallb.io/servicel2statuses", "Speaker.start: ServiceL2Status informer"),
      new Use(SPEAKER, "get metallb.io/servicel2statuses", "ServiceL2StatusWriter.deleteIfMine"),
      new Use(SPEAKER, "create metallb.io/servicel2statuses", "ServiceL2StatusWriter.write: first announcement"),
      new Use(SPEAKER, "patch metallb.io/servicel2statuses", "ServiceL2StatusWriter.write: labels of an object taken over; ApiWrites.recordVerified"),
      new Use(SPEAKER, "patch metallb.io/servicel2statuses/status", "ServiceL2StatusWriter.write: node and interfaces"),
      new Use(SPEAKER, "delete metallb.io/servicel2statuses", "ServiceL2StatusWriter.deleteIfMine: on withdrawal"),
      new Use(SPEAKER, "create events", "EventRecorder.write: nodeAssigned, announceFailed, IPConflict"));

  private static final Map<String, String> SERVICE_ACCOUNTS = Map.of(CONTROLLER, "ironlb-controller", SPEAKER, "ironlb-speaker");
  private static final Map<String, List<ApiCall>> CALLS = new LinkedHashMap<>();
  private static Manifests manifests;

  @BeforeAll
  static void exerciseBothComponents() throws Exception {
    manifests = Manifests.load();
    try (MockCluster cluster = new MockCluster()) {
      CALLS.put(CONTROLLER, ControllerExercise.run(cluster));
    }
    try (MockCluster cluster = new MockCluster()) {
      CALLS.put(SPEAKER, SpeakerExercise.run(cluster));
    }
  }

  static Stream<String> components() {
    return Stream.of(CONTROLLER, SPEAKER);
  }

  private static Rbac rbac(String component) {
    return Rbac.forServiceAccount(manifests, Manifests.NAMESPACE, SERVICE_ACCOUNTS.get(component));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("components")
  void everyRequestTheComponentMakesIsGranted(String component) {
    Rbac rbac = rbac(component);
    List<String> refused = CALLS.get(component).stream().filter(c -> !rbac.allows(c)).map(ApiCall::toString).distinct().toList();

    assertThat(CALLS.get(component)).as("the exercise made requests").isNotEmpty();
    assertThat(refused).as("requests of the %s that its RBAC refuses", component).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("components")
  void everyKindOfRequestIsInTheTableWithItsCodePath(String component) {
    Set<String> made = made(component);
    Set<String> table = table(component);

    assertThat(made).as("requests the %s made that the table does not name (add a row with its code path)", component)
        .isSubsetOf(table);
    assertThat(table).as("rows of the %s that the exercise never made (stale row, or a path the exercise misses)", component)
        .isSubsetOf(made);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("components")
  void nothingIsGrantedThatTheCodeDoesNotUse(String component) {
    List<String> unused = new ArrayList<>();
    for (Rbac.Grant g : rbac(component).grants()) {
      for (String group : g.groups()) {
        for (String resource : g.resources()) {
          for (String verb : g.verbs()) {
            List<String> names = g.resourceNames().isEmpty() ? java.util.Collections.singletonList(null) : g.resourceNames();
            for (String name : names) {
              boolean used = CALLS.get(component).stream().anyMatch(c -> c.group().equals(group) && c.resource().equals(resource)
                  && c.verb().equals(verb) && (name == null || name.equals(c.name()))
                  && (g.namespace() == null || g.namespace().equals(c.namespace())));
              if (!used) {
                unused.add(g.role() + ": " + verb + " " + (group.isEmpty() ? "" : group + "/") + resource
                    + (name == null ? "" : " named " + name));
              }
            }
          }
        }
      }
    }
    assertThat(unused).as("grants of the %s no request of the code needs", component).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("components")
  void clusterWideGrantsAreNeededOutsideTheConfigNamespace(String component) {
    List<String> tooWide = new ArrayList<>();
    for (Rbac.Grant g : rbac(component).grants()) {
      if (g.namespace() != null) {
        continue;
      }
      for (String group : g.groups()) {
        for (String resource : g.resources()) {
          for (String verb : g.verbs()) {
            boolean outside = CALLS.get(component).stream().anyMatch(c -> c.group().equals(group) && c.resource().equals(resource)
                && c.verb().equals(verb) && !Manifests.NAMESPACE.equals(c.namespace()));
            if (!outside) {
              tooWide.add(g.role() + ": " + verb + " " + (group.isEmpty() ? "" : group + "/") + resource);
            }
          }
        }
      }
    }
    assertThat(tooWide).as("cluster-wide grants of the %s used only in %s (move them to its Role)", component, Manifests.NAMESPACE)
        .isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("components")
  void namedObjectsAreTheOnesTheManifestsConfigure(String component) {
    // resourceNames pin the Lease, the Secret, the ConfigMap and the controller's ConfigurationState (a
    // speaker's is named after its node, which no Role can list): the names the code used must be the names granted.
    Set<String> named = CALLS.get(component).stream().filter(c -> c.name() != null
            && (c.resource().equals("secrets") || c.resource().equals("leases") || c.resource().equals("configmaps")
                || (component.equals(CONTROLLER) && c.resource().startsWith("configurationstates"))))
        .map(c -> c.resource() + "/" + c.name()).collect(Collectors.toCollection(TreeSet::new));
    Set<String> granted = rbac(component).grants().stream().filter(g -> !g.resourceNames().isEmpty())
        .flatMap(g -> g.resources().stream().flatMap(r -> g.resourceNames().stream().map(n -> r + "/" + n)))
        .collect(Collectors.toCollection(TreeSet::new));

    assertThat(named).isEqualTo(granted);
  }

  private static Set<String> made(String component) {
    return CALLS.get(component).stream().map(ApiCall::verbAndResource).collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> table(String component) {
    return USES.stream().filter(u -> u.component().equals(component)).map(Use::call).collect(Collectors.toCollection(TreeSet::new));
  }
}
