package io.ironlb.ops;

import static io.ironlb.ops.Finding.Check.ADDRESS_CONFLICTS;
import static io.ironlb.ops.Finding.Check.ADVERTISEMENT_INTERFACES;
import static io.ironlb.ops.Finding.Check.ADVERTISEMENT_POOLS;
import static io.ironlb.ops.Finding.Check.CONFIGURATION;
import static io.ironlb.ops.Finding.Check.CRDS;
import static io.ironlb.ops.Finding.Check.KUBE_PROXY;
import static io.ironlb.ops.Finding.Check.METALLB_LEFTOVERS;
import static io.ironlb.ops.Finding.Check.NODE_INTERFACES;
import static io.ironlb.ops.Finding.Check.POOLS_ADVERTISED;
import static io.ironlb.ops.Finding.Check.POOLS_NODE_IPS;
import static io.ironlb.ops.Finding.Check.POOLS_OVERLAP;
import static io.ironlb.ops.Finding.Check.POOLS_VALID;
import static io.ironlb.ops.Finding.Check.SPEAKERS;
import static io.ironlb.ops.Finding.Level.NOTE;
import static io.ironlb.ops.Finding.Level.OK;
import static io.ironlb.ops.Finding.Level.PROBLEM;
import static io.ironlb.ops.Finding.Level.WARNING;
import static io.ironlb.testing.MockCluster.loadBalancer;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.ironlb.cli.Main;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IronLb;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.ops.Finding.Check;
import io.ironlb.ops.Finding.Level;
import io.ironlb.testing.MockCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each finding of {@code ironlb check}, on the mock API server: a change to a healthy cluster that
 * triggers it, and a near miss that does not.
 */
class CheckTest {

  /**
   * @param change applied to {@link OpsFixture#healthy}
   * @param level the worst level the check reports afterwards
   * @param says text that one of that check's findings contains
   */
  record Case(String name, Check check, Consumer<MockCluster> change, Level level, String says) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("kube-proxy in IPVS mode without strictARP", KUBE_PROXY,
            c -> OpsFixture.kubeProxy(c, "mode: \"ipvs\"\nipvs:\n  strictARP: false\n"), PROBLEM, "s/strictARP: false/strictARP: true/"),
        new Case("kube-proxy in IPVS mode with strictARP: true", KUBE_PROXY, c -> {}, OK, "mode ipvs with strictARP: true"),
        new Case("kube-proxy in iptables mode, strictARP unset", KUBE_PROXY,
            c -> OpsFixture.kubeProxy(c, "mode: iptables\n"), OK, "strictARP matters only in IPVS mode"),
        new Case("kube-proxy with the default mode", KUBE_PROXY, c -> OpsFixture.kubeProxy(c, "mode: \"\"\nipvs:\n  strictARP: false\n"),
            OK, "(iptables)"),
        new Case("no kube-proxy ConfigMap (k3s, a kube-proxy replacement)", KUBE_PROXY,
            c -> c.client().configMaps().inNamespace("kube-system").withName("kube-proxy").delete(), NOTE, "not found"),

        new Case("a CRD is missing", CRDS, c -> c.client().apiextensions().v1().customResourceDefinitions()
            .withName("servicel2statuses.metallb.io").delete(), PROBLEM, "servicel2statuses.metallb.io: is missing"),
        new Case("MetalLB's pool CRD, without conditions or rules", CRDS, CheckTest::replacePoolCrdWithMetallbs, PROBLEM,
            "no status.conditions"),
        new Case("IronLB's CRDs", CRDS, c -> {}, OK, "are installed and current"),

