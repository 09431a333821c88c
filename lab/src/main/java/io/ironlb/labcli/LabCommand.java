package io.ironlb.labcli;

import io.ironlb.lab.Relay;
import io.ironlb.lab.AppServer;
import io.ironlb.bench.ClientLoop;
import io.ironlb.bench.LabFailover;
import io.ironlb.lab.ApiServer;
import io.ironlb.lab.LabLayout;
import io.ironlb.lab.Lab;
import io.ironlb.lab.LabState;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ironlb lab}: the seed's cluster on one Linux machine, in network namespaces. */
@Command(
    name = "lab",
    mixinStandardHelpOptions = true,
    description = {
        "The seed's two-node cluster on this machine: network namespaces for a LAN switch, a client (\"mac\")",
        "and the nodes spark-2959 (control plane) and spark-ba63, an embedded API server, the apps openwebui",
        "and ollama behind LoadBalancer Services, and IronLB's controller and speakers. Needs Linux, root,",
        "iproute2 and nftables. State lives in " + LabState.DEFAULT_DIR + " (or --state-dir, or $IRONLB_LAB_DIR)."},
    subcommands = {
        LabCommand.Up.class, LabCommand.Down.class, LabCommand.Status.class, LabCommand.Exec.class,
        LabCommand.Cut.class, LabCommand.Silence.class, LabCommand.Restore.class, LabCommand.Rogue.class, LabCommand.Kill.class,
        LabCommand.Failover.class, LabCommand.ApiServerCmd.class, LabCommand.ForwardCmd.class, LabCommand.AppCmd.class,
        LabCommand.HttpLoopCmd.class})
