package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.IPAddressPoolSpec;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.L2AdvertisementSpec;
import io.ironlb.labcli.LabMain;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Commands;
import io.ironlb.netns.LabProcess;
import io.ironlb.netns.Netns;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ironlb lab} end to end, on real namespaces: one lab for the class (its own state directory
 * and namespace prefix, so it runs next to a user's lab), verbs in order, {@code down} last.
 */
@Tag("netns")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabTest {

  private static final Duration T = Duration.ofSeconds(20);
  private static LabCluster cluster;
  private static Path dir;
  private static LabLayout layout;
  private static String prefix;
  private static String upOutput;
  private static long upMillis;

  @BeforeAll
  static void up() {
    String why = Lab.preflight();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    LabCluster.sweepDeadTestLabs();
    long t0 = System.nanoTime();
    cluster = LabCluster.up(2);
    upMillis = (System.nanoTime() - t0) / 1_000_000;
    dir = cluster.stateDir();
    layout = LabState.load(dir).layout();
    prefix = layout.prefix();
    upOutput = cluster.upOutput();
  }

  @AfterAll
  static void down() {
    if (cluster != null) {
      cluster.close(); // harmless after the down test; the one cleanup when a test failed before it
    }
  }

  record Run(int code, String out, String err) {}

  private static Run run(java.util.function.ToIntFunction<Lab> verb) {
    return run(dir, verb);
  }

  private static Run run(Path stateDir, java.util.function.ToIntFunction<Lab> verb) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = verb.applyAsInt(new Lab(stateDir, new PrintWriter(out, true), new PrintWriter(err, true)));
    return new Run(code, out.toString(), err.toString());
  }

  private static CommandResult curl(String url) {
    return Netns.exec(layout.client().namespace(), T, "curl", "-s", "-g", "-m", "5", url);
  }

  private static CommandResult kubectl(String... args) {
    List<String> argv = new ArrayList<>(List.of("kubectl", "--kubeconfig", dir.resolve("kubeconfig").toString(),
        "--cache-dir", dir.resolve("kubectl-cache").toString()));
    argv.addAll(List.of(args));
    return Commands.run(Duration.ofSeconds(60), argv);
  }

  private static Service service(String name) {
    try (KubernetesClient c = Kube.client(Kube.url(LabState.load(dir).apiPort().orElseThrow()))) {
      return c.services().inNamespace("default").withName(name).get();
    }
  }

  private static List<String> vips(String name) {
    Service s = service(name);
    if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null) {
      return List.of();
    }
    return s.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).toList();
  }

  @Test
  @Order(1)
  void upPrintsTheServicesTheKubeconfigAndWhatToTry() {
    assertThat(upOutput).contains("openwebui").contains("ollama").contains("export KUBECONFIG=" + dir.resolve("kubeconfig"))
        .contains("ironlb lab exec mac -- curl http://").contains("lab up took");
    System.out.printf("lab up measured by the test: %d ms%n", upMillis);
  }

  @Test
  @Order(1)
  void upReturnsOnlyOnceEveryServiceIsAnnouncedAndAnswersTheClient() {
    List<String> rows = upOutput.lines().filter(l -> l.startsWith("openwebui ") || l.startsWith("ollama ")).toList();
    assertThat(rows).hasSize(2).allSatisfy(row -> assertThat(row).doesNotContain("<none yet>").containsPattern("spark-\\S+$"));
    // A user's first request right after up, with no retry: every address of every Service answers.
    for (String app : List.of("openwebui", "ollama")) {
      assertThat(vips(app)).isNotEmpty();
      for (String ip : vips(app)) {
        CommandResult r = curl("http://" + (ip.contains(":") ? "[" + ip + "]" : ip) + "/");
        assertThat(r.stdout()).as(r.describe()).startsWith(app + " on ");
      }
    }
  }

  @Test
  @Order(2)
  void theClientReachesEachAppThroughTheLanByItsNodesAddress() {
    LabLayout.Node cp = layout.node("spark-2959").orElseThrow();
    LabLayout.Node worker = layout.node("spark-ba63").orElseThrow();
    assertThat(curl("http://" + worker.lan4() + ":8080/").stdout()).startsWith("openwebui on spark-ba63")
        .contains("you are " + layout.client().lan4());
    assertThat(curl("http://" + cp.lan4() + ":8080/").stdout()).startsWith("ollama on spark-2959");
    assertThat(curl("http://[" + worker.lan6() + "]:8080/").stdout()).startsWith("openwebui on spark-ba63")
        .contains("you are " + layout.client().lan6());
    assertThat(Netns.neighbour(layout.client().namespace(), worker.lan4())).get()
        .extracting(n -> n.mac()).isEqualTo(worker.lanMac());
  }

  @Test
  @Order(3)
  void ironlbCheckFindsNoProblemInTheLabSinceItHasIronLbsCrds() {
    StringWriter out = new StringWriter();
    int code = io.ironlb.cli.Main.commandLine().setOut(new PrintWriter(out, true))
        .execute("check", "--kubeconfig", dir.resolve("kubeconfig").toString());
    assertThat(out.toString()).contains("[ok]      CRDs").doesNotContain("[PROBLEM]")
        .containsPattern("\\[ok]\\s+node interfaces\\s+on 2 nodes \\(as their speakers published them\\)");
    assertThat(code).as(out.toString()).isZero();
  }

  /**
   * The lab reproduction of a pool that no node has a subnet for (the lab's IPv4 documentation
   * ranges are both in use, as LAN and internal link, so the pool is IPv6).
   */
  @Test
  @Order(3)
  void ironlbCheckWarnsOfAPoolOutsideEverySubnetOfTheNodes() {
    try (KubernetesClient c = Kube.client(Kube.url(LabState.load(dir).apiPort().orElseThrow()))) {
      IPAddressPool pool = new IPAddressPool();
      pool.setMetadata(new ObjectMetaBuilder().withName("far-pool").withNamespace("metallb-system").build());
      pool.setSpec(new IPAddressPoolSpec(List.of("2001:db8:99::10-2001:db8:99::20"), false, null, null));
      L2Advertisement ad = new L2Advertisement();
      ad.setMetadata(new ObjectMetaBuilder().withName("far-advertisement").withNamespace("metallb-system").build());
      ad.setSpec(new L2AdvertisementSpec(List.of("far-pool"), null, null, null, null));
      try {
        c.resources(IPAddressPool.class).inNamespace("metallb-system").resource(pool).create();
        c.resources(L2Advertisement.class).inNamespace("metallb-system").resource(ad).create();
        StringWriter out = new StringWriter();

        int code = io.ironlb.cli.Main.commandLine().setOut(new PrintWriter(out, true))
            .execute("check", "--kubeconfig", dir.resolve("kubeconfig").toString());

        for (String node : List.of("spark-2959", "spark-ba63")) {
          assertThat(out.toString()).containsPattern("\\[warning]\\s+node interfaces\\s+node " + node + ": no interface has a subnet "
              + "that holds IPAddressPool far-pool's 2001:db8:99::10-2001:db8:99::20 \\(L2Advertisement far-advertisement names no "
              + "interfaces");
        }
        assertThat(code).as(out.toString()).isZero();
      } finally {
        c.resources(L2Advertisement.class).inNamespace("metallb-system").withName("far-advertisement").delete();
        c.resources(IPAddressPool.class).inNamespace("metallb-system").withName("far-pool").delete();
      }
    }
  }

  @Test
  @Order(3)
  void kubectlShowsTheServicesNodesAndSpeakerPods() {
    Assumptions.assumeTrue(Commands.onPath("kubectl"), "kubectl is not installed (CI installs kubernetes-client)");
    CommandResult svc = kubectl("get", "svc");
    assertThat(svc.describe()).contains("exited 0");
    assertThat(svc.stdout()).contains("EXTERNAL-IP").containsPattern("openwebui\\s+LoadBalancer").containsPattern("ollama\\s+LoadBalancer");
    assertThat(kubectl("get", "svc", "openwebui").stdout()).containsPattern("openwebui\\s+LoadBalancer\\s+\\S+\\s+198\\.51\\.100\\.2\\d\\d");
    assertThat(kubectl("get", "nodes").stdout()).containsPattern("spark-2959\\s+Ready\\s+control-plane").contains("spark-ba63");
    assertThat(kubectl("get", "pods", "-n", "metallb-system", "-l", "component=speaker").stdout())
        .contains("speaker-spark-2959").contains("speaker-spark-ba63");
  }

  @Test
  @Order(4)
  void vipTrafficReachingAnyNodeIsForwardedToTheAppLikeKubeProxyDoes() {
    await().atMost(T).until(() -> vips("openwebui").size() == 2);
    String vip4 = vips("openwebui").get(0);
    String vip6 = vips("openwebui").get(1);
    String client = layout.client().namespace();
    try {
      // Without a speaker nobody answers ARP for the VIP; a static neighbour entry stands in for its answer.
      for (LabLayout.Node entry : layout.nodes()) {
        Netns.exec(client, T, "ip", "neigh", "replace", vip4, "lladdr", entry.lanMac(), "dev", LabLayout.CLIENT_IF).orThrow();
        Netns.exec(client, T, "ip", "-6", "neigh", "replace", vip6, "lladdr", entry.lanMac(), "dev", LabLayout.CLIENT_IF).orThrow();
        await().atMost(T).untilAsserted(() -> assertThat(curl("http://" + vip4 + "/").stdout())
            .as("via %s", entry.name()).startsWith("openwebui on spark-ba63"));
        await().atMost(T).untilAsserted(() -> assertThat(curl("http://[" + vip6 + "]/").stdout())
            .as("IPv6 via %s", entry.name()).startsWith("openwebui on spark-ba63"));
      }
    } finally {
      Netns.exec(client, T, "ip", "neigh", "flush", "all");
    }
  }

  @Test
  @Order(5)
  void withSpeakersTheClientReachesTheVipAndLearnsTheAnnouncingNodesMac() {
    await().atMost(T).until(() -> !vips("openwebui").isEmpty());
    String vip4 = vips("openwebui").getFirst();
    String client = layout.client().namespace();
    Netns.flushNeighbours(client);
    await().atMost(T).untilAsserted(() -> assertThat(curl("http://" + vip4 + "/").stdout()).startsWith("openwebui on spark-ba63"));
    String mac = Netns.neighbour(client, vip4).orElseThrow().mac();
    assertThat(layout.nodes()).extracting(LabLayout.Node::lanMac).contains(mac);
    await().atMost(T).untilAsserted(() -> assertThat(run(Lab::status).out().lines().filter(l -> l.startsWith("openwebui ")))
        .singleElement().asString().doesNotContain("<none yet>").containsPattern("spark-\\S+$"));
  }

  @Test
  @Order(6)
  void theSeedsPoolYamlAppliedWithKubectlIsStored() throws IOException {
    Assumptions.assumeTrue(Commands.onPath("kubectl"), "kubectl is not installed (CI installs kubernetes-client)");
    Path yaml = dir.resolve("run").resolve("metallb-config.yaml");
    Files.writeString(yaml, ClusterSeeder.poolYaml(layout));
    assertThat(kubectl("apply", "--validate=false", "-f", yaml.toString()).stdout())
        .contains("ipaddresspool.metallb.io/lan-pool").contains("l2advertisement.metallb.io/lan-advertisement");
    assertThat(kubectl("get", "ipaddresspool", "lan-pool", "-n", "metallb-system", "-o", "jsonpath={.spec.addresses}").stdout())
        .contains("198.51.100.200-198.51.100.220").contains("2001:db8:86::200-2001:db8:86::220");
  }

  @Test
  @Order(7)
  void upTwiceIsSafeAndSaysSo() {
    long apiPid = LabState.load(dir).process("apiserver").orElseThrow().pid();
    Run again = run(lab -> lab.up(new Lab.UpOptions(List.of(), 2, prefix, false, true, java.time.Instant.now(), false)));
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("already up").contains("nothing changed");
    assertThat(LabState.load(dir).process("apiserver").orElseThrow().pid()).isEqualTo(apiPid);
  }

  @Test
  @Order(8)
  void aCutNodeIsUnreachableUntilRestored() {
    LabLayout.Node worker = layout.node("spark-ba63").orElseThrow();
    assertThat(run(lab -> lab.cut("spark-ba63", "lan", false)).code()).isZero();
    assertThat(Netns.exec(layout.client().namespace(), T, "curl", "-s", "-m", "1", "http://" + worker.lan4() + ":8080/").ok()).isFalse();
    assertThat(run(Lab::status).out()).containsPattern("spark-ba63\\s+\\S+\\s+CUT");
    assertThat(run(lab -> lab.cut("spark-ba63", "all", true)).code()).isZero();
    await().atMost(T).until(() -> curl("http://" + worker.lan4() + ":8080/").ok());
  }

  @Test
  @Order(9)
  void aRogueDeviceOwnsTheAddressItClaims() {
    String rogueMac = cluster.rogue("198.51.100.50");
    String client = cluster.namespace("mac");
    assertThat(cluster.exec("mac", T, "ping", "-c", "1", "-W", "2", "198.51.100.50").ok()).isTrue();
    assertThat(Netns.neighbour(client, "198.51.100.50")).get().extracting(n -> n.mac()).isEqualTo(rogueMac);
    assertThat(rogueMac).isNotIn(cluster.nodes().stream().map(cluster::lanMac).toList());
    assertThat(run(lab -> lab.rogue("198.51.100.50")).out()).as("twice is harmless").contains("already owns");
  }

  @Test
  @Order(10)
  void killNamesTheSpeakerItKilled() {
    Run r = run(lab -> lab.kill("spark-ba63"));
    assertThat(r.out()).contains("Killed the speaker on spark-ba63");
  }

  @Test
  @Order(11)
  void statusListsProcessesHostsAndServices() {
    Run r = run(Lab::status);
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("apiserver").contains("running").contains("app openwebui").contains("forward spark-2959")
        .contains("rogue1 (foreign device)").contains("export KUBECONFIG=");
  }

  @Test
  @Order(12)
  void execRunsACommandInAHostsNamespaceWithOrWithoutDashDash() {
    PrintWriter sink = new PrintWriter(new StringWriter());
    String d = dir.toString();
    assertThat(LabMain.commandLine().setOut(sink).setErr(sink).execute("lab", "exec", "--state-dir", d, "mac", "--", "ip", "-br", "addr")).isZero();
    assertThat(LabMain.commandLine().setOut(sink).setErr(sink).execute("lab", "exec", "--state-dir", d, "spark-ba63", "ip", "-br", "link", "show", "lan0")).isZero();
    assertThat(LabMain.commandLine().setOut(sink).setErr(sink).execute("lab", "exec", "--state-dir", d, "mac", "--", "false")).isEqualTo(1);
    assertThat(LabMain.commandLine().setOut(sink).setErr(sink).execute("lab", "exec", "--state-dir", d, "nosuchhost", "--", "true")).isEqualTo(2);
  }

  @Test
  @Order(100)
  void downLeavesNoNamespaceProcessMountOrFileAndASecondDownIsHarmless() throws IOException {
    List<LabProcess> procs = LabState.load(dir).processList();
    assertThat(procs).isNotEmpty();
    Run r = run(Lab::down);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Netns.list()).noneMatch(ns -> ns.startsWith(prefix));
    assertThat(procs).noneMatch(LabProcess::alive);
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(prefix);
    assertThat(dir).doesNotExist();
    Run again = run(Lab::down);
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("No lab to remove");
  }

  @Test
  @Order(101)
  void downCleansUpAHalfFinishedUp() throws IOException {
    Path half = Files.createTempDirectory("ironlb-lab-half");
    String prefix = "ilh" + ProcessHandle.current().pid() + "-";
    LabLayout l = LabLayout.of(prefix, 2, null, null);
    LabState state = LabState.create(half, Map.of("prefix", prefix, "nodes", "2"));
    LabProcess p;
    try {
      // What a crash half-way through `up` leaves: the network, a process, no API server, no "ready" line.
      LabNetwork.build(l, state);
      p = LabProcess.start("app stray", l.nodes().getFirst().namespace(), List.of("sleep", "600"), state.log("app stray"));
      state.recordProcess(p);
    } finally {
      Run r = run(half, Lab::down);
      assertThat(r.code()).as(r.err()).isZero();
    }
    assertThat(p.alive()).isFalse();
    assertThat(Netns.list()).noneMatch(ns -> ns.startsWith(prefix));
    assertThat(half).doesNotExist();
  }

}