        new Case("MetalLB's speaker still runs", METALLB_LEFTOVERS,
            c -> OpsFixture.metallbPod(c, "speaker-x7k2p", "speaker", "spark-2959"), PROBLEM, "MetalLB's speaker"),
        new Case("MetalLB's webhook left behind", METALLB_LEFTOVERS, c -> c.client().admissionRegistration().v1()
            .validatingWebhookConfigurations().resource(new ValidatingWebhookConfigurationBuilder().withNewMetadata()
                .withName(Checks.METALLB_WEBHOOK).endMetadata().build()).create(), PROBLEM, "every change of a pool"),
        new Case("IronLB's own speaker, labelled component=speaker like MetalLB's", METALLB_LEFTOVERS, c -> {}, OK, "no MetalLB"),

        new Case("a node without a speaker pod", SPEAKERS,
            c -> OpsFixture.node(c, "spark-ba63", "192.168.86.12", Map.of("kubernetes.io/os", "linux"), null), PROBLEM,
            "node spark-ba63: has no speaker pod"),
        new Case("a crash-looping speaker", SPEAKERS, c -> {
          OpsFixture.node(c, "spark-ba63", "192.168.86.12", Map.of(), null);
          OpsFixture.speaker(c, "spark-ba63", "ironlb:0.1.0", "Running", false, "CrashLoopBackOff");
        }, PROBLEM, "CrashLoopBackOff"),
        new Case("a Windows node without a speaker", SPEAKERS,
            c -> OpsFixture.node(c, "win-1", "192.168.86.13", Map.of("kubernetes.io/os", "windows"), null), NOTE, "Linux only"),
        new Case("a running speaker on every node", SPEAKERS, c -> {}, OK, "each of 1 node"),

        new Case("a speaker reports an invalid configuration (MetalLB's ConfigurationState)", CONFIGURATION,
            c -> OpsFixture.configurationState(c, "speaker-spark-2959", "Invalid",
                "configuration error: L2Advertisement dup: spec.ipAddressPools[1]: duplicate definition of ipAddressPools \"lan-pool\""),
            PROBLEM, "ConfigurationState speaker-spark-2959: some objects were refused"),
        new Case("a process that has not reported yet", CONFIGURATION,
            c -> OpsFixture.configurationState(c, "speaker-spark-2959", "Unknown", null), NOTE, "has not reported yet"),
        new Case("the controller and a speaker report a valid configuration", CONFIGURATION,
            c -> OpsFixture.configurationState(c, "speaker-spark-2959", "Valid", null), OK,
            "controller, speaker-spark-2959 report a valid configuration"),
        new Case("the ConfigurationState CRD is missing", CRDS, c -> c.client().apiextensions().v1().customResourceDefinitions()
            .withName("configurationstates.metallb.io").delete(), PROBLEM, "cannot report whether its configuration loaded"),

        new Case("no pool at all", POOLS_VALID, c -> OpsFixture.deleteAll(c, IPAddressPool.class), PROBLEM, "has no IPAddressPool"),
        new Case("a pool whose range starts after it ends", POOLS_VALID,
            c -> c.pool("backwards", "192.168.86.240-192.168.86.230"), PROBLEM, "IPAddressPool backwards"),
        new Case("valid pools", POOLS_VALID, c -> c.pool("v6-pool", "2001:db8:86::200/120"), OK, "2 IPAddressPools valid"),

        new Case("a pool holding a node's address", POOLS_NODE_IPS, c -> c.pool("lan-wide", "192.168.86.0/28"), PROBLEM,
            "contains node IP 192.168.86.11"),
        new Case("a pool right next to the node's address", POOLS_NODE_IPS, c -> c.pool("next-door", "192.168.86.12-192.168.86.15"),
            OK, "no pool contains"),

        new Case("two pools overlapping", POOLS_OVERLAP, c -> c.pool("lan-pool-2", "192.168.86.210-192.168.86.230"), PROBLEM,
            "IPAddressPool lan-pool-2"),
        new Case("two pools side by side", POOLS_OVERLAP, c -> c.pool("lan-pool-2", "192.168.86.221-192.168.86.230"), OK,
            "no two pools share"),