public final class LabCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The state-directory option every verb shares. */
  static final class StateDir {
    @Option(names = "--state-dir", paramLabel = "DIR",
        description = "Lab state directory (default: $IRONLB_LAB_DIR or " + LabState.DEFAULT_DIR + ").")
    Path dir;

    Path resolve() {
      if (dir != null) {
        return dir.toAbsolutePath();
      }
      String env = System.getenv("IRONLB_LAB_DIR");
      return Path.of(env == null || env.isBlank() ? LabState.DEFAULT_DIR : env).toAbsolutePath();
    }
  }

  abstract static class Verb implements Callable<Integer> {
    @CommandLine.Mixin StateDir stateDir;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    Lab lab() {
      quietClientLogs();
      return new Lab(stateDir.resolve(), spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Verbs that change namespaces need root; say so before doing anything. */
    Integer needRoot() {
      String why = Lab.preflight();
      if (why != null) {
        spec.commandLine().getErr().println(why);
        return 2;
      }
      return null;
    }
  }

  @Command(name = "up", mixinStandardHelpOptions = true,
      description = "Start the lab (safe to run twice: a running lab is left alone and reported).")
  static final class Up extends Verb {
    @Option(names = "--lan", paramLabel = "CIDR",
        description = "LAN network, IPv4 and/or IPv6 (repeatable; default 198.51.100.0/24 and 2001:db8:86::/64).")
    List<String> lans = new ArrayList<>();

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "2",
        description = "Number of nodes (default 2: spark-2959 and spark-ba63; more are workers spark-w3, ...).")
    int nodes;

    @Option(names = "--prefix", hidden = true, defaultValue = LabLayout.DEFAULT_PREFIX,
        description = "Name prefix of the lab's namespaces (tests run labs side by side).")
    String prefix;

    @Option(names = "--keep-on-failure", description = "Keep what a failed up created, for inspection.")
    boolean keep;

    @Option(names = "--no-wait", description = "Return once the processes run, without waiting until every Service is announced "
        + "and answers an HTTP request from the client.")
    boolean noWait;

    @Option(names = "--speaker-flag", paramLabel = "FLAG",
        description = "A flag for every speaker, e.g. --speaker-flag=--failback-hold-down=10s (repeatable; restarted speakers keep it).")
    List<String> speakerFlags = new ArrayList<>();
    @Option(names = "--no-install", description = "Do not install missing Debian packages (iproute2, nftables, procps, curl, "
        + "util-linux); print the apt-get command instead.")
    boolean noInstall;

    @Option(names = "--speaker-memory-limit", paramLabel = "QUANTITY",
        description = "Run each speaker in a memory cgroup of this limit, as a Pod's resources.limits.memory (e.g. 100Mi; restarted"
            + " speakers keep it).")
    String speakerMemoryLimit;

    @Override
    public Integer call() {
      // The JVM's start, not the process's: ./ironlb execs java after (maybe) building the jar.
      java.time.Instant started = java.time.Instant.ofEpochMilli(java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
      return lab().up(new Lab.UpOptions(lans, nodes, prefix, keep, !noWait, started, !noInstall, speakerFlags, speakerMemoryLimit));
    }
  }

  @Command(name = "down", mixinStandardHelpOptions = true,
      description = "Remove every namespace, process and file the lab created (also after a crash; harmless twice).")
  static final class Down extends Verb {
    @Override
    public Integer call() {
      Integer r = needRoot();
      return r != null ? r : lab().down();
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show processes, links and Services of the lab.")
  static final class Status extends Verb {
    @Override
    public Integer call() {
      return lab().status();
    }
  }

  @Command(name = "exec", mixinStandardHelpOptions = true, modelTransformer = Exec.StopAtHost.class,
      description = "Run a command in a lab host's namespace: mac (the client), a node, switch, or a rogue device.")
  static final class Exec extends Verb {
    @Parameters(index = "0", paramLabel = "HOST", description = "mac, spark-2959, spark-ba63, ..., switch, rogue1, ...")
    String host;

    /** Everything after HOST belongs to the command, options too ({@code exec mac ip -br addr}). */
    static final class StopAtHost implements CommandLine.IModelTransformer {
      @Override
      public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
        spec.parser().stopAtPositional(true);
        return spec;
      }
    }

    @Parameters(index = "1..*", paramLabel = "CMD", description = "The command (after --), e.g. -- curl http://198.51.100.200/")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
      Integer r = needRoot();
      return r != null ? r : lab().exec(host, command);
    }
  }

  @Command(name = "cut", mixinStandardHelpOptions = true,
      description = "Cut a node's links at the switch (default all: the node is lost to the LAN and the cluster).")
  static final class Cut extends Verb {
    @Parameters(index = "0", paramLabel = "NODE")
    String node;

    @Option(names = "--link", defaultValue = "all", paramLabel = "lan|internal|all")
    String link;

    @Override
    public Integer call() {
      Integer r = needRoot();
      return r != null ? r : lab().cut(node, link, false);
    }
  }

  @Command(name = "silence", mixinStandardHelpOptions = true,
      description = {"Silence a node's answers for Service addresses: its ARP replies, gratuitous ARP and neighbour",
          "advertisements for pool addresses never leave its LAN link (an nftables netdev egress chain), while its speaker,",
          "membership and links stay up. `ironlb lab restore NODE` lifts it."})
  static final class Silence extends Verb {
    @Parameters(index = "0", paramLabel = "NODE")
    String node;

    @Override
    public Integer call() {
      Integer r = needRoot();
      return r != null ? r : lab().silence(node);
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = "Bring a node back: its links up, its silence lifted, and its speaker restarted if it was killed.")
  static final class Restore extends Verb {
    @Parameters(index = "0", paramLabel = "NODE")
    String node;

    @Override
    public Integer call() {
      Integer r = needRoot();
      return r != null ? r : lab().cut(node, "all", true);
    }
  }

  @Command(name = "rogue", mixinStandardHelpOptions = true,
      description = "Add a foreign device on the LAN that owns IP (the seed's .50 conflict).")
  static final class Rogue extends Verb {
    @Parameters(index = "0", paramLabel = "IP")
    String ip;

    @Override
    public Integer call() {
      Integer r = needRoot();
      return r != null ? r : lab().rogue(ip);
    }
  }

  @Command(name = "kill", mixinStandardHelpOptions = true, description = "kill -9 the speaker of NODE.")
  static final class Kill extends Verb {
    @Parameters(index = "0", paramLabel = "NODE")
    String node;

    @Override
    public Integer call() {
      Integer r = needRoot();
      return r != null ? r : lab().kill(node);
    }
  }

  @Command(name = "failover", mixinStandardHelpOptions = true,
      description = {"Measure failover as a client sees it: a client loop in mac sends GET to a test Service's VIP every 10 ms",
          "while the announcing node fails (--mode kill: kill -9 of its speaker; cut: its links down, all or with --link lan",
          "the LAN only; term: SIGTERM of its speaker; flap: a cut, a heal, and a second cut 1-3 s after the heal), then",
          "restores it. Prints per trial when the client's neighbour entry moved and the outage, then p50/p90/max,",
          "and each failback (the node restored, the address back): failed requests and longest wait.",
          "--mode create: time from creating a Service to its first successful request. --mode drain: `ironlb drain` of the",
          "announcing node with a connection every 5 ms (each failed request listed with how it failed), then `drain --undo`. --mode silence: the",
          "announcing node's ARP/NDP answers silenced and the client's neighbour entry flushed: time until it is served again.",
          "--keepalived 2|3 measures keepalived (VRRPv2, advert_int 1; VRRPv3, advert_int 0.1) on the same lab instead.",
          "--results FILE also writes the run as one JSON document."})
  static final class Failover extends Verb {
    @Option(names = "--trials", paramLabel = "N", defaultValue = "5", description = "Number of trials (default: ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--mode", paramLabel = "kill|cut|term|flap|create|drain|silence", defaultValue = "kill",
        description = "What fails (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--link", paramLabel = "lan|all",
        description = "What a cut (--mode cut or flap) takes down: all the node's links (default) or its LAN link only.")
    String link;

    @Option(names = "--keepalived", paramLabel = "2|3",
        description = "Fail over keepalived instead of IronLB: one per node holding a VIP outside the pool, VRRPv2 (advert_int 1) or VRRPv3 (advert_int 0.1); modes kill, cut, term.")
    Integer keepalived;

    @Option(names = "--results", paramLabel = "FILE",
        description = "Also write the run as JSON: target, mode, machine, per-trial figures, the first successful trial's requests.")
    Path results;

    @Override
    public Integer call() {
      Integer r = needRoot();
      return r != null ? r : LabFailover.run(stateDir.resolve(), spec.commandLine().getOut(), spec.commandLine().getErr(), trials, mode,
          keepalived, results == null ? null : results.toAbsolutePath(), link);
    }
  }

  // ---- hidden: the lab's own processes

  @Command(name = "apiserver", hidden = true, mixinStandardHelpOptions = true,
      description = "(internal) The lab's API server: fabric8 mock in CRUD mode, discovery, kube-proxy stand-in.")
  static final class ApiServerCmd implements Callable<Integer> {
    @CommandLine.Mixin StateDir stateDir;

    @Option(names = "--port", defaultValue = "0", description = "TCP port on 127.0.0.1 (0: any free port).")
    int port;

    @Override
    public Integer call() throws Exception {
      ApiServer.runForever(stateDir.resolve(), port);
      return 0;
    }
  }

  @Command(name = "forward", hidden = true, mixinStandardHelpOptions = true,
      description = "(internal) Relay HOST:PORT (inside a node namespace) to the API server's unix socket.")
  static final class ForwardCmd implements Callable<Integer> {
    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT")
    String listen;

    @Option(names = "--socket", required = true, paramLabel = "PATH")
    Path socket;

    @Option(names = "--ready-file", paramLabel = "FILE")
    Path ready;

    @Override
    public Integer call() throws Exception {
      int colon = listen.lastIndexOf(':');
      java.net.InetSocketAddress addr = new java.net.InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
      try (Relay relay = Relay.fromTcp(addr, java.net.UnixDomainSocketAddress.of(socket))) {
        System.out.println("{\"level\":\"INFO\",\"msg\":\"forwarding " + listen + " (port " + relay.localPort() + ") to " + socket + "\"}");
        signalReady(ready);
        new java.util.concurrent.CountDownLatch(1).await();
      }
      return 0;
    }
  }

  @Command(name = "app", hidden = true, mixinStandardHelpOptions = true,
      description = "(internal) A stand-in app: HTTP on every address of its namespace, naming the app and node.")
  static final class AppCmd implements Callable<Integer> {
    @Option(names = "--name", required = true)
    String name;

    @Option(names = "--node", required = true)
    String node;

    @Option(names = "--port", defaultValue = "8080", split = ",", paramLabel = "PORT[,PORT...]")
    List<Integer> ports;

    @Option(names = "--ready-file", paramLabel = "FILE")
    Path ready;

    @Override
    public Integer call() throws Exception {
      AppServer.start(name, node, ports);
      signalReady(ready);
      new java.util.concurrent.CountDownLatch(1).await();
      return 0;
    }
  }

  @Command(name = "http-loop", hidden = true, mixinStandardHelpOptions = true,
      description = "(internal) The failover client: GET a URL every interval, one line per answer; url/idle/stop on stdin.")
  static final class HttpLoopCmd implements Callable<Integer> {
    @Option(names = "--url")
    String url;

    @Option(names = "--interval-ms", defaultValue = "10")
    long intervalMs;

    @Option(names = "--timeout-ms", defaultValue = "1000")
    long timeoutMs;

    @Override
    public Integer call() throws Exception {
      ClientLoop.run(url, java.time.Duration.ofMillis(intervalMs), java.time.Duration.ofMillis(timeoutMs));
      return 0;
    }
  }

  /** The CLI talks to its own lab: fabric8's notes about beta API versions are noise on the console. */
  static void quietClientLogs() {
    if (org.slf4j.LoggerFactory.getLogger("io.fabric8") instanceof ch.qos.logback.classic.Logger l) {
      l.setLevel(ch.qos.logback.classic.Level.ERROR);
    }
  }

  static void signalReady(Path ready) throws java.io.IOException {
    if (ready != null) {
      Path tmp = ready.resolveSibling(ready.getFileName() + ".tmp");
      Files.writeString(tmp, ProcessHandle.current().pid() + "\n");
      Files.move(tmp, ready, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** For tests: run a lab verb in-process. */
  static int execute(PrintWriter out, PrintWriter err, String... args) {
    return new CommandLine(new LabCommand()).setOut(out).setErr(err).execute(args);
  }
}
