package io.ironlb.lab;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.election.Election;
import io.ironlb.lab.net.LabProcess;
import io.ironlb.lab.net.Netns;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code ironlb lab failover}: measures what a client sees when the announcing node fails. A
 * client loop in {@code mac} sends an HTTP GET to a Service's VIP every 10 ms (a new connection
 * each, 1 s timeout) while, trial after trial, the announcing node's speaker is killed
 * ({@code kill}), the node is cut off the LAN and the internal link ({@code cut}), or its speaker
 * is stopped gracefully ({@code term}). Per trial it prints when the client's neighbour entry moved
 * to the new node (what a {@code kill -9} costs: the old node still forwards until then) and the
 * client-observed outage (the longest wait between two successful answers across the fault: what a
 * cut costs), then restores the node and waits until the original announcer has the address back.
 * {@code create} measures a new Service's time from creation to its first successful request.
 *
 * <p>The Service ({@value #SERVICE}, its endpoint the openwebui app) and everything else it creates
 * carry the label {@value #LABEL} and are deleted at the end, also when a trial fails.
 */
final class LabFailover {

  enum Mode {
    KILL("kill -9 of the speaker"),
    CUT("all links cut"),
    TERM("SIGTERM of the speaker"),
    CREATE("Service created");

    final String fault;

    Mode(String fault) {
      this.fault = fault;
    }

    static Mode parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--mode must be kill, cut, term or create, not '" + s + "'");
      }
    }
  }

  static final String SERVICE = "ironlb-failover";
  static final String LABEL = "lab.ironlb.io/failover";
  static final Duration INTERVAL = Duration.ofMillis(10);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
  static final Duration TAKEOVER_LIMIT = Duration.ofSeconds(20);
  static final Duration SETTLE_LIMIT = Duration.ofSeconds(90);

  /** One trial: the announcer before and after, and the times. A failed trial has {@code error}. */
  record Trial(int n, String from, String to, long neighbourMs, long outageMs, int failed, String error) {}

  private final Lab lab;
  private final LabState state;
  private final LabLayout layout;
  private final PrintWriter out;
  private final PrintWriter err;

  LabFailover(Lab lab, LabState state, PrintWriter out, PrintWriter err) {
    this.lab = lab;
    this.state = state;
    this.layout = state.layout();
    this.out = out;
    this.err = err;
  }

  int run(int trials, Mode mode) throws InterruptedException {
    if (trials < 1) {
      err.println("ironlb lab failover: --trials must be at least 1");
      return 2;
    }
    if (mode != Mode.CREATE && layout.nodes().size() < 2) {
      err.println("ironlb lab failover: a failover needs a second node; start the lab with --nodes 2 or more");
      return 2;
    }
    List<String> dead = layout.nodes().stream().map(LabLayout.Node::name)
        .filter(n -> !state.process("speaker " + n).map(LabProcess::alive).orElse(false)).toList();
    if (!dead.isEmpty()) {
      err.println("ironlb lab failover: no speaker runs on " + String.join(", ", dead) + "; `ironlb lab restore NODE` first");
      return 1;
    }
    out.println("Load average: " + loadAverage() + " (" + Runtime.getRuntime().availableProcessors() + " CPUs)");
    try (KubernetesClient client = Kube.client(Kube.url(state.apiPort().orElseThrow()))) {
      removeOurObjects(client);
      try {
        return mode == Mode.CREATE ? creation(client, trials) : failover(client, trials, mode);
      } finally {
        removeOurObjects(client);
      }
    }
  }

  // ---------------------------------------------------------------- failover trials

  private int failover(KubernetesClient client, int trials, Mode mode) throws InterruptedException {
    ClusterSeeder.App app = ClusterSeeder.apps(layout).getFirst();
    LabLayout.Node endpoint = layout.node(app.node()).orElseThrow();
    String vip = pickAddress(client, endpoint.name());
    if (vip == null) {
      err.println("ironlb lab failover: no free pool address (" + layout.poolRange4() + ") left for the test Service");
      return 1;
    }
    createService(client, SERVICE, vip, endpoint);
    String url = "http://" + vip + "/";
    String announcer = await("the controller and the speakers to announce " + vip, Duration.ofSeconds(30),
        () -> announcer(client, SERVICE));
    if (mode == Mode.CUT && announcer.equals(endpoint.name())) {
      err.println("ironlb lab failover: " + vip + " is announced by " + announcer + ", which also runs its endpoint;"
          + " cutting it would cut the app too. Change the lab's advertisements back to the seed's.");
      return 1;
    }
    LabLayout.Node home = layout.node(announcer).orElseThrow();
    out.printf("Failover (%s): Service %s/%s at %s (endpoint on %s) announced by %s; client loop in %s: GET %s every %d ms, %d ms timeout.%n",
        mode.name().toLowerCase(Locale.ROOT), ClusterSeeder.APP_NS, SERVICE, vip, endpoint.name(), home.name(), LabLayout.CLIENT,
        url, INTERVAL.toMillis(), REQUEST_TIMEOUT.toMillis());
    out.flush();
    List<Trial> done = new ArrayList<>();
    try (ClientLoop loop = ClientLoop.start(layout.client().namespace(), url, INTERVAL, REQUEST_TIMEOUT);
        NeighbourWatch neigh = new NeighbourWatch(layout.client().namespace(), vip)) {
      out.printf("%-6s %-34s %-12s %-16s %-14s %s%n", "TRIAL", "FAULT", "MOVED TO", "NEIGHBOUR MOVED", "CLIENT OUTAGE", "FAILED REQUESTS");
      for (int i = 1; i <= trials; i++) {
        settle(client, loop, home, vip);
        Trial t = trial(i, mode, home, loop, neigh);
        done.add(t);
        if (t.error() == null) {
          out.printf("%-6d %-34s %-12s %-16s %-14s %d%n", i, mode.fault + " " + home.name(), t.to(), t.neighbourMs() + " ms",
              t.outageMs() + " ms", t.failed());
        } else {
          out.printf("%-6d %-34s %s%n", i, mode.fault + " " + home.name(), "FAILED: " + t.error());
        }
        out.flush();
      }
      settle(client, loop, home, vip);
    }
    List<Trial> ok = done.stream().filter(t -> t.error() == null).toList();
    out.println();
    out.println("neighbour moved " + Percentiles.summary(ok.stream().mapToLong(Trial::neighbourMs).toArray()));
    out.println("client outage   " + Percentiles.summary(ok.stream().mapToLong(Trial::outageMs).toArray()));
    out.println("failed trials   " + (done.size() - ok.size()) + " of " + done.size());
    return ok.size() == done.size() ? 0 : 1;
  }

  private Trial trial(int n, Mode mode, LabLayout.Node home, ClientLoop loop, NeighbourWatch neigh) throws InterruptedException {
    // Reloaded every trial: the speaker restarted after the last one is a new process.
    LabProcess speaker = LabState.load(state.dir()).process("speaker " + home.name()).orElseThrow();
    Instant fault = Instant.now();
    Thread stopper = null;
    switch (mode) {
      case KILL -> speaker.kill();
      case CUT -> LabNetwork.setNodeLinks(layout, home, "all", false);
      // SIGTERM returns at once; the speaker withdraws and leaves while we measure.
      case TERM -> stopper = Thread.ofVirtual().start(() -> speaker.stop(Duration.ofSeconds(10)));
      case CREATE -> throw new IllegalArgumentException("not a fault");
    }
    try {
      Set<String> otherMacs = new HashSet<>();
      layout.nodes().stream().filter(x -> !x.name().equals(home.name())).forEach(x -> otherMacs.add(x.lanMac()));
      Instant limit = fault.plus(TAKEOVER_LIMIT);
      Optional<NeighbourWatch.Change> moved = Optional.empty();
      Optional<ClientLoop.Result> okAfter = Optional.empty();
      while (Instant.now().isBefore(limit)) {
        moved = neigh.movedAway(home.lanMac(), fault).filter(c -> otherMacs.contains(c.mac()));
        if (moved.isPresent()) {
          okAfter = loop.firstOkSince(moved.get().at());
          if (okAfter.isPresent()) {
            break;
          }
        }
        Thread.sleep(20); // polling results another thread collects
      }
      if (moved.isEmpty() || okAfter.isEmpty()) {
        return new Trial(n, home.name(), null, 0, 0, 0, moved.isEmpty()
            ? "the client's neighbour entry did not move to another node within " + TAKEOVER_LIMIT.toSeconds() + " s"
            : "no successful request within " + TAKEOVER_LIMIT.toSeconds() + " s");
      }
      // Requests still in flight at the takeover end (or time out) before they are counted.
      Thread.sleep(REQUEST_TIMEOUT.toMillis() + 200);
      ClientLoop.Outage outage = loop.outage(fault, okAfter.get().end().plusMillis(300));
      NeighbourWatch.Change change = moved.get();
      String to = layout.nodes().stream().filter(x -> x.lanMac().equals(change.mac())).map(LabLayout.Node::name)
          .findFirst().orElse(change.mac());
      return new Trial(n, home.name(), to, Duration.between(fault, change.at()).toMillis(), outage.gap().toMillis(),
          outage.failed(), null);
    } finally {
      if (stopper != null) {
        stopper.join(Duration.ofSeconds(15));
      }
      switch (mode) {
        case KILL, TERM -> {
          if (!speaker.alive()) {
            lab.startSpeaker(LabState.load(state.dir()), home);
          }
        }
        case CUT -> LabNetwork.setNodeLinks(layout, home, "all", true);
        case CREATE -> { }
      }
    }
  }

  /**
   * Waits until {@code home} announces {@code vip} again and the client uses it, for a second in a
   * row: ServiceL2Status names it, the client's neighbour entry holds its MAC, requests succeed, and
   * every speaker's last membership view holds every node (after a cut, the address comes back
   * through the split-brain guard seconds before the views merge; a trial started before that
   * would measure a node that is still half gone).
   */
  private void settle(KubernetesClient client, ClientLoop loop, LabLayout.Node home, String vip) throws InterruptedException {
    String ns = layout.client().namespace();
    Instant since = null;
    Instant limit = Instant.now().plus(SETTLE_LIMIT);
    while (Instant.now().isBefore(limit)) {
      boolean ok = home.name().equals(announcer(client, SERVICE))
          && Netns.neighbour(ns, vip).map(e -> home.lanMac().equals(e.mac())).orElse(false)
          && loop.recentlyOk(Duration.ofMillis(500))
          && oneView();
      if (!ok) {
        since = null;
      } else if (since == null) {
        since = Instant.now();
      } else if (Duration.between(since, Instant.now()).toMillis() >= 1000) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(home.name() + " did not take " + vip + " back within " + SETTLE_LIMIT.toSeconds()
        + " s (announced by: " + announcer(client, SERVICE) + "); see the speakers' logs in " + state.logs());
  }

  private static final java.util.regex.Pattern VIEW = java.util.regex.Pattern.compile("\"event\":\"membershipView\",\"members\":\"(\\[[^\"]*\\])\"");

  /** Whether every speaker's last membership view (from its log) holds every node. */
  private boolean oneView() {
    String all = new java.util.TreeSet<>(layout.nodes().stream().map(LabLayout.Node::name).toList()).toString();
    for (LabLayout.Node n : layout.nodes()) {
      java.util.regex.Matcher m = VIEW.matcher(tail(state.log("speaker " + n.name()), 256 * 1024));
      String last = null;
      while (m.find()) {
        last = m.group(1);
      }
      if (!all.equals(last)) {
        return false;
      }
    }
    return true;
  }

  private static String tail(Path file, int bytes) {
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
      long from = Math.max(0, f.length() - bytes);
      byte[] b = new byte[(int) (f.length() - from)];
      f.seek(from);
      f.readFully(b);
      return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  // ---------------------------------------------------------------- creation trials

  private int creation(KubernetesClient client, int trials) throws InterruptedException {
    LabLayout.Node endpoint = layout.node(ClusterSeeder.apps(layout).getFirst().node()).orElseThrow();
    int free = freeAddresses(client).size();
    if (free < trials) {
      out.println("Only " + free + " pool addresses are free: running " + free + " trials (each Service gets a new address, so each is probed).");
      trials = free;
    }
    out.printf("Creation: a new Service (endpoint on %s) per trial; client loop in %s: GET its VIP every %d ms as soon as it has one.%n",
        endpoint.name(), LabLayout.CLIENT, INTERVAL.toMillis());
    out.printf("%-6s %-22s %-16s %-16s %s%n", "TRIAL", "SERVICE", "EXTERNAL-IP", "ADDRESS AFTER", "FIRST ANSWER AFTER");
    List<Long> toIp = new ArrayList<>();
    List<Long> toOk = new ArrayList<>();
    int failed = 0;
    try (ClientLoop loop = ClientLoop.start(layout.client().namespace(), null, INTERVAL, REQUEST_TIMEOUT)) {
      for (int i = 1; i <= trials; i++) {
        String name = "ironlb-create-" + i;
        Instant created = createService(client, name, null, endpoint);
        String vip = null;
        Instant addressed = null;
        Instant limit = created.plusSeconds(15);
        while (vip == null && Instant.now().isBefore(limit)) {
          vip = ingress(client.services().inNamespace(ClusterSeeder.APP_NS).withName(name).get());
          if (vip == null) {
            Thread.sleep(5); // polling the API: a watch would add its own delay
          } else {
            addressed = Instant.now();
          }
        }
        if (vip == null) {
          out.printf("%-6d %-22s FAILED: no EXTERNAL-IP within 15 s%n", i, name);
          failed++;
          continue;
        }
        loop.target("http://" + vip + "/");
        Optional<ClientLoop.Result> first = Optional.empty();
        while (first.isEmpty() && Instant.now().isBefore(addressed.plusSeconds(15))) {
          first = loop.firstOkSince(addressed);
          Thread.sleep(10);
        }
        loop.target(null);
        if (first.isEmpty()) {
          out.printf("%-6d %-22s %-16s FAILED: no successful request within 15 s%n", i, name, vip);
          failed++;
          continue;
        }
        long ipMs = Duration.between(created, addressed).toMillis();
        long okMs = Duration.between(created, first.get().end()).toMillis();
        toIp.add(ipMs);
        toOk.add(okMs);
        out.printf("%-6d %-22s %-16s %-16s %d ms%n", i, name, vip, ipMs + " ms", okMs);
        out.flush();
      }
    }
    out.println();
    out.println("creation to EXTERNAL-IP         " + Percentiles.summary(toIp.stream().mapToLong(Long::longValue).toArray()));
    out.println("creation to first answer (VIP)  " + Percentiles.summary(toOk.stream().mapToLong(Long::longValue).toArray()));
    out.println("failed trials                   " + failed + " of " + trials);
    return failed == 0 ? 0 : 1;
  }

  // ---------------------------------------------------------------- objects

  /** Creates the EndpointSlice, then the Service (requesting {@code vip} unless null); returns when the Service was created. */
  private Instant createService(KubernetesClient client, String name, String vip, LabLayout.Node endpoint) {
    client.discovery().v1().endpointSlices().inNamespace(ClusterSeeder.APP_NS).resource(new EndpointSliceBuilder()
        .withNewMetadata().withName(name + "-ipv4").withNamespace(ClusterSeeder.APP_NS)
        .addToLabels("kubernetes.io/service-name", name).addToLabels(LABEL, "true").endMetadata()
        .withAddressType("IPv4")
        .addNewEndpoint().withAddresses(endpoint.internal4()).withNodeName(endpoint.name())
        .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions().endEndpoint()
        .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
        .build()).create();
    ServiceBuilder svc = new ServiceBuilder().withNewMetadata().withName(name).withNamespace(ClusterSeeder.APP_NS)
        .addToLabels(LABEL, "true").endMetadata()
        .withNewSpec().withType("LoadBalancer").withExternalTrafficPolicy("Cluster").withIpFamilies("IPv4")
        .withIpFamilyPolicy("SingleStack").withAllocateLoadBalancerNodePorts(false)
        .addNewPort().withName("http").withProtocol("TCP").withPort(80).withTargetPort(new IntOrString(8080)).endPort()
        .endSpec();
    if (vip != null) {
      svc.editMetadata().addToAnnotations("metallb.io/loadBalancerIPs", vip).endMetadata();
    }
    Instant at = Instant.now();
    client.services().inNamespace(ClusterSeeder.APP_NS).resource(svc.build()).create();
    return at;
  }

  private void removeOurObjects(KubernetesClient client) {
    client.services().inNamespace(ClusterSeeder.APP_NS).withLabel(LABEL).delete();
    client.discovery().v1().endpointSlices().inNamespace(ClusterSeeder.APP_NS).withLabel(LABEL).delete();
  }

  /** The first free pool address whose hash order, over all nodes, puts another node than {@code avoid} first. */
  private String pickAddress(KubernetesClient client, String avoid) {
    List<String> nodes = layout.nodes().stream().map(LabLayout.Node::name).toList();
    List<String> free = freeAddresses(client);
    return free.stream().filter(ip -> !Election.order(ip, nodes).getFirst().equals(avoid)).findFirst()
        .orElse(free.isEmpty() ? null : free.getFirst());
  }

  private List<String> freeAddresses(KubernetesClient client) {
    Set<String> used = new HashSet<>();
    for (Service s : client.services().inAnyNamespace().list().getItems()) {
      String ip = ingress(s);
      if (ip != null) {
        used.add(ip);
      }
      Map<String, String> a = s.getMetadata().getAnnotations();
      if (a != null) {
        a.forEach((k, v) -> {
          if (k.endsWith("/loadBalancerIPs") || k.equals("ironlb.io/ip-conflict")) {
            for (String part : v.split("[, ]")) {
              used.add(part.strip());
            }
          }
        });
      }
    }
    List<String> free = new ArrayList<>();
    for (int h = LabLayout.POOL_FIRST; h <= LabLayout.POOL_LAST; h++) {
      String ip = layout.lan4().host(h);
      if (!used.contains(ip) && !state.rogues().containsValue(ip)) {
        free.add(ip);
      }
    }
    return free;
  }

  private static String ingress(Service s) {
    if (s == null || s.getStatus() == null || s.getStatus().getLoadBalancer() == null
        || s.getStatus().getLoadBalancer().getIngress() == null) {
      return null;
    }
    return s.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).filter(ip -> ip != null && !ip.contains(":"))
        .findFirst().orElse(null);
  }

  /** The node named by the service's ServiceL2Status, or null while nobody announces it. */
  private static String announcer(KubernetesClient client, String service) {
    String a = Lab.announcers(client).get(ClusterSeeder.APP_NS + "/" + service);
    return a == null || a.contains(",") ? null : a;
  }

  private static <T> T await(String what, Duration limit, java.util.function.Supplier<T> value) throws InterruptedException {
    Instant end = Instant.now().plus(limit);
    while (Instant.now().isBefore(end)) {
      T v = value.get();
      if (v != null) {
        return v;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("gave up waiting for " + what + " after " + limit.toSeconds() + " s");
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