        new Case("a pool in no advertisement", POOLS_ADVERTISED, c -> c.pool("forgotten", "192.168.86.230/31"), PROBLEM,
            "IPAddressPool forgotten: is in no L2Advertisement"),
        new Case("a pool an advertisement selects by label", POOLS_ADVERTISED, c -> {
          OpsFixture.labelledPool(c, "labelled", Map.of("lan", "yes"), "192.168.86.230/31");
          L2Advertisement ad = new L2Advertisement();
          ad.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("by-label").withNamespace(OpsFixture.NS).build());
          ad.setSpec(new io.ironlb.k8s.L2AdvertisementSpec(null, List.of(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
              .withMatchLabels(Map.of("lan", "yes")).build()), null, null, null));
          c.client().resources(L2Advertisement.class).inNamespace(OpsFixture.NS).resource(ad).create();
        }, OK, "every pool is in an L2Advertisement"),
        new Case("an advertisement naming no pool covers them all", POOLS_ADVERTISED, c -> {
          c.pool("forgotten", "192.168.86.230/31");
          OpsFixture.advertisement(c, "everything", null, null);
        }, OK, "every pool is in an L2Advertisement"),

        new Case("an advertisement naming a missing pool", ADVERTISEMENT_POOLS,
            c -> OpsFixture.advertisement(c, "typo", List.of("lan-pol"), null), PROBLEM, "names pool lan-pol, which does not exist"),
        new Case("an advertisement naming existing pools", ADVERTISEMENT_POOLS, c -> {}, OK, "every pool an L2Advertisement names exists"),
        new Case("an advertisement whose pool selector cannot be read (no schema stopped it)", ADVERTISEMENT_POOLS, c -> {
          L2Advertisement ad = new L2Advertisement();
          ad.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("bad-selector").withNamespace(OpsFixture.NS).build());
          ad.setSpec(new io.ironlb.k8s.L2AdvertisementSpec(null, List.of(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
              .addNewMatchExpression().withKey("lan").withOperator("Sometimes").endMatchExpression().build()), null, null, null));
          c.client().resources(L2Advertisement.class).inNamespace(OpsFixture.NS).resource(ad).create();
        }, PROBLEM, "spec.ipAddressPoolSelectors[0].matchExpressions[0].operator \"Sometimes\" is not one of"),

        new Case("an advertisement listing a container interface", ADVERTISEMENT_INTERFACES,
            c -> OpsFixture.advertisement(c, "on-veth", List.of("lan-pool"), List.of("veth12ab")), PROBLEM,
            "interface veth12ab, which IronLB never announces on (container or proxy device)"),
        new Case("an advertisement listing loopback", ADVERTISEMENT_INTERFACES,
            c -> OpsFixture.advertisement(c, "on-lo", List.of("lan-pool"), List.of("lo")), PROBLEM, "(loopback)"),
        new Case("a speaker found no interface for an address", ADVERTISEMENT_INTERFACES,
            c -> OpsFixture.event(c, "default", "openwebui", "Warning", "announceFailed", "no interface on node \"spark-ba63\" can "
                + "announce [192.168.86.200]: none is up with a subnet that contains it among [eth9]", Instant.now()), PROBLEM,
            "among [eth9]"),
        new Case("an advertisement listing the LAN interface", ADVERTISEMENT_INTERFACES,
            c -> OpsFixture.advertisement(c, "on-lan", List.of("lan-pool"), List.of("enP7s7")), OK, "no advertisement names"),

        new Case("a pool announced on a Wi-Fi link", NODE_INTERFACES,
            c -> OpsFixture.interfaces(c, "spark-2959", "wlP9s9 kind=wireless 192.168.86.11/24, enp1s0f0np0 10.10.10.11/24"), WARNING,
            "node spark-2959: would announce IPAddressPool lan-pool (L2Advertisement lan-advertisement) on Wi-Fi interface wlP9s9"),
        new Case("a Wi-Fi link next to the LAN link, the advertisement naming the LAN link", NODE_INTERFACES, c -> {
          OpsFixture.interfaces(c, "spark-2959", "enP7s7 192.168.86.11/24, wlP9s9 kind=wireless 192.168.86.31/24");
          OpsFixture.deleteAll(c, L2Advertisement.class);
          OpsFixture.advertisement(c, "wired-only", List.of("lan-pool"), List.of("enP7s7"));
        }, OK, "no pool announced on a Wi-Fi link"),
        new Case("a Wi-Fi link the metallb-excludel2 ConfigMap keeps out", NODE_INTERFACES, c -> OpsFixture.interfaces(c, "spark-2959",
            "enP7s7 192.168.86.11/24, wlP9s9 kind=wireless skip=excludel2 192.168.86.31/24"), OK, "on 1 node"),
        new Case("a Wi-Fi node the advertisement's nodeSelectors leave out", NODE_INTERFACES, c -> {
          OpsFixture.node(c, "laptop", "192.168.86.40", Map.of("wifi", "yes"), null);
          OpsFixture.interfaces(c, "laptop", "wlan0 kind=wireless 192.168.86.40/24");
          OpsFixture.deleteAll(c, L2Advertisement.class);
          OpsFixture.advertisementOnNodes(c, "sparks", List.of("lan-pool"), Map.of("kubernetes.io/os", "linux"), null);
        }, OK, "on 1 node"),
        new Case("a Wi-Fi node and a pool only a pool selector covers", NODE_INTERFACES, c -> {
          OpsFixture.interfaces(c, "spark-2959", "enP7s7 192.168.86.11/24, wlP9s9 kind=wireless 203.0.113.7/24");
          OpsFixture.labelledPool(c, "wifi-pool", Map.of("link", "wifi"), "203.0.113.200-203.0.113.210");
          L2Advertisement ad = new L2Advertisement();
          ad.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("by-label").withNamespace(OpsFixture.NS).build());
          ad.setSpec(new io.ironlb.k8s.L2AdvertisementSpec(null, List.of(new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
              .withMatchLabels(Map.of("link", "wifi")).build()), null, null, null));
          c.client().resources(L2Advertisement.class).inNamespace(OpsFixture.NS).resource(ad).create();
        }, WARNING, "would announce IPAddressPool wifi-pool (L2Advertisement by-label) on Wi-Fi interface wlP9s9"),
        new Case("an advertisement listing a bridge member", NODE_INTERFACES, c -> {
          OpsFixture.interfaces(c, "spark-2959", "br0 kind=bridge 192.168.86.11/24, enP7s7 master=br0 skip=member");
          OpsFixture.advertisement(c, "on-member", List.of("lan-pool"), List.of("enP7s7"));
        }, PROBLEM, "L2Advertisement on-member: lists interface enP7s7, which on node spark-2959 is a member of br0 (a bridge)"),
        new Case("an advertisement listing a bond member on a node it does not select", NODE_INTERFACES, c -> {
          OpsFixture.interfaces(c, "spark-2959", "bond0 kind=bond 192.168.86.11/24, enP7s7 master=bond0 skip=member");
          OpsFixture.advertisementOnNodes(c, "elsewhere", List.of("lan-pool"), Map.of("rack", "b"), List.of("enP7s7"));
        }, OK, "no advertisement lists a bond or bridge member"),
        new Case("a pool outside every subnet of a node", NODE_INTERFACES, c -> {
          c.pool("far-pool", "203.0.113.10-203.0.113.20");
          OpsFixture.advertisement(c, "far-advertisement", List.of("far-pool"), null);
        }, WARNING, "node spark-2959: no interface has a subnet that holds IPAddressPool far-pool's 203.0.113.10-203.0.113.20 "
            + "(L2Advertisement far-advertisement names no interfaces; its subnets: enP7s7 192.168.86.11/24, enp1s0f0np0 10.10.10.11/24)"),
        new Case("a pool outside the node's subnets, on an interface the advertisement names", NODE_INTERFACES, c -> {
          c.pool("far-pool", "203.0.113.10-203.0.113.20");
          OpsFixture.advertisement(c, "far-advertisement", List.of("far-pool"), List.of("enP7s7"));
        }, OK, "every pool in a subnet"),
        new Case("a pool whose range holds a node's whole subnet", NODE_INTERFACES, c -> {
          OpsFixture.interfaces(c, "spark-2959", HEALTHY_INTERFACES_WITH_SMALL_NET);
          c.pool("wide-pool", "203.0.113.0-203.0.113.255");
          OpsFixture.advertisement(c, "wide-advertisement", List.of("wide-pool"), null);
        }, OK, "every pool in a subnet"),
        new Case("a pool on the internal link, the LAN carrying the default route (the seed's classic mistake)", NODE_INTERFACES,
            c -> seedNode(c, SEED_DEFAULT_V4, "203.0.113.200-203.0.113.210"), WARNING, "node spark-2959: would announce "
                + "IPAddressPool lan-pool's 203.0.113.200-203.0.113.210 (L2Advertisement lan-advertisement) only on enp1s0f0np0 "
                + "(203.0.113.11/24), which does not carry the node's IPv4 default route; enP7s7 (198.51.100.11/24) does"),
        new Case("a pool on the internal link: the fix names the LAN's subnet", NODE_INTERFACES,
            c -> seedNode(c, SEED_DEFAULT_V4, "203.0.113.200-203.0.113.210"), WARNING, "move the pool into the LAN's subnet, e.g. "
                + "enP7s7's 198.51.100.11/24 (kubectl -n metallb-system edit ipaddresspool lan-pool); if the pool is meant for "
                + "clients on enp1s0f0np0, ignore this warning"),
        new Case("a pool in the LAN, which carries the default route", NODE_INTERFACES,
            c -> seedNode(c, SEED_DEFAULT_V4, "198.51.100.200-198.51.100.210"), OK, "none only on links without the node's default route"),
        new Case("a pool on the internal link of a node that published no default route", NODE_INTERFACES,
            c -> seedNode(c, "enP7s7 198.51.100.11/24, enp1s0f0np0 203.0.113.11/24", "203.0.113.200-203.0.113.210"), OK,
            "none only on links without the node's default route"),
        new Case("a pool on the internal link, which the advertisement names", NODE_INTERFACES, c -> {
          seedNode(c, SEED_DEFAULT_V4, "203.0.113.200-203.0.113.210");
          OpsFixture.deleteAll(c, L2Advertisement.class);
          OpsFixture.advertisement(c, "internal", List.of("lan-pool"), List.of("enp1s0f0np0"));
        }, OK, "none only on links without the node's default route"),
        new Case("an IPv6 pool on the internal link, the LAN carrying the IPv6 default route", NODE_INTERFACES,
            c -> seedNode(c, SEED_DEFAULT_V6, "2001:db8:10::200-2001:db8:10::210"), WARNING, "node spark-2959: would announce "
                + "IPAddressPool lan-pool's 2001:db8:10::200-2001:db8:10::210 (L2Advertisement lan-advertisement) only on enp1s0f0np0 "
                + "(2001:db8:10::11/64), which does not carry the node's IPv6 default route; enP7s7 (2001:db8:86::11/64) does"),
        new Case("an IPv6 pool in the LAN, which carries the IPv6 default route", NODE_INTERFACES,
            c -> seedNode(c, SEED_DEFAULT_V6, "2001:db8:86::200-2001:db8:86::210"), OK, "none only on links without"),
        new Case("an IPv6 pool on the internal link of a node with an IPv4 default route only", NODE_INTERFACES,
            c -> seedNode(c, "enP7s7 default=ipv4 198.51.100.11/24 2001:db8:86::11/64, enp1s0f0np0 2001:db8:10::11/64",
                "2001:db8:10::200-2001:db8:10::210"), OK, "none only on links without"),
        new Case("a node whose speaker published no interfaces", NODE_INTERFACES,
            c -> OpsFixture.node(c, "spark-ba63", "192.168.86.12", Map.of(), null), NOTE,
            "node spark-ba63: not checked: no ironlb.io/interfaces annotation"),

        new Case("an address held by a device outside the cluster", ADDRESS_CONFLICTS, c -> c.create(loadBalancer("default", "openwebui")
            .editMetadata().addToAnnotations(IronLb.ANNOTATION_IP_CONFLICT, "192.168.86.50 3c:22:fb:00:00:50").endMetadata().build()),
            PROBLEM, "192.168.86.50 held by 3c:22:fb:00:00:50"),
        new Case("a conflict that was defended and is gone", ADDRESS_CONFLICTS,
            c -> OpsFixture.event(c, "default", "openwebui", "Warning", "IPConflict", "IP 192.168.86.200 is also claimed by a device "
                + "outside the cluster (MAC 3c:22:fb:00:00:50 on eth0, reply); node \"spark-2959\" defended it", Instant.now()),
            NOTE, "none standing"),
        new Case("no conflict", ADDRESS_CONFLICTS, c -> {}, OK, "no Service address is held"));
  }

  /** The seed's node on documentation addresses: the LAN (198.51.100.0/24, 2001:db8:86::/64) and the internal link. */
  static final String SEED_DEFAULT_V4 = "enP7s7 default=ipv4 198.51.100.11/24, enp1s0f0np0 203.0.113.11/24";
  static final String SEED_DEFAULT_V6 = "enP7s7 default=ipv6 198.51.100.11/24 2001:db8:86::11/64, enp1s0f0np0 2001:db8:10::11/64";

  /** spark-2959 with {@code interfaces}, and lan-pool (still in lan-advertisement) moved to {@code range}. */
  private static void seedNode(MockCluster c, String interfaces, String range) {
    OpsFixture.interfaces(c, "spark-2959", interfaces);
    OpsFixture.deleteAll(c, IPAddressPool.class);
    c.pool("lan-pool", range);
  }

  @Test
  void aPoolOutsideEverySubnetIsNotAlsoSaidToMissTheDefaultRoute() {
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      seedNode(cluster, SEED_DEFAULT_V4, "192.0.2.200-192.0.2.210");

      List<Finding> mine = Checks.all(ClusterSnapshot.read(cluster.client(), OpsFixture.NS)).stream()
          .filter(f -> f.check() == NODE_INTERFACES).toList();

      assertThat(mine).as(mine.toString()).singleElement()
          .satisfies(f -> assertThat(f.message()).contains("no interface has a subnet that holds IPAddressPool lan-pool's"));
    }
  }

  static final String HEALTHY_INTERFACES_WITH_SMALL_NET = OpsFixture.HEALTHY_INTERFACES + ", tun0 203.0.113.65/29";

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void findingOfOneCheck(Case c) {
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      c.change().accept(cluster);

      List<Finding> mine = Checks.all(ClusterSnapshot.read(cluster.client(), OpsFixture.NS)).stream()
          .filter(f -> f.check() == c.check()).toList();

      assertThat(mine).as("findings of %s", c.check()).isNotEmpty();
      assertThat(mine.stream().map(Finding::level).max(Comparator.naturalOrder()).orElseThrow()).as(mine.toString()).isEqualTo(c.level());
      assertThat(mine).as("a finding says \"%s\"", c.says())
          .anyMatch(f -> (f.subject() + ": " + f.message() + " " + f.fix()).contains(c.says()));
      if (c.level() == PROBLEM) {
        assertThat(mine).filteredOn(f -> f.level() == PROBLEM).allMatch(f -> !f.fix().isBlank(), "every problem carries a fix");
      }
    }
  }

  @Test
  void everyCheckHasACaseThatTriggersItAndOneThatDoesNot() {
    Map<Check, Set<Level>> seen = cases().collect(Collectors.groupingBy(Case::check, Collectors.mapping(Case::level, Collectors.toSet())));

    for (Check check : Check.values()) {
      assertThat(seen.get(check)).as(check.name()).isNotNull();
      assertThat(seen.get(check)).as(check + ": a triggering case").contains(PROBLEM);
      assertThat(EnumSet.copyOf(seen.get(check))).as(check + ": a case that does not trigger").contains(OK);
    }
  }

  @Test
  void healthyClusterPassesEveryCheckAndExitsZero(@TempDir Path dir) throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      StringWriter out = new StringWriter();

      int code = Main.commandLine().setOut(new PrintWriter(out))
          .execute("check", "--kubeconfig", OpsFixture.kubeconfig(cluster, dir).toString());

      assertThat(out.toString()).as(out.toString()).doesNotContain("[PROBLEM]").contains("ironlb check: no problems");
      assertThat(code).isZero();
      assertThat(out.toString().lines().filter(l -> l.startsWith("[ok]")).count()).isEqualTo(Check.values().length);
    }
  }

  @Test
  void aProblemPrintsItsFixAndExitsOne(@TempDir Path dir) throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      OpsFixture.kubeProxy(cluster, "mode: ipvs\nipvs:\n  strictARP: false\n");
      StringWriter out = new StringWriter();

      int code = Main.commandLine().setOut(new PrintWriter(out))
          .execute("check", "--kubeconfig", OpsFixture.kubeconfig(cluster, dir).toString());

      assertThat(code).isEqualTo(1);
      assertThat(out.toString()).contains("[PROBLEM] kube-proxy", "fix: kubectl get configmap kube-proxy -n kube-system -o yaml | \\",
          "kubectl rollout restart daemonset kube-proxy -n kube-system", "ironlb check: 1 problem");
    }
  }

  @Test
  void aWarningPrintsItsFixAndStillExitsZero(@TempDir Path dir) throws Exception {
    try (MockCluster cluster = new MockCluster()) {
      OpsFixture.healthy(cluster);
      OpsFixture.interfaces(cluster, "spark-2959", "wlP9s9 kind=wireless 192.168.86.11/24");
      StringWriter out = new StringWriter();

      int code = Main.commandLine().setOut(new PrintWriter(out))
          .execute("check", "--kubeconfig", OpsFixture.kubeconfig(cluster, dir).toString());

      assertThat(code).as(out.toString()).isZero();
      assertThat(out.toString()).contains("[warning] node interfaces",
          "fix: announce on a wired interface", "ironlb check: no problems (1 warning)");
    }
  }

  @Test
  void anUnreachableApiServerExitsTwoAndSaysWhere(@TempDir Path dir) throws Exception {
    Path kubeconfig;
    try (MockCluster cluster = new MockCluster()) {
      kubeconfig = OpsFixture.kubeconfig(cluster, dir);
    }
    StringWriter err = new StringWriter();

    int code = Main.commandLine().setErr(new PrintWriter(err)).execute("check", "--kubeconfig", kubeconfig.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("ironlb check: cannot read the cluster at http://");
  }

  /** MetalLB v0.13's IPAddressPool CRD in spirit: served, but no status conditions and no CEL rules. */
  private static void replacePoolCrdWithMetallbs(MockCluster c) {
    var crds = c.client().apiextensions().v1().customResourceDefinitions();
    CustomResourceDefinition ours = crds.withName("ipaddresspools.metallb.io").get();
    crds.withName("ipaddresspools.metallb.io").delete();
    ours.getMetadata().setResourceVersion(null);
    ours.getSpec().getVersions().getFirst().getSchema().setOpenAPIV3Schema(new JSONSchemaPropsBuilder().withType("object")
        .addToProperties("spec", new JSONSchemaPropsBuilder().withType("object")
            .addToProperties("addresses", new JSONSchemaPropsBuilder().withType("array").build()).build())
        .addToProperties("status", new JSONSchemaPropsBuilder().withType("object").build()).build());
    crds.resource(ours).create();
  }
}
