package io.ironlb.lab;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Commands;
import io.ironlb.netns.Host;
import io.ironlb.netns.LabProcess;
import io.ironlb.netns.Netns;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The lab's verbs ({@code up}, {@code down}, {@code status}, {@code exec}, {@code cut},
 * {@code silence}, {@code restore}, {@code rogue}, {@code kill}, {@code failover}); {@link LabCommand} parses the command line and
 * calls these. Output goes to the given writers, so tests run the verbs in-process.
 */
public final class Lab {

  public static final Duration API_START = Duration.ofSeconds(40);
  /**
   * How long {@code up} waits for every Service to get its address, be announced and answer: 90 s
   * for the seed's two nodes, and 10 s more for each further node, whose JVMs start on the same
   * cores (16 nodes on 2 cores took ~93 s, at a load average of 50, before their views had merged).
   */
  static Duration servicesWait(int nodes) {
    return Duration.ofSeconds(90 + 10L * Math.max(0, nodes - 2));
  }

  /**
   * The {@code up} options. {@code lans} are CIDRs; one per family replaces that family's default.
   * {@code waitForServices}: return only once every Service is announced and answers the client.
   * {@code install}: install missing Debian packages (else refuse and print the command).
   * {@code speakerFlags} go to every speaker ({@link SpeakerFlags}).
   * {@code speakerMemoryLimit}: each speaker runs in a memory cgroup of this limit ({@link MemoryCgroup}; null: none).
   */
  public record UpOptions(List<String> lans, int nodes, String prefix, boolean keepOnFailure, boolean waitForServices, Instant startedAt,
      boolean install, List<String> speakerFlags, String speakerMemoryLimit) {
    public UpOptions {
      speakerFlags = List.copyOf(speakerFlags);
    }

    public UpOptions(List<String> lans, int nodes, String prefix, boolean keepOnFailure, boolean waitForServices, Instant startedAt,
        boolean install) {
      this(lans, nodes, prefix, keepOnFailure, waitForServices, startedAt, install, List.of(), null);
    }
  }

  private final Path dir;
  private final PrintWriter out;
  private final PrintWriter err;

  public Lab(Path dir, PrintWriter out, PrintWriter err) {
    this.dir = dir;
    this.out = out;
    this.err = err;
  }

  // ---------------------------------------------------------------- preflight

  /** Null when the lab can run here, else what is missing. Checked before anything is changed. */
  public static String preflight() {
    String why = Host.whyNoNamespaces();
    if (why != null) {
      return "ironlb lab: " + why;
    }
    LabPrerequisites.Missing missing = LabPrerequisites.missing(Commands::onPath);
    if (!missing.none()) {
      return "ironlb lab: missing " + String.join(", ", missing.commands()) + " (Debian: "
          + String.join(" ", LabPrerequisites.aptGetInstall(missing.packages())) + ")";
    }
    return null;
  }

  /**
   * Installs the Debian packages the lab lacks (or with {@code install} false, refuses and prints
   * the command); 0 when everything is there, else the exit status for {@code up}.
   */
  private int ensurePrerequisites(boolean install) {
    if (!Host.isLinux() || !Host.isRoot()) {
      return 0; // preflight says what is wrong; nothing can be installed anyway
    }
    LabPrerequisites.Missing missing = LabPrerequisites.missing(Commands::onPath);
    if (missing.none()) {
      return 0;
    }
    if (!install) {
      err.println(LabPrerequisites.refusal(missing));
      return 2;
    }
    if (!Commands.onPath("apt-get")) {
      err.println("ironlb lab up: missing " + String.join(", ", missing.commands()) + ", and this machine has no apt-get to install them;"
          + " install the programs yourself (Debian packages: " + String.join(" ", missing.packages()) + ")");
      return 2;
    }
    out.println(LabPrerequisites.announcement(missing));
    out.flush();
    if (LabPrerequisites.install(missing, argv -> Commands.run(LabPrerequisites.APT_TIMEOUT, argv))
        instanceof LabPrerequisites.Installed.Failed(String why)) {
      err.println("ironlb lab up: installing failed: " + why);
      return 1;
    }
    return 0;
  }

  // ---------------------------------------------------------------- up

