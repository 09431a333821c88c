package io.ironlb.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.ironlb.k8s.EventRecorder.Type;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Events against a real HTTP API server (fabric8's mock in CRUD mode), which the test stops and starts again. */
class EventRecorderTest {

  private final List<KubernetesMockServer> servers = new ArrayList<>();
  private final MovableClock clock = new MovableClock(Instant.parse("2026-11-27T10:00:00Z"));

  @AfterEach
  void stopServers() {
    servers.forEach(s -> {
      try {
        s.destroy();
      } catch (RuntimeException e) {
        // already stopped
      }
    });
  }

  private KubernetesMockServer serverOn(int port) {
    KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    s.init(InetAddress.getLoopbackAddress(), port);
    servers.add(s);
    return s;
  }

  /** A client that fails at once when nobody listens, as the recorder's callers see an API outage (after their own retries). */
  private static KubernetesClient client(KubernetesMockServer s) {
    return new KubernetesClientBuilder().withConfig(new ConfigBuilder(s.createClient().getConfiguration())
        .withRequestRetryBackoffLimit(0).withRequestTimeout(2000).withConnectionTimeout(1000).build()).build();
  }

  private static Service service(String name) {
    return new ServiceBuilder().withNewMetadata().withName(name).withNamespace("apps").withUid("uid-" + name).endMetadata().build();
  }

  private static List<Event> events(KubernetesClient c) {
    return c.v1().events().inNamespace("apps").list().getItems().stream()
        .sorted(Comparator.comparing(Event::getFirstTimestamp)).toList();
  }

  @Test
  void theSameMessageIsSaidOnceAnHourAndAChangeAtOnce() {
    KubernetesMockServer server = serverOn(0);
    try (KubernetesClient c = client(server)) {
      EventRecorder events = new EventRecorder(c, "ironlb-speaker", "node-a", clock);
      Service web = service("web");
      events.record(web, Type.Warning, "AllocationFailed", "no available IPs in pool \"lan-pool\"");
      clock.advance(Duration.ofMinutes(59));
      events.record(web, Type.Warning, "AllocationFailed", "no available IPs in pool \"lan-pool\"");
      assertThat(events(c)).hasSize(1);

      events.record(web, Type.Warning, "AllocationFailed", "pool \"lan-pool\" is out of service");
      assertThat(events(c)).hasSize(2);

      // The API server has dropped the first event by now (--event-ttl 1h): a lasting condition is said again.
      clock.advance(Duration.ofMinutes(61));
      events.record(web, Type.Warning, "AllocationFailed", "pool \"lan-pool\" is out of service");
      assertThat(events(c)).extracting(Event::getMessage).containsExactly("no available IPs in pool \"lan-pool\"",
          "pool \"lan-pool\" is out of service", "pool \"lan-pool\" is out of service");
    }
  }

  @Test
  void whatItRemembersIsAnHourOfEventsNotEveryObjectThatEverExisted() {
    KubernetesMockServer server = serverOn(0);
    try (KubernetesClient c = client(server)) {
      EventRecorder events = new EventRecorder(c, "ironlb-controller", "controller-0", clock);
      for (int i = 0; i < 999; i++) {
        events.record(service("gone-" + i), Type.Normal, "IPAllocated", "Assigned IP [\"198.51.100.10\"]");
      }
      assertThat(events.remembered()).isEqualTo(999);
      clock.advance(Duration.ofHours(2));
      events.record(service("new"), Type.Normal, "IPAllocated", "Assigned IP [\"198.51.100.11\"]");
      assertThat(events.remembered()).isEqualTo(1);
    }
  }

  @Test
  void eventsSaidWhileTheApiServerIsAwayAreWrittenInOrderWhenItReturns() {
    KubernetesMockServer first = serverOn(0);
    int port = first.getPort();
    try (KubernetesClient c = client(first)) {
      EventRecorder events = new EventRecorder(c, "ironlb-speaker", "node-a", clock);
      events.record(service("web"), Type.Normal, "nodeAssigned", "announcing from node \"node-a\" with protocol \"layer2\"");
      assertThat(events(c)).hasSize(1);

      first.destroy();
      clock.advance(Duration.ofSeconds(1));
      events.record(service("web"), Type.Warning, "IPConflict", "IP 198.51.100.200 is in use by a device outside the cluster");
      clock.advance(Duration.ofSeconds(1));
      events.record(service("db"), Type.Normal, "nodeAssigned", "announcing from node \"node-a\" with protocol \"layer2\"");
      assertThat(events.pendingCount()).isEqualTo(2);

      serverOn(port); // the API server is back (empty: a CRUD mock keeps nothing across restarts)
      await().atMost(Duration.ofSeconds(30)).until(() -> events.pendingCount() == 0);
      List<Event> written = events(c);
      assertThat(written).extracting(Event::getReason).containsExactly("IPConflict", "nodeAssigned");
      assertThat(written).extracting(e -> e.getInvolvedObject().getName()).containsExactly("web", "db");
      assertThat(written.getFirst().getFirstTimestamp()).as("written with the time it happened").isEqualTo("2026-11-27T10:00:01Z");
    }
  }

  @Test
  void atMostAFixedNumberWaitOldestDroppedFirst() {
    KubernetesMockServer first = serverOn(0);
    try (KubernetesClient c = client(first)) {
      EventRecorder events = new EventRecorder(c, "ironlb-speaker", "node-a", clock);
      first.destroy();
      for (int i = 0; i < EventRecorder.MAX_PENDING + 5; i++) {
        events.record(service("svc-" + i), Type.Normal, "nodeAssigned", "announcing");
      }
      assertThat(events.pendingCount()).isEqualTo(EventRecorder.MAX_PENDING);
    }
  }

  @Test
  void anEventTheServerRefusesIsDroppedNotRetried() {
    KubernetesMockServer server = new KubernetesMockServer(false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    servers.add(server);
    server.expect().post().withPath("/api/v1/namespaces/apps/events")
        .andReturn(403, "{\"kind\":\"Status\",\"code\":403,\"message\":\"events is forbidden\"}").always();
    try (KubernetesClient c = client(server)) {
      EventRecorder events = new EventRecorder(c, "ironlb-speaker", "node-a", clock);
      events.record(service("web"), Type.Normal, "nodeAssigned", "announcing");
      assertThat(events.pendingCount()).isZero();
    }
  }

  private static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
