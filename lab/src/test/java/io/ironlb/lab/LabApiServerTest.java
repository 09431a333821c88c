package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Commands;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lab's API server alone (no namespaces, no root): what kubectl and fabric8 clients see. The
 * kubectl cases run when kubectl is installed (CI installs it).
 */
class LabApiServerTest {

  private static Path dir;
  private static ApiServer api;
  private static KubernetesClient client;
  private static final LabLayout LAYOUT = LabLayout.of("ilab-", 2, null, null);

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createTempDirectory("ironlb-api-test");
    LabState state = LabState.create(dir, Map.of("prefix", "ilab-", "nodes", "2"));
    api = ApiServer.start(state, 0, false);
    Kube.writeKubeconfig(state.kubeconfig(), Kube.url(api.port()));
    client = Kube.client(Kube.url(api.port()));
    ClusterSeeder.namespacesAndNodes(client, LAYOUT);
  }

  @AfterAll
  static void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    if (api != null) {
      api.close();
    }
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static CommandResult kubectl(String... args) {
    Assumptions.assumeTrue(Commands.onPath("kubectl"), "kubectl is not installed (CI installs kubernetes-client)");
    List<String> argv = new ArrayList<>(List.of("kubectl", "--kubeconfig", dir.resolve("kubeconfig").toString(),
        "--cache-dir", dir.resolve("kubectl-cache").toString()));
    argv.addAll(List.of(args));
    return Commands.run(Duration.ofSeconds(60), argv);
  }

  private static String get(String path) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(Kube.url(api.port()) + path)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  @Test
  void discoveryDocumentsNameBuiltInGroupsAndTheMetallbCrds() throws Exception {
    assertThat(get("/api")).startsWith("200").contains("\"versions\":[\"v1\"]");
    assertThat(get("/apis")).contains("\"name\":\"metallb.io\"").contains("discovery.k8s.io").contains("coordination.k8s.io");
    assertThat(get("/api/v1")).contains("\"name\":\"services\"").contains("\"name\":\"pods/log\"").contains("\"shortNames\":[\"svc\"]");
    assertThat(get("/apis/metallb.io/v1beta1")).contains("\"name\":\"ipaddresspools\"").contains("\"name\":\"servicel2statuses\"");
    assertThat(get("/apis/nosuch.example.com/v1")).startsWith("404");
    assertThat(get("/version")).contains("\"major\":\"1\"");
  }

  @Test
  void kubectlGetSvcShowsTheExternalIpLikeTheSeed() {
    client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("openwebui").endMetadata()
        .withNewSpec().withType("LoadBalancer").addNewPort().withPort(80).withProtocol("TCP").endPort().endSpec().build()).create();
    client.services().inNamespace("default").withName("openwebui").editStatus(s -> new ServiceBuilder(s).withNewStatus()
        .withNewLoadBalancer().addNewIngress().withIp("198.51.100.200").endIngress().endLoadBalancer().endStatus().build());
    CommandResult r = kubectl("get", "svc", "openwebui");
    assertThat(r.describe()).contains("exited 0");
    assertThat(r.stdout()).containsPattern("NAME\\s+TYPE\\s+CLUSTER-IP\\s+EXTERNAL-IP\\s+PORT\\(S\\)\\s+AGE")
        .containsPattern("openwebui\\s+LoadBalancer\\s+\\S+\\s+198\\.51\\.100\\.200\\s+80/TCP");
  }

  @Test
  void theSeedsPoolYamlAppliedWithKubectlIsStoredAndReapplyingReplacesTheAddresses() throws IOException {
    Path yaml = dir.resolve("metallb-config.yaml");
    Files.writeString(yaml, ClusterSeeder.poolYaml(LAYOUT));
    assertThat(kubectl("apply", "--validate=false", "-f", yaml.toString()).describe()).contains("exited 0");
    GenericKubernetesResource pool = client.genericKubernetesResources("metallb.io/v1beta1", "IPAddressPool")
        .inNamespace("metallb-system").withName("lan-pool").get();
    assertThat(Json.list(pool.getAdditionalProperties(), "spec.addresses"))
        .containsExactly("198.51.100.200-198.51.100.220", "2001:db8:86::200-2001:db8:86::220");

    // The mock alone would append to the array on the merge patch kubectl sends; the lab replaces it.
    Files.writeString(yaml, ClusterSeeder.poolYaml(LAYOUT).replace("  - 2001:db8:86::200-2001:db8:86::220\n", ""));
    assertThat(kubectl("apply", "-f", yaml.toString()).describe()).as("validation on (the default)").contains("exited 0");
    pool = client.genericKubernetesResources("metallb.io/v1beta1", "IPAddressPool").inNamespace("metallb-system").withName("lan-pool").get();
    assertThat(Json.list(pool.getAdditionalProperties(), "spec.addresses")).containsExactly("198.51.100.200-198.51.100.220");
    assertThat(kubectl("get", "ipaddresspools", "-n", "metallb-system").stdout()).contains("lan-pool").contains("AUTO ASSIGN");
    assertThat(kubectl("get", "l2advertisements", "-n", "metallb-system", "lan-advertisement").describe()).contains("exited 0");
  }

  @Test
  void kubectlLabelAnnotateAndDeleteWork() {
    client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("demo").endMetadata()
        .withNewSpec().withType("ClusterIP").addNewPort().withName("a").withPort(80).endPort()
        .addNewPort().withName("b").withPort(81).endPort().endSpec().build()).create();
    assertThat(kubectl("label", "svc", "demo", "tier=web").describe()).contains("exited 0");
    assertThat(kubectl("annotate", "svc", "demo", "metallb.io/loadBalancerIPs=198.51.100.210").describe()).contains("exited 0");
    var svc = client.services().inNamespace("default").withName("demo").get();
    assertThat(svc.getMetadata().getLabels()).containsEntry("tier", "web");
    assertThat(svc.getMetadata().getAnnotations()).containsEntry("metallb.io/loadBalancerIPs", "198.51.100.210");
    assertThat(svc.getSpec().getPorts()).as("strategic merge kept the ports").hasSize(2);
    assertThat(kubectl("patch", "svc", "demo", "-p", "{\"spec\": {\"type\": \"LoadBalancer\"}}").describe()).contains("exited 0");
    assertThat(client.services().inNamespace("default").withName("demo").get().getSpec().getType()).isEqualTo("LoadBalancer");
    assertThat(kubectl("delete", "svc", "demo").describe()).contains("exited 0");
    assertThat(client.services().inNamespace("default").withName("demo").get()).isNull();
  }

  @Test
  void speakerPodsAreFoundByLabelAndTheirLogsServedFromTheLogFile() throws IOException {
    LabState state = LabState.load(dir);
    ClusterSeeder.metallb(client, LAYOUT, state);
    Files.createDirectories(state.logs());
    Files.writeString(state.log("speaker spark-ba63"), "{\"event\":\"serviceAnnounced\",\"msg\":\"service has IP, announcing\"}\n");
    CommandResult pods = kubectl("get", "pods", "-n", "metallb-system", "-l", "component=speaker");
    assertThat(pods.stdout()).contains("speaker-spark-2959").contains("speaker-spark-ba63").contains("Running").doesNotContain("controller");
    // The seed's own troubleshooting command: kubectl logs -n metallb-system -l component=speaker | grep announcing
    CommandResult logs = kubectl("logs", "-n", "metallb-system", "-l", "component=speaker");
    assertThat(logs.describe()).contains("exited 0");
    assertThat(logs.stdout()).contains("announcing");
  }

  @Test
  void aMergePatchFromAnApiClientReplacesArraysAsRfc7386Says() {
    ClusterSeeder.applyPool(client, LAYOUT);
    client.genericKubernetesResources("metallb.io/v1beta1", "IPAddressPool").inNamespace("metallb-system").withName("lan-pool")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"addresses\":[\"198.51.100.230-198.51.100.231\"]}}");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Json.list(client.genericKubernetesResources(
        "metallb.io/v1beta1", "IPAddressPool").inNamespace("metallb-system").withName("lan-pool").get().getAdditionalProperties(),
        "spec.addresses")).containsExactly("198.51.100.230-198.51.100.231"));
  }

  @Test
  void listsCarryTheirTypedKindAsOnARealServer() throws Exception {
    assertThat(get("/api/v1/namespaces/metallb-system/pods")).contains("\"kind\":\"PodList\"");
    assertThat(get("/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools"))
        .contains("\"kind\":\"IPAddressPoolList\"").contains("\"apiVersion\":\"metallb.io/v1beta1\"");
  }

  @Test
  void eventsAreFilteredByFieldSelectorForDescribe() {
    for (String name : List.of("openwebui", "ollama")) {
      client.v1().events().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.EventBuilder()
          .withNewMetadata().withGenerateName(name + "-").endMetadata()
          .withNewInvolvedObject().withKind("Service").withName(name).withNamespace("default").endInvolvedObject()
          .withReason("IPAllocated").withMessage("Assigned IP for " + name).withType("Normal").build()).create();
    }
    var list = client.v1().events().inNamespace("default").withField("involvedObject.name", "ollama").list().getItems();
    assertThat(list).extracting(e -> e.getInvolvedObject().getName()).containsOnly("ollama");
  }

  /**
   * A watcher that stops reading and then closes its watch, as a speaker's informers do when it
   * stops: the mock's event sender waits on a write the client never takes while the event loop
   * waits in the close for that sender. Unbroken, the whole server answered nobody for 30 s.
   */
  @Test
  void aWatcherThatStopsReadingAndThenClosesDoesNotFreezeTheServer() throws Exception {
    String ns = "stalled-watch";
    WebSocket watch = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + api.port() + "/api/v1/namespaces/" + ns + "/configmaps?watch=true"),
            new WebSocket.Listener() {
              @Override
              public void onOpen(WebSocket ws) {
                // no request(): the client takes no message, so the server's writes back up
              }
            })
        .get(10, TimeUnit.SECONDS);
    String blob = "x".repeat(512 * 1024);
    try {
      for (int i = 0; i < 40; i++) {
        client.configMaps().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
            .withNewMetadata().withName("blob-" + i).endMetadata().addToData("blob", blob).build()).create();
      }
      watch.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
      long t0 = System.nanoTime();
      var read = CompletableFuture.supplyAsync(() -> client.configMaps().inNamespace(ns).withName("blob-0").get());
      assertThat(read.get(20, TimeUnit.SECONDS)).isNotNull();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("a read right after the stalled watcher closed took %d ms%n", ms);
      assertThat(ms).as("ms to answer a read after the stalled watcher closed").isLessThan(5_000);
    } finally {
      watch.abort();
      client.configMaps().inNamespace(ns).delete();
    }
  }
}