  public int up(UpOptions o) {
    long t0 = System.nanoTime();
    int prerequisites = ensurePrerequisites(o.install());
    if (prerequisites != 0) {
      return prerequisites;
    }
    String why = preflight();
    if (why != null) {
      err.println(why);
      return 2;
    }
    String lan4 = null;
    String lan6 = null;
    for (String l : o.lans()) {
      Cidr c = Cidr.parse(l);
      if (c.v6()) {
        lan6 = c.toString();
      } else {
        lan4 = c.toString();
      }
    }
    LabLayout layout;
    SpeakerFlags speakerFlags;
    long memoryLimit;
    try {
      layout = LabLayout.of(o.prefix(), o.nodes(), lan4, lan6);
      speakerFlags = SpeakerFlags.of(o.speakerFlags());
      memoryLimit = o.speakerMemoryLimit() == null ? 0 : MemoryCgroup.parseLimit(o.speakerMemoryLimit());
      if (memoryLimit > 0) {
        MemoryCgroup.requireAvailable();
      }
    } catch (IllegalArgumentException e) {
      err.println("ironlb lab up: " + e.getMessage());
      return 2;
    }
    LabState old = LabState.load(dir);
    if (old.exists()) {
      if (old.process("apiserver").map(LabProcess::alive).orElse(false) && old.ready()) {
        out.println("The lab is already up (state in " + dir + "); nothing changed. `ironlb lab down` removes it.");
        printServices(old, old.layout());
        printHints(old, old.layout());
        return 0;
      }
      out.println("Found the remains of an earlier lab in " + dir + " (not running or never finished): removing them first.");
      down();
    }
    List<String> leftovers = layout.namespaces().stream().filter(Netns::exists).toList();
    if (!leftovers.isEmpty()) {
      err.println("ironlb lab up: namespaces " + leftovers + " exist but no lab state in " + dir
          + " names them. Another lab with another --state-dir? Remove them with `ironlb lab down --state-dir DIR`"
          + " or `ip netns delete NAME`.");
      return 1;
    }

    Map<String, String> options = new LinkedHashMap<>();
    options.put("prefix", layout.prefix());
    options.put("nodes", String.valueOf(layout.nodes().size()));
    options.put("lan4", layout.lan4().toString());
    options.put("lan6", layout.lan6().toString());
    if (!speakerFlags.flags().isEmpty()) {
      options.put(SpeakerFlags.OPTION, speakerFlags.encoded());
    }
    if (memoryLimit > 0) {
      options.put(MemoryCgroup.OPTION, Long.toString(memoryLimit));
    }
    LabState state = LabState.create(dir, options);
    try {
      upSteps(state, layout, o, t0);
      return 0;
    } catch (RuntimeException | IOException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      err.println("ironlb lab up failed: " + e.getMessage());
      LabState now = LabState.load(dir);
      for (LabProcess p : now.processList()) {
        if (!p.alive()) {
          err.println("  " + p.name() + " is not running; last lines of " + p.log() + ":");
          tail(p.log(), 8).forEach(l -> err.println("    " + l));
        }
      }
      if (o.keepOnFailure()) {
        err.println("Kept what was created (--keep-on-failure): inspect it, then `ironlb lab down`.");
      } else {
        err.println("Removing what was created (use --keep-on-failure to inspect it instead).");
        down();
      }
      return 1;
    }
  }

