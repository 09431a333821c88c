package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.ironlb.model.ServiceKey;
import io.ironlb.testing.MockCluster;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The speaker's ServiceL2Status writes: decided from the informer's copy, one request each, never a read. */
class ServiceL2StatusWriterTest {
  private static final String AGENT = "ironlb-test/status-writer";
  private static final String NS = MockCluster.CONFIG_NAMESPACE;
  private static final ServiceKey WEB = new ServiceKey("default", "web");
  private static final String PATH = "/apis/metallb.io/v1beta1/namespaces/" + NS + "/servicel2statuses";

  @Test
  void aFirstAnnouncementIsACreateAndAStatusPatch() throws Exception {
    try (MockCluster cluster = new MockCluster(); KubernetesClient client = client(cluster)) {
      Map<String, ServiceL2Status> cache = new HashMap<>();
      cluster.takeRequests(AGENT);

      new ServiceL2StatusWriter(client, NS, "n1", cache::get).write(WEB, List.of("eth0"));

      assertThat(cluster.takeRequests(AGENT)).containsExactly("POST " + PATH, "PATCH " + PATH + "/l2-default-web/status");
      ServiceL2Status s = stored(cluster);
      assertThat(s.getStatus().node()).isEqualTo("n1");
      assertThat(s.getStatus().interfaces()).containsExactly(new ServiceL2Status.Interface("eth0"));
      assertThat(s.getMetadata().getLabels()).containsEntry("metallb.io/node", "n1");
    }
  }

  @Test
  void aTakeoverRelabelsAndReplacesTheStatusWithoutReading() throws Exception {
    try (MockCluster cluster = new MockCluster(); KubernetesClient client = client(cluster)) {
      new ServiceL2StatusWriter(cluster.client(), NS, "n1", name -> null).write(WEB, List.of("eth0", "eth1"));
      ServiceL2Status previous = stored(cluster);
      cluster.takeRequests(AGENT);

      new ServiceL2StatusWriter(client, NS, "n2", name -> previous).write(WEB, List.of("eth2"));

      assertThat(cluster.takeRequests(AGENT)).containsExactly("PATCH " + PATH + "/l2-default-web", "PATCH " + PATH + "/l2-default-web/status");
      ServiceL2Status s = stored(cluster);
      assertThat(s.getStatus().node()).isEqualTo("n2");
      assertThat(s.getStatus().interfaces()).containsExactly(new ServiceL2Status.Interface("eth2"));
      assertThat(s.getMetadata().getLabels()).containsEntry("metallb.io/node", "n2");
    }
  }

  @Test
  void aCopyOfAnObjectThatIsGoneCostsARequestNotTheWrite() throws Exception {
    try (MockCluster cluster = new MockCluster(); KubernetesClient client = client(cluster)) {
      ServiceL2Status gone = copyOfN1sObject();
      cluster.takeRequests(AGENT);

      // The informer lags a delete (or stopped hearing while the API server was away): the status
      // patch finds nothing, and the object is created and written at once, not left to a retry
      // that would meet the same stale copy.
      new ServiceL2StatusWriter(client, NS, "n1", name -> gone).write(WEB, List.of("eth0"));

      assertThat(cluster.takeRequests(AGENT)).containsExactly("PATCH " + PATH + "/l2-default-web/status", "POST " + PATH,
          "PATCH " + PATH + "/l2-default-web/status");
      assertThat(stored(cluster).getStatus().node()).isEqualTo("n1");
    }
  }

  @Test
  void aTakeoverOfAnObjectThatIsGoneCreatesItWithTheNewLabels() throws Exception {
    try (MockCluster cluster = new MockCluster(); KubernetesClient client = client(cluster)) {
      ServiceL2Status gone = copyOfN1sObject();
      cluster.takeRequests(AGENT);

      new ServiceL2StatusWriter(client, NS, "n2", name -> gone).write(WEB, List.of("eth2"));

      assertThat(cluster.takeRequests(AGENT)).containsExactly("PATCH " + PATH + "/l2-default-web", "POST " + PATH,
          "PATCH " + PATH + "/l2-default-web/status");
      ServiceL2Status s = stored(cluster);
      assertThat(s.getStatus().node()).isEqualTo("n2");
      assertThat(s.getMetadata().getLabels()).containsEntry("metallb.io/node", "n2");
    }
  }

  /** The informer's copy of web's object as node n1 wrote it, for tests where the object itself is gone. */
  private static ServiceL2Status copyOfN1sObject() {
    ServiceL2Status copy = new ServiceL2Status();
    copy.setMetadata(new ObjectMetaBuilder().withName("l2-default-web").withNamespace(NS)
        .withLabels(Map.of("metallb.io/node", "n1", "metallb.io/service-name", "web", "metallb.io/service-namespace", "default")).build());
    return copy;
  }

  private static KubernetesClient client(MockCluster cluster) {
    return new KubernetesClientBuilder().withConfig(new ConfigBuilder(cluster.client().getConfiguration()).withUserAgent(AGENT).build()).build();
  }

  private static ServiceL2Status stored(MockCluster cluster) {
    return cluster.client().resources(ServiceL2Status.class).inNamespace(NS).withName("l2-default-web").get();
  }
}
