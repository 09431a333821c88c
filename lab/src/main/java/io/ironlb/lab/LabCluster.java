package io.ironlb.lab;

import io.ironlb.netns.CommandResult;
import io.ironlb.netns.LabProcess;
import io.ironlb.netns.Netns;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab as a Java object, for other packages' end-to-end tests (the speaker's failover tests):
 * {@code try (LabCluster lab = LabCluster.up(2)) { ... }} builds a complete lab with its own state
 * directory and namespace prefix ({@code ilt<pid>-<n>-}), so it runs next to a user's lab and other
 * tests; {@link #close()} runs {@code lab down}. Call {@link #sweepDeadTestLabs()} first in a suite
 * to remove labs a killed test JVM left behind.
 */
public final class LabCluster implements AutoCloseable {

  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final String DIR_PREFIX = "ironlb-lab-";
  private static final Pattern TEST_PREFIX = Pattern.compile("il[th](\\d+)-(\\d+-)?");

  private final Path dir;
  private final LabLayout layout;
  private final String upOutput;
  private boolean closed;

  private LabCluster(Path dir, LabLayout layout, String upOutput) {
    this.dir = dir;
    this.layout = layout;
    this.upOutput = upOutput;
  }

  /** Runs {@code lab up} with {@code nodes} nodes; throws with the lab's output when it fails. */
  public static LabCluster up(int nodes) {
    return up(nodes, List.of());
  }

  /** {@link #up(int)} with {@code lab up --speaker-flag} for each of {@code speakerFlags}. */
  public static LabCluster up(int nodes, List<String> speakerFlags) {
    String why = Lab.preflight();
    if (why != null) {
      throw new IllegalStateException(why);
    }
    String prefix = "ilt" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + "-";
    Path dir;
    try {
      dir = Files.createTempDirectory(DIR_PREFIX + "test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String[] out = new String[2];
    int code = run(dir, lab -> lab.up(new Lab.UpOptions(List.of(), nodes, prefix, false, true, Instant.now(), false, speakerFlags, null)), out);
    if (code != 0) {
      run(dir, Lab::down, new String[2]);
      throw new IllegalStateException("lab up failed (" + code + "):\n" + out[0] + out[1]);
    }
    return new LabCluster(dir, LabLayout.of(prefix, nodes, null, null), out[0]);
  }

  private static int run(Path dir, ToIntFunction<Lab> verb, String[] output) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = verb.applyAsInt(new Lab(dir, new PrintWriter(out, true), new PrintWriter(err, true)));
    output[0] = out.toString();
    output[1] = err.toString();
    return code;
  }

  /** Runs a verb ({@code status}, {@code cut}, ...) on this lab; returns stdout, throws on a non-zero exit. */
  private String verb(ToIntFunction<Lab> verb) {
    String[] out = new String[2];
    int code = run(dir, verb, out);
    if (code != 0) {
      throw new IllegalStateException("lab verb failed (" + code + "): " + out[0] + out[1]);
    }
    return out[0];
  }

  public Path stateDir() {
    return dir;
  }

  /** What {@code lab up} printed (the Services table, the hints, the time it took). */
  public String upOutput() {
    return upOutput;
  }

  /** Kubeconfig for the root namespace (127.0.0.1). */
  public Path kubeconfig() {
    return dir.resolve("kubeconfig");
  }

  /** Kubeconfig that works inside {@code node}'s namespace (through its forwarder). */
  public Path nodeKubeconfig(String node) {
    return dir.resolve("kubeconfig-" + node);
  }

  public List<String> nodes() {
    return layout.nodes().stream().map(LabLayout.Node::name).toList();
  }

  /** The namespace of {@code host}: "mac" (the client), a node name, "switch". */
  public String namespace(String host) {
    return layout.namespaceOf(host, LabState.load(dir).rogueNames())
        .orElseThrow(() -> new IllegalArgumentException("no host " + host + " in this lab"));
  }

  public String lanIpv4(String host) {
    return host.equals(LabLayout.CLIENT) ? layout.client().lan4() : node(host).lan4();
  }

  public String lanIpv6(String host) {
    return host.equals(LabLayout.CLIENT) ? layout.client().lan6() : node(host).lan6();
  }

  public String lanMac(String host) {
    return host.equals(LabLayout.CLIENT) ? layout.client().mac() : node(host).lanMac();
  }

  private LabLayout.Node node(String name) {
    return layout.node(name).orElseThrow(() -> new IllegalArgumentException("no node " + name + " in this lab"));
  }

  /** Runs {@code argv} in {@code host}'s namespace. */
  public CommandResult exec(String host, Duration timeout, String... argv) {
    return Netns.exec(namespace(host), timeout, argv);
  }

  public String status() {
    return verb(Lab::status);
  }

  /** Cuts {@code node}'s links at the switch: "lan", "internal" or "all". */
  public void cut(String node, String link) {
    verb(lab -> lab.cut(node, link, false));
  }

  /** Silences {@code node}'s ARP and NDP answers for service addresses ({@link ArpSilence}); {@link #restore} lifts it. */
  public void silence(String node) {
    verb(lab -> lab.silence(node));
  }

  /** Links up again, a silence lifted, and a killed speaker restarted. */
  public void restore(String node) {
    verb(lab -> lab.cut(node, "all", true));
  }

  /** kill -9 of {@code node}'s speaker. */
  public void killSpeaker(String node) {
    verb(lab -> lab.kill(node));
  }

  /** A foreign device on the LAN that owns {@code ip}; returns its MAC. */
  public String rogue(String ip) {
    verb(lab -> lab.rogue(ip));
    String name = rogueHost(ip);
    return layout.rogue(Integer.parseInt(name.substring("rogue".length())), ip).mac();
  }

  /** The host name ("rogue1", ...) of the foreign device made by {@link #rogue} for {@code ip}, for {@link #exec}. */
  public String rogueHost(String ip) {
    return LabState.load(dir).rogues().entrySet().stream().filter(e -> e.getValue().equals(Cidr.canonical(ip))).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no rogue device owns " + ip + " in this lab")).getKey();
  }

  /** The PID of a lab process ("apiserver", "controller", "speaker NODE", "app NAME"), as last (re)started. */
  public long pid(String process) {
    return LabState.load(dir).process(process).orElseThrow(() -> new IllegalArgumentException("no process " + process + " in this lab"))
        .pid();
  }

  /** The log file of a lab process (JSON lines for IronLB's own processes). */
  public Path log(String process) {
    return LabState.load(dir).log(process);
  }

  /**
   * Starts {@code ironlb ARGS} (the same java and class path as the lab's processes) in
   * {@code host}'s namespace, recorded in the lab's state like its own processes, so that
   * {@link #close()} ends it even if the test does not.
   */
  public LabProcess start(String name, String host, Map<String, String> env, String... args) {
    LabState state = LabState.load(dir);
    Map<String, String> all = new LinkedHashMap<>(SelfCommand.environmentFor(args));
    all.putAll(env);
    LabProcess p = LabProcess.start(name, namespace(host), SelfCommand.forArgs(args), state.log(name), all);
    state.recordProcess(p);
    return p;
  }

  /** The lab's state directory. */
  public Path dir() {
    return dir;
  }

  /** {@code lab down}; safe to call twice. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    String[] out = new String[2];
    if (run(dir, Lab::down, out) != 0) {
      throw new IllegalStateException("lab down failed: " + out[0] + out[1]);
    }
  }

  /** Removes the labs of test JVMs that died (prefix {@code ilt<pid>-} or {@code ilh<pid>-}, pid gone). */
  public static List<Path> sweepDeadTestLabs() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    List<Path> swept = new java.util.ArrayList<>();
    try (var dirs = Files.list(tmp)) {
      for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith(DIR_PREFIX)).toList()) {
        Matcher m = TEST_PREFIX.matcher(LabState.load(d).option("prefix", ""));
        if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).filter(ProcessHandle::isAlive).isEmpty()) {
          run(d, Lab::down, new String[2]);
          swept.add(d);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(swept);
  }
}