  private void upSteps(LabState state, LabLayout layout, UpOptions o, long t0) throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("run"));
    // The API server's JVM takes longest to start, so it starts first, while the network is built.
    start(state, "apiserver", null, SelfCommand.argv(apiHeap(), "lab", "apiserver", "--state-dir", dir.toString()), Map.of());
    out.println("Building the network: " + String.join(", ", layout.namespaces()));
    out.flush();
    LabNetwork.build(layout, state);

    for (ClusterSeeder.App app : ClusterSeeder.apps(layout)) {
      LabLayout.Node n = layout.node(app.node()).orElseThrow();
      // Its collections and safepoints logged beside its log: a stalled app fails requests that are not a failover.
      List<String> gcLog = List.of("-Xlog:gc,safepoint:file=" + state.logs().resolve("gc-app-" + app.name() + ".log") + "::filecount=0");
      start(state, "app " + app.name(), n.namespace(), SelfCommand.steadyArgv("48m", gcLog, "lab", "app", "--name", app.name(),
          "--node", n.name(), "--port", LabLayout.APP_PORT + "," + LabLayout.YARDSTICK_APP_PORT, "--ready-file", readyFile("app " + app.name()).toString()), Map.of());
    }

    awaitCondition("the API server to listen (log: " + state.log("apiserver") + ")", API_START,
        () -> state.apiPort().isPresent(), () -> state.process("apiserver").map(LabProcess::alive).orElse(false));
    int port = state.apiPort().orElseThrow();
    Kube.writeKubeconfig(state.kubeconfig(), Kube.url(port));
    for (LabLayout.Node n : layout.nodes()) {
      Kube.writeKubeconfig(state.nodeKubeconfig(n.name()), "http://127.0.0.1:" + NODE_API_PORT);
      start(state, "forward " + n.name(), n.namespace(), SelfCommand.argv("48m", "lab", "forward",
          "--listen", "127.0.0.1:" + NODE_API_PORT, "--socket", state.socket().toString(),
          "--ready-file", readyFile("forward " + n.name()).toString()), Map.of());
    }

    try (KubernetesClient client = Kube.client(Kube.url(port))) {
      ClusterSeeder.namespacesAndNodes(client, layout);
      ClusterSeeder.metallb(client, layout, state);
      ClusterSeeder.applyPool(client, layout);
      for (ClusterSeeder.App app : ClusterSeeder.apps(layout)) {
        awaitReady(state, "app " + app.name());
      }
      ClusterSeeder.apps(client, layout, state);
      for (LabLayout.Node n : layout.nodes()) {
        awaitReady(state, "forward " + n.name());
      }

      // As each pod's init container does: the JVM's start-up cache, made once per build.
      AotCache.ensure(SelfCommand.Deployed.CONTROLLER, err);
      AotCache.ensure(SelfCommand.Deployed.SPEAKER, err);
      // --metrics-port 0: the controller runs in the root namespace, where a fixed port could clash with
      // another lab or a real service; the lab opens no listener there beyond its API server on 127.0.0.1.
      Map<String, String> controllerEnv = new LinkedHashMap<>(SelfCommand.Deployed.CONTROLLER.environment());
      controllerEnv.put("POD_NAMESPACE", ClusterSeeder.METALLB_NS);
      controllerEnv.put("POD_NAME", "controller-" + layout.nodes().getFirst().name());
      start(state, "controller", null, SelfCommand.deployed(SelfCommand.Deployed.CONTROLLER, "controller", "--kubeconfig", state.kubeconfig().toString(),
          "--namespace", ClusterSeeder.METALLB_NS, "--metrics-port", "0"), controllerEnv);
      for (LabLayout.Node n : layout.nodes()) {
        startSpeaker(state, n);
      }

      if (o.waitForServices()) {
        awaitServing(client, layout);
      }
      long upMillis = (System.nanoTime() - t0) / 1_000_000;
      state.recordReady(upMillis);
      printServices(state, layout);
      printHints(state, layout);
      // Measured from the start of the command (JVM start included), as a user with a stopwatch would.
      long total = Duration.between(o.startedAt(), Instant.now()).toMillis();
      out.printf("lab up took %.1f s%n", total / 1000.0);
      out.flush();
    }
  }

  /**
   * The API server's maximum heap: 256m holds the seed's cluster and a few thousand more objects;
   * {@code IRONLB_LAB_API_HEAP} (e.g. {@code 1g}) raises it for a lab that holds tens of thousands
   * (bench/scale).
   */
  static String apiHeap() {
    String h = System.getenv("IRONLB_LAB_API_HEAP");
    return h != null && h.matches("\\d+[mg]") ? h : "256m";
  }

  /** Node namespaces reach the API server at this port on their own loopback (a forwarder per node). */
  public static final int NODE_API_PORT = 6443;

  public void startSpeaker(LabState state, LabLayout.Node n) {
    Map<String, String> env = new LinkedHashMap<>(SelfCommand.Deployed.SPEAKER.environment());
    env.put("NODE_NAME", n.name());
    env.put("POD_NAME", "speaker-" + n.name());
    env.put("POD_NAMESPACE", ClusterSeeder.METALLB_NS);
    env.put("POD_IP", n.lan4());
    List<String> args = new ArrayList<>(List.of("speaker", "--node", n.name(), "--kubeconfig", state.nodeKubeconfig(n.name()).toString()));
    args.addAll(SpeakerFlags.of(state).flags());
    List<String> argv = SelfCommand.deployed(SelfCommand.Deployed.SPEAKER, args.toArray(String[]::new));
    String limit = state.option(MemoryCgroup.OPTION, "");
    List<String> launcher = limit.isEmpty() ? List.of()
        : MemoryCgroup.limited(MemoryCgroup.name(state.layout().prefix(), n.name()), Long.parseLong(limit)).launcher();
    start(state, "speaker " + n.name(), n.namespace(), argv, env, launcher);
  }

  private LabProcess start(LabState state, String name, String ns, List<String> argv, Map<String, String> env) {
    return start(state, name, ns, argv, env, List.of());
  }

  private LabProcess start(LabState state, String name, String ns, List<String> argv, Map<String, String> env, List<String> launcher) {
    LabProcess p = LabProcess.start(name, ns, argv, state.log(name), env, launcher);
    state.recordProcess(p);
    return p;
  }

  private Path readyFile(String name) {
    return dir.resolve("run").resolve(name.replace(' ', '-') + ".ready");
  }

  private void awaitReady(LabState state, String name) throws InterruptedException {
    awaitCondition(name + " to start (log: " + state.log(name) + ")", Duration.ofSeconds(30),
        () -> Files.exists(readyFile(name)), () -> state.process(name).map(LabProcess::alive).orElse(false));
  }

  /** Polls {@code done} until it holds; fails early when {@code alive} turns false, or after {@code timeout}. */
  private static void awaitCondition(String what, Duration timeout, BooleanSupplier done, BooleanSupplier alive)
      throws InterruptedException {
    Instant end = Instant.now().plus(timeout);
    while (!done.getAsBoolean()) {
      if (!alive.getAsBoolean()) {
        throw new IllegalStateException("gave up waiting for " + what + ": the process exited");
      }
      if (Instant.now().isAfter(end)) {
        throw new IllegalStateException("gave up waiting for " + what + " after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(25); // polling a file written by another process: no event to wait on
    }
  }

  /**
   * Waits until every LoadBalancer Service of the lab has its addresses, an announcing node
   * (its ServiceL2Status) and answers an HTTP request from the client at each address, as a user's
   * first {@code curl} after {@code up} would; throws naming what is still missing.
   */
  private void awaitServing(KubernetesClient client, LabLayout layout) throws InterruptedException {
    Duration wait = servicesWait(layout.nodes().size());
    Instant end = Instant.now().plus(wait);
    List<String> pending = List.of();
    Set<String> answered = new LinkedHashSet<>();
    while (Instant.now().isBefore(end)) {
      List<Service> services = client.services().inNamespace(ClusterSeeder.APP_NS).list().getItems().stream()
          .filter(s -> "LoadBalancer".equals(s.getSpec().getType())).toList();
      Map<String, String> announcers = announcers(client);
      pending = new ArrayList<>();
      for (Service s : services) {
        String name = s.getMetadata().getName();
        List<String> ips = ingressIps(s);
        if (ips.isEmpty()) {
          pending.add(name + " has no EXTERNAL-IP (controller log: " + LabState.load(dir).log("controller") + ")");
        } else if (!announcers.containsKey(ClusterSeeder.APP_NS + "/" + name)) {
          pending.add(name + " is announced by no node (speaker logs in " + LabState.load(dir).logs() + ")");
        } else {
          for (String ip : ips) {
            if (!answered.contains(ip) && answers(layout, ip)) {
              answered.add(ip);
            }
            if (!answered.contains(ip)) {
              pending.add(name + " does not answer http://" + (ip.contains(":") ? "[" + ip + "]" : ip) + "/ from " + LabLayout.CLIENT);
            }
          }
        }
      }
      if (pending.isEmpty()) {
        return;
      }
      Thread.sleep(100); // polling the API server and the client's view: no event covers both
    }
    throw new IllegalStateException("after " + wait.toSeconds() + " s: " + String.join("; ", pending));
  }

  private static List<String> ingressIps(Service s) {
    if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null) {
      return List.of();
    }
    return s.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).filter(ip -> ip != null && !ip.isBlank()).toList();
  }

  /** One HTTP request from the client's namespace to {@code ip}, port 80. */
  private static boolean answers(LabLayout layout, String ip) {
    String url = "http://" + (ip.contains(":") ? "[" + ip + "]" : ip) + "/";
    CommandResult r = Netns.exec(layout.client().namespace(), Duration.ofSeconds(5), "curl", "-s", "-g", "-o", "/dev/null",
        "-w", "%{http_code}", "-m", "2", url);
    return r.ok() && r.stdout().strip().equals("200");
  }

  // ---------------------------------------------------------------- output

  public void printServices(LabState state, LabLayout layout) {
    Optional<Integer> port = state.apiPort();
    if (port.isEmpty()) {
      return;
    }
    try (KubernetesClient client = Kube.client(Kube.url(port.get()))) {
      List<Service> svcs = client.services().inNamespace(ClusterSeeder.APP_NS).list().getItems();
      Map<String, String> announcers = announcers(client);
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"NAME", "TYPE", "EXTERNAL-IP", "PORT(S)", "ENDPOINT NODE", "ANNOUNCED BY"});
      for (Service s : svcs) {
        String name = s.getMetadata().getName();
        String ext = Tables.externalIp(Json.parse(io.fabric8.kubernetes.client.utils.Serialization.asJson(s)));
        String ports = s.getSpec().getPorts().stream().map(p -> p.getPort() + "/" + p.getProtocol()).reduce((a, b) -> a + "," + b).orElse("");
        String node = ClusterSeeder.apps(layout).stream().filter(a -> a.name().equals(name)).map(ClusterSeeder.App::node)
            .findFirst().orElse("");
        String ann = announcers.getOrDefault(ClusterSeeder.APP_NS + "/" + name, "<none yet>");
        rows.add(new String[] {name, s.getSpec().getType(), ext, ports, node, ann});
      }
      printTable(rows);
    } catch (RuntimeException e) {
      out.println("(cannot list Services: " + e.getMessage() + ")");
    }
  }

  /** namespace/service to the node(s) that announce it, from the speakers' ServiceL2Status objects. */
  public static Map<String, String> announcers(KubernetesClient client) {
    Map<String, Set<String>> m = new LinkedHashMap<>();
    try {
      List<GenericKubernetesResource> items = client.genericKubernetesResources("metallb.io/v1beta1", "ServiceL2Status")
          .inNamespace(ClusterSeeder.METALLB_NS).list().getItems();
      for (GenericKubernetesResource r : items) {
        Object st = r.getAdditionalProperties().get("status");
        String svc = Json.str(st, "serviceName");
        String node = Json.str(st, "node");
        if (svc != null && node != null) {
          String ns = Optional.ofNullable(Json.str(st, "serviceNamespace")).orElse(ClusterSeeder.APP_NS);
          m.computeIfAbsent(ns + "/" + svc, k -> new LinkedHashSet<>()).add(node);
        }
      }
    } catch (RuntimeException e) {
      // no ServiceL2Status yet: nobody announces
    }
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, String.join(",", v)));
    return out;
  }

  private void printTable(List<String[]> rows) {
    int[] w = new int[rows.getFirst().length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        w[i] = Math.max(w[i], r[i] == null ? 0 : r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        sb.append(String.format("%-" + (w[i] + 3) + "s", r[i] == null ? "" : r[i]));
      }
      out.println(sb.toString().stripTrailing());
    }
  }

  private void printHints(LabState state, LabLayout layout) {
    out.println();
    out.println("export KUBECONFIG=" + state.kubeconfig());
    String vip = null;
    Optional<Integer> port = state.apiPort();
    if (port.isPresent()) {
      try (KubernetesClient client = Kube.client(Kube.url(port.get()))) {
        Service s = client.services().inNamespace(ClusterSeeder.APP_NS).withName("openwebui").get();
        if (s != null && s.getStatus() != null && s.getStatus().getLoadBalancer() != null
            && s.getStatus().getLoadBalancer().getIngress() != null && !s.getStatus().getLoadBalancer().getIngress().isEmpty()) {
          vip = s.getStatus().getLoadBalancer().getIngress().getFirst().getIp();
        }
      } catch (RuntimeException e) {
        // the hint falls back to the node address
      }
    }
    String worker = ClusterSeeder.apps(layout).getFirst().node();
    String nodeIp = layout.node(worker).orElseThrow().lan4();
    if (vip != null) {
      out.println("Try from the client (the seed's Mac):  sudo ./ironlb lab exec mac -- curl http://" + vip + "/");
    } else {
      out.println("No EXTERNAL-IP yet. The app answers on its node directly:  sudo ./ironlb lab exec mac -- curl http://" + nodeIp + ":8080/");
    }
    out.println("More: ironlb lab status | exec HOST -- CMD | cut NODE | silence NODE | restore NODE | rogue IP | kill NODE | failover | down");
  }

  // ---------------------------------------------------------------- down

  public int down() {
    LabState state = LabState.load(dir);
    Set<String> namespaces = new LinkedHashSet<>(state.namespaces());
    if (state.exists()) {
      try {
        namespaces.addAll(state.layout().namespaces());
      } catch (RuntimeException e) {
        // options unreadable: the recorded namespaces are all there is
      }
    }
    List<LabProcess> procs = state.processList();
    if (!state.exists() && namespaces.isEmpty()) {
      out.println("No lab to remove (no state in " + dir + ").");
      return 0;
    }
    // Stop all processes at once (SIGTERM, SIGKILL after 3 s), newest first in intent.
    List<Thread> stoppers = new ArrayList<>();
    int[] stopped = {0};
    for (LabProcess p : procs.reversed()) {
      stoppers.add(Thread.ofVirtual().start(() -> {
        if (p.stop(Duration.ofSeconds(3))) {
          synchronized (stopped) {
            stopped[0]++;
          }
        }
      }));
    }
    for (Thread t : stoppers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    int removed = 0;
    List<String> failures = new ArrayList<>();
    for (String ns : namespaces) {
      try {
        if (Netns.exists(ns)) {
          Netns.deleteWithProcesses(ns);
          removed++;
        }
      } catch (RuntimeException e) {
        failures.add(ns + ": " + e.getMessage());
      }
    }
    if (!state.option(MemoryCgroup.OPTION, "").isEmpty()) {
      try {
        MemoryCgroup.removeAll(state.layout().prefix());
      } catch (RuntimeException e) {
        failures.add(e.getMessage());
      }
    }
    int files = removeFiles(state);
    out.println("Lab removed: " + stopped[0] + " processes stopped, " + removed + " namespaces deleted, " + files
        + " files removed from " + dir + ".");
    if (!failures.isEmpty()) {
      err.println("Could not remove: " + String.join("; ", failures));
      return 1;
    }
    return 0;
  }

  /** Deletes only what the lab writes (never the whole directory: --state-dir may point anywhere). */
  private int removeFiles(LabState state) {
    int n = 0;
    List<Path> paths = new ArrayList<>();
    paths.add(state.file());
    paths.add(state.kubeconfig());
    paths.add(state.socket());
    paths.add(state.portFile());
    paths.add(dir.resolve("api.port.tmp"));
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().startsWith("kubeconfig-")).forEach(paths::add);
    } catch (IOException e) {
      // directory already gone
    }
    for (String sub : List.of("logs", "run", "kubectl-cache")) {
      Path d = dir.resolve(sub);
      if (Files.isDirectory(d)) {
        try (Stream<Path> s = Files.walk(d)) {
          s.sorted(java.util.Comparator.reverseOrder()).forEach(paths::add);
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    }
    for (Path p : paths) {
      try {
        if (Files.deleteIfExists(p)) {
          n++;
        }
      } catch (IOException e) {
        err.println("cannot remove " + p + ": " + e.getMessage());
      }
    }
    try {
      try (Stream<Path> s = Files.list(dir)) {
        if (s.findAny().isEmpty()) {
          Files.delete(dir);
        }
      }
    } catch (IOException e) {
      // not empty (someone else's files) or already gone: leave it
    }
    return n;
  }

  // ---------------------------------------------------------------- status

  public int status() {
    LabState state = LabState.load(dir);
    if (!state.exists()) {
      out.println("No lab (no state in " + dir + "). Start one with `sudo ./ironlb lab up`.");
      return 3;
    }
    LabLayout layout = state.layout();
    out.println("Lab state: " + state.file() + (state.ready() ? " (up finished " + state.readyLine().split(" ")[0]
        + " in " + state.readyLine().split(" ")[1] + " ms)" : " (up did not finish)"));
    out.println();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"PROCESS", "NAMESPACE", "PID", "STATE", "LOG"});
    for (LabProcess p : state.processList()) {
      rows.add(new String[] {p.name(), p.namespace() == null ? "(root)" : p.namespace(), String.valueOf(p.pid()),
          p.alive() ? "running" : "not running", p.log().toString()});
    }
    printTable(rows);
    out.println();
    rows = new ArrayList<>();
    rows.add(new String[] {"HOST", "NAMESPACE", "LAN", "INTERNAL", "LAN ADDRESSES", "LAN MAC"});
    LabLayout.Host c = layout.client();
    rows.add(new String[] {c.name(), c.namespace(), link(layout, c.lanPort()), "-", c.lan4() + " " + c.lan6(), c.mac()});
    for (LabLayout.Node n : layout.nodes()) {
      rows.add(new String[] {n.name() + (n.controlPlane() ? " (control plane)" : ""), n.namespace(),
          link(layout, n.lanPort()) + (ArpSilence.on(n) ? " SILENCED" : ""),
          link(layout, n.internalPort()), n.lan4() + " " + n.lan6(), n.lanMac()});
    }
    for (Map.Entry<String, String> r : state.rogues().entrySet()) {
      LabLayout.Host h = layout.rogue(Integer.parseInt(r.getKey().substring("rogue".length())), r.getValue());
      rows.add(new String[] {h.name() + " (foreign device)", h.namespace(), link(layout, h.lanPort()), "-", r.getValue(), h.mac()});
    }
    printTable(rows);
    out.println();
    printServices(state, layout);
    out.println();
    out.println("export KUBECONFIG=" + state.kubeconfig());
    boolean apiAlive = state.process("apiserver").map(LabProcess::alive).orElse(false);
    return apiAlive ? 0 : 1;
  }

  private static String link(LabLayout layout, String port) {
    if (!Netns.exists(layout.switchNamespace())) {
      return "gone";
    }
    return LabNetwork.portUp(layout, port) ? "up" : "CUT";
  }

  // ---------------------------------------------------------------- exec, cut, restore, rogue, kill

  public int exec(String host, List<String> commandLine) {
    // "exec mac -- curl ..." and "exec mac curl ...": both mean the same command.
    List<String> command = !commandLine.isEmpty() && commandLine.getFirst().equals("--")
        ? commandLine.subList(1, commandLine.size()) : commandLine;
    LabState state = LabState.load(dir);
    if (!state.exists()) {
      err.println("No lab (no state in " + dir + "): run `sudo ./ironlb lab up` first.");
      return 3;
    }
    if (command.isEmpty()) {
      err.println("ironlb lab exec: give a command after --, e.g. `ironlb lab exec mac -- curl http://198.51.100.12:8080/`");
      return 2;
    }
    LabLayout layout = state.layout();
    Optional<String> ns = layout.namespaceOf(host, state.rogueNames());
    if (ns.isEmpty()) {
      err.println("ironlb lab exec: unknown host '" + host + "'; hosts: " + hostNames(state, layout));
      return 2;
    }
    try {
      Process p = new ProcessBuilder(Netns.inNamespace(ns.get(), command)).inheritIO().start();
      return p.waitFor();
    } catch (IOException e) {
      err.println("ironlb lab exec: " + e.getMessage());
      return 127;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }

  private static String hostNames(LabState state, LabLayout layout) {
    List<String> names = new ArrayList<>(List.of(LabLayout.CLIENT));
    layout.nodes().forEach(n -> names.add(n.name()));
    names.add(LabLayout.SWITCH);
    names.addAll(state.rogueNames());
    return String.join(", ", names);
  }

  public int cut(String node, String which, boolean up) {
    LabState state = LabState.load(dir);
    if (!state.exists()) {
      err.println("No lab (no state in " + dir + ").");
      return 3;
    }
    LabLayout layout = state.layout();
    Optional<LabLayout.Node> n = layout.node(node);
    if (n.isEmpty()) {
      err.println("unknown node '" + node + "'; nodes: " + layout.nodes().stream().map(LabLayout.Node::name).toList());
      return 2;
    }
    if (!List.of("lan", "internal", "all").contains(which)) {
      err.println("--link must be lan, internal or all, not '" + which + "'");
      return 2;
    }
    LabNetwork.setNodeLinks(layout, n.get(), which, up);
    if (up) {
      out.println("Restored " + node + ": " + ("all".equals(which) ? "LAN and internal links" : which + " link") + " up.");
      if (ArpSilence.on(n.get())) {
        ArpSilence.lift(n.get());
        out.println("Lifted the silence of " + node + ": its ARP and NDP answers reach the LAN again.");
      }
      if (state.process("speaker " + node).map(p -> !p.alive()).orElse(false)) {
        startSpeaker(state, n.get());
        out.println("Restarted the speaker on " + node + " (it had been killed).");
      }
    } else {
      out.println("Cut " + node + ": " + ("all".equals(which) ? "LAN and internal links down (the node is lost)" : which + " link down")
          + ". `ironlb lab restore " + node + "` brings it back.");
    }
    return 0;
  }

  /**
   * Silences {@code node}'s answers for service addresses ({@link ArpSilence}) while its speaker,
   * membership and links stay up; {@code restore} lifts it.
   */
  public int silence(String node) {
    LabState state = LabState.load(dir);
    if (!state.exists()) {
      err.println("No lab (no state in " + dir + ").");
      return 3;
    }
    LabLayout layout = state.layout();
    Optional<LabLayout.Node> n = layout.node(node);
    if (n.isEmpty()) {
      err.println("unknown node '" + node + "'; nodes: " + layout.nodes().stream().map(LabLayout.Node::name).toList());
      return 2;
    }
    ArpSilence.apply(layout, n.get());
    out.println("Silenced " + node + ": its ARP replies, gratuitous ARP and neighbour advertisements for " + layout.poolRange4()
        + " and " + layout.poolRange6() + " no longer leave " + LabLayout.NODE_LAN_IF + "; its speaker and membership run on."
        + " `ironlb lab restore " + node + "` lifts it.");
    return 0;
  }

  public int rogue(String ip) {
    LabState state = LabState.load(dir);
    if (!state.exists()) {
      err.println("No lab (no state in " + dir + ").");
      return 3;
    }
    LabLayout layout = state.layout();
    if (!Cidr.isIp(ip)) {
      err.println("'" + ip + "' is not an IP address");
      return 2;
    }
    String canonical = Cidr.canonical(ip);
    if (state.rogues().containsValue(canonical)) {
      out.println("A rogue device already owns " + canonical + ".");
      return 0;
    }
    LabLayout.Host h;
    try {
      h = layout.rogue(state.rogues().size() + 1, canonical);
    } catch (IllegalArgumentException e) {
      err.println("ironlb lab rogue: " + e.getMessage());
      return 2;
    }
    state.recordRogue(h.name(), canonical);
    LabNetwork.addRogue(layout, state, h);
    out.println("Foreign device " + h.name() + " (MAC " + h.mac() + ", no cluster node) now owns " + canonical
        + " on the LAN and answers " + (canonical.contains(":") ? "NDP" : "ARP") + " for it. `ironlb lab down` removes it.");
    return 0;
  }

  public int kill(String node) {
    LabState state = LabState.load(dir);
    if (!state.exists()) {
      err.println("No lab (no state in " + dir + ").");
      return 3;
    }
    if (state.layout().node(node).isEmpty()) {
      err.println("unknown node '" + node + "'; nodes: " + state.layout().nodes().stream().map(LabLayout.Node::name).toList());
      return 2;
    }
    Optional<LabProcess> sp = state.process("speaker " + node);
    if (sp.isEmpty()) {
      err.println("No speaker runs on " + node + " (speaker not available in this build): nothing to kill.");
      return 1;
    }
    if (!sp.get().alive()) {
      out.println("The speaker on " + node + " (pid " + sp.get().pid() + ") is not running already.");
      return 0;
    }
    sp.get().kill();
    out.println("Killed the speaker on " + node + " (kill -9 of pid " + sp.get().pid() + "). `ironlb lab restore " + node
        + "` starts it again.");
    return 0;
  }

  private static List<String> tail(Path file, int n) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return lines.subList(Math.max(0, lines.size() - n), lines.size());
    } catch (IOException e) {
      return List.of("(no log: " + e.getMessage() + ")");
    }
  }
}
