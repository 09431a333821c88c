package io.ironlb.bench;

import io.ironlb.lab.Lab;
import io.ironlb.lab.ClusterSeeder;
import io.ironlb.lab.LabLayout;
import io.ironlb.lab.LabState;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Commands;
import io.ironlb.netns.LabProcess;
import io.ironlb.netns.Netns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * keepalived as the failover target, on IronLB's data path: one keepalived per node namespace
 * ({@code --vrrp} only, in the foreground, its config, PID files and log in the lab's state
 * directory, recorded as lab processes {@code keepalived NODE} so {@code lab down} ends them too)
 * holds the VIP {@link LabLayout#KEEPALIVED_VIP_HOST} of the LAN, an address the lab's pool never
 * hands out. The test Service {@value LabFailover#SERVICE} has loadBalancerClass {@value #CLASS}, so
 * IronLB's controller and speakers leave it alone, and its status names the VIP, so the lab's
 * kube-proxy stand-in DNATs VIP:80 to the same app on every node as it does for IronLB's Service
 * (on the app's {@link LabLayout#YARDSTICK_APP_PORT}, so that keepalived's connections and IronLB's
 * never share the app's TIME_WAITs when both run at once, as in the soak).
 *
 * <p>The home node is the first node that does not run the endpoint (a cut must not cut the app);
 * it has the highest priority ({@link KeepalivedConfig}). {@code kill} is {@code kill -9} of its
 * keepalived processes (parent and VRRP child at once): the kernel keeps the VIP on the node, which
 * still forwards until the backup's gratuitous ARP moves the client, as after a real crash;
 * keepalived removes that stale VIP when it starts again. {@code term} is SIGTERM to the parent only
 * (as {@code systemctl stop keepalived} sends it): the VRRP child sends a priority-0 advertisement.
 */
final class KeepalivedTarget implements FailoverTarget {

  /** A loadBalancerClass IronLB does not serve (it serves Services without a class). */
  static final String CLASS = "lab.ironlb.io/keepalived";
  static final int ROUTER_ID = 51;
  static final Duration START_LIMIT = Duration.ofSeconds(30);

  private final int version;
  private final LabState state;
  private final LabLayout layout;
  private final String binary;
  private final String vip;

  KeepalivedTarget(LabState state, int version, String binary) {
    this.version = version;
    this.state = state;
    this.layout = state.layout();
    this.binary = binary;
    this.vip = layout.lan4().host(LabLayout.KEEPALIVED_VIP_HOST);
  }

  /** The keepalived program (also in /usr/sbin when that is not on the PATH), or empty. */
  static Optional<String> findBinary() {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "keepalived"))) {
        return Optional.of(Path.of(dir, "keepalived").toString());
      }
    }
    return Optional.empty();
  }

  @Override
  public String id() {
    return KeepalivedConfig.target(version);
  }

  @Override
  public String title() {
    return "Target: " + id() + " (" + version() + ", VRRPv" + version + ", advert_int " + KeepalivedConfig.advertInterval(version)
        + " s; one per node, the home node at priority " + KeepalivedConfig.HOME_PRIORITY + ", the others "
        + KeepalivedConfig.BACKUP_PRIORITY + " and below)";
  }

  @Override
  public String fault(LabFailover.Mode mode) {
    return switch (mode) {
      case KILL -> "kill -9 of keepalived";
      case TERM -> "SIGTERM of keepalived";
      case CUT, FLAP, CREATE, DRAIN, SILENCE -> mode.fault;
    };
  }

  @Override
  public Placement place(KubernetesClient client, LabLayout.Node endpoint) throws InterruptedException {
    String address = vip;
    if (LabFailover.usedAddresses(client).contains(address) || state.rogues().containsValue(address)) {
      throw new Refused(address + " (the keepalived VIP) is in use by a Service or a rogue device of this lab; remove it first");
    }
    LabLayout.Node home = layout.nodes().stream().filter(n -> !n.name().equals(endpoint.name())).findFirst()
        .orElseThrow(() -> new Refused("keepalived needs a node that does not run the endpoint; start the lab with --nodes 2 or more"));
    // Ours from an earlier run that did not end (a killed CLI): its keepalived must not fight the new one.
    close();
    LabFailover.createService(client, LabFailover.SERVICE, endpoint, LabLayout.YARDSTICK_APP_PORT, svc -> svc.editSpec().withLoadBalancerClass(CLASS).endSpec());
    client.services().inNamespace(ClusterSeeder.APP_NS).withName(LabFailover.SERVICE).editStatus(s -> {
      ServiceStatus st = s.getStatus() == null ? new ServiceStatus() : s.getStatus();
      st.setLoadBalancer(new LoadBalancerStatus(new ArrayList<>(List.of(new LoadBalancerIngressBuilder().withIp(address).build()))));
      s.setStatus(st);
      return s;
    });
    int backup = KeepalivedConfig.BACKUP_PRIORITY;
    for (LabLayout.Node n : layout.nodes()) {
      int priority = n.name().equals(home.name()) ? KeepalivedConfig.HOME_PRIORITY : backup--;
      write(configFile(n), new KeepalivedConfig(version, n.name(), LabLayout.NODE_LAN_IF, ROUTER_ID, priority, address).render());
    }
    for (LabLayout.Node n : layout.nodes()) {
      start(n);
    }
    LabFailover.await("keepalived to put " + address + " on a node (logs: " + state.log(processName(home)) + ")", START_LIMIT,
        () -> holders().isEmpty() ? null : holders());
    return new Placement(address, home, String.format("keepalived on every node holds %s for Service %s/%s (class %s, endpoint on %s);"
        + " home %s (priority %d)", address, ClusterSeeder.APP_NS, LabFailover.SERVICE, CLASS, endpoint.name(), home.name(),
        KeepalivedConfig.HOME_PRIORITY));
  }

  /**
   * SIGKILL to keepalived's process group (setsid made the parent its leader; the VRRP child is in
   * it), so both die in one kernel call. One after the other is not a crash: keepalived asks the
   * kernel to SIGTERM its child when the parent dies, so with the parent killed first the child says
   * goodbye with a priority-0 advertisement (seen here: the backup took over after 61 ms, its skew
   * time); with the child killed first the parent respawns it.
   */
  @Override
  public void kill(LabLayout.Node node) {
    Optional<LabProcess> p = process(node).filter(LabProcess::alive);
    if (p.isEmpty()) {
      return;
    }
    List<ProcessHandle> all = ProcessHandle.of(p.get().pid()).map(h -> {
      List<ProcessHandle> l = new ArrayList<>(h.descendants().toList());
      l.addFirst(h);
      return l;
    }).orElse(List.of());
    if (processGroup(p.get().pid()) == p.get().pid()) {
      Commands.run(Duration.ofSeconds(5), "kill", "-KILL", "--", "-" + p.get().pid());
    }
    p.get().kill(); // whatever the group kill did not reach (or a group of another shape): one by one
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(5, TimeUnit.SECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // a process that does not die from SIGKILL: restart() finds it alive and leaves it
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The process group of {@code pid} (field 5 of /proc/PID/stat), or -1. */
  static long processGroup(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[2]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  @Override
  public void terminate(LabLayout.Node node) {
    Optional<LabProcess> p = process(node).filter(LabProcess::alive);
    Optional<ProcessHandle> parent = p.flatMap(x -> ProcessHandle.of(x.pid()));
    if (parent.isEmpty()) {
      return;
    }
    List<ProcessHandle> children = parent.get().descendants().toList();
    parent.get().destroy(); // SIGTERM to the parent only: it stops its VRRP child, which says goodbye
    try {
      parent.get().onExit().get(10, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // still running after 10 s: killed below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    p.get().kill();
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  @Override
  public void restart(LabLayout.Node node) {
    if (process(node).map(LabProcess::alive).orElse(false)) {
      return;
    }
    start(node);
  }

  /**
   * {@code home} alone has the VIP on its LAN interface (after a crash, the stale copy is gone too),
   * and no IronLB speaker announces the test Service (its class is not theirs).
   */
  @Override
  public boolean holds(KubernetesClient client, LabLayout.Node home, String vip) {
    return holders().equals(List.of(home.name()))
        && !Lab.announcers(client).containsKey(ClusterSeeder.APP_NS + "/" + LabFailover.SERVICE);
  }

  @Override
  public String holders(KubernetesClient client, String vip) {
    String speakers = Lab.announcers(client).get(ClusterSeeder.APP_NS + "/" + LabFailover.SERVICE);
    return vip + " is on the LAN interface of: " + (holders().isEmpty() ? "no node" : String.join(", ", holders()))
        + (speakers == null ? "" : "; IronLB's speakers announce it too (they should not): " + speakers);
  }

  /**
   * Stops every keepalived of this lab (SIGTERM, SIGKILL after 3 s), marks them ended in the state
   * file, ends any keepalived with our configuration still in a node namespace, and removes the VIP
   * where a killed one left it.
   */
  @Override
  public synchronized void close() {
    LabState now = LabState.load(state.dir());
    List<Thread> stoppers = new ArrayList<>();
    for (LabLayout.Node n : layout.nodes()) {
      Optional<LabProcess> p = now.process(processName(n));
      if (p.isPresent()) {
        stoppers.add(Thread.ofVirtual().start(() -> {
          p.get().stop(Duration.ofSeconds(3));
          now.recordEnded(p.get().name());
        }));
      }
    }
    for (Thread t : stoppers) {
      try {
        t.join(Duration.ofSeconds(15));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (LabLayout.Node n : layout.nodes()) {
      if (!Netns.exists(n.namespace())) {
        continue;
      }
      for (long pid : Netns.pids(n.namespace())) {
        ProcessHandle.of(pid).filter(this::ours).ifPresent(io.ironlb.netns.Processes::killTree);
      }
      if (holds(n)) {
        Commands.run(Netns.TIMEOUT, "ip", "-n", n.namespace(), "addr", "del", vip + "/32", "dev", LabLayout.NODE_LAN_IF);
      }
    }
  }

  /** A keepalived started with one of this lab's configuration files. */
  private boolean ours(ProcessHandle h) {
    String dir = configDir().toString();
    return h.info().command().map(c -> c.endsWith("/keepalived")).orElse(false)
        && h.info().arguments().map(a -> List.of(a).stream().anyMatch(x -> x.contains(dir))).orElse(false);
  }

  // ---------------------------------------------------------------- processes and addresses

  private static String processName(LabLayout.Node n) {
    return "keepalived " + n.name();
  }

  private Optional<LabProcess> process(LabLayout.Node n) {
    return LabState.load(state.dir()).process(processName(n));
  }

  private Path configDir() {
    return state.dir().resolve("run");
  }

  private Path configFile(LabLayout.Node n) {
    return configDir().resolve("keepalived-" + n.name() + ".conf");
  }

  /** keepalived in the foreground, VRRP only, logging to its lab log (not syslog), PID files of its own. */
  private void start(LabLayout.Node n) {
    Path run = configDir();
    List<String> argv = List.of(binary, "--dont-fork", "--log-console", "--no-syslog", "--vrrp",
        "--use-file=" + configFile(n), "--pid=" + run.resolve("keepalived-" + n.name() + ".pid"),
        "--vrrp_pid=" + run.resolve("keepalived-" + n.name() + "-vrrp.pid"));
    LabProcess p = LabProcess.start(processName(n), n.namespace(), argv, state.log(processName(n)));
    LabState.load(state.dir()).recordProcess(p);
  }

  /** The nodes whose LAN interface has the VIP now. */
  private List<String> holders() {
    return layout.nodes().stream().filter(this::holds).map(LabLayout.Node::name).toList();
  }

  private boolean holds(LabLayout.Node n) {
    CommandResult r = Commands.run(Netns.TIMEOUT, "ip", "-n", n.namespace(), "-o", "-4", "addr", "show", "dev", LabLayout.NODE_LAN_IF);
    return r.ok() && r.stdout().contains(" " + vip + "/32 ");
  }

  private String version() {
    CommandResult r = Commands.run(Duration.ofSeconds(5), binary, "--version");
    String first = (r.stdout() + r.stderr()).strip().lines().findFirst().orElse("keepalived");
    return first.replaceFirst(" \\(.*", "");
  }

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
