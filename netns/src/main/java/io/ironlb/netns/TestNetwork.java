package io.ironlb.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throw-away network of namespaces for one test (or one lab), which removes everything it
 * created when closed, also after a failure half-way through building it.
 *
 * <h2>The {@code io.ironlb.netns} API</h2>
 *
 * <ul>
 *   <li>{@link Netns}: stateless primitives over iproute2 — {@code create/delete/deleteWithProcesses/exists/list/pids}
 *       of namespaces, {@code veth(VethEnd, VethEnd)} (MACs optional), {@code bridge(ns, br,
 *       ports...)}, {@code attach}, {@code setLink(ns, if, up)}, {@code addAddress(ns, if, cidr)}
 *       (IPv6 with {@code nodad}), {@code mac}, {@code neighbour(ns, ip)}, {@code flushNeighbours},
 *       {@code exec(ns, timeout, argv...)}, {@code sysctl}, {@code nft(ns, script)}.
 *   <li>{@link Commands}: run an argument vector (never a shell string) with a timeout, capture
 *       stdout/stderr into a {@link CommandResult}; a timed-out command is killed with its
 *       descendants.
 *   <li>{@link LabProcess}: a long-running process in a namespace ({@code setsid ip netns exec NS
 *       argv...}, output appended to a log file), identified by PID plus start time so a reused PID
 *       is never killed; {@code stop(grace)} and {@code kill()} end it with its descendants.
 *   <li>{@link TestNetwork} (this class): the owner. Its namespaces are named
 *       {@code ilb-<tag>-<ownerPid>-<seq>-<host>}; {@link #close()} kills its processes and anything
 *       else left in its namespaces, deletes the namespaces (which removes their veths, bridges,
 *       addresses and nftables rules) and its log directory. {@link #sweep(String)} removes
 *       leftovers of owners that died (a killed test JVM): call it before a test suite.
 * </ul>
 *
 * <p>Rules it keeps: every interface lives in a namespace this class created (a veth pair is
 * created inside one namespace with its peer placed directly in the other); nothing is added to
 * the caller's namespace; processes are ended only by the PIDs this class started or that live in
 * its own namespaces.
 *
 * <pre>{@code
 * try (TestNetwork net = TestNetwork.create("arp")) {
 *   String lan = net.namespace("lan"), client = net.namespace("client"), node = net.namespace("node");
 *   net.veth(VethEnd.of(client, "eth0"), VethEnd.of(lan, "p-client"));
 *   net.veth(VethEnd.of(node, "eth0"), VethEnd.of(lan, "p-node"));
 *   net.bridge(lan, "br0", "p-client", "p-node");
 *   net.address(client, "eth0", "198.51.100.2/24");
 *   net.address(node, "eth0", "198.51.100.11/24");
 *   net.up(client, "eth0");
 *   net.up(node, "eth0");
 *   net.exec(client, Duration.ofSeconds(5), "ping", "-c1", "198.51.100.11").orThrow();
 * }
 * }</pre>
 */
public final class TestNetwork implements AutoCloseable {

  /** Every namespace a TestNetwork creates starts with this. */
  public static final String PREFIX = "ilb-";

  private static final Pattern NAME = Pattern.compile("^ilb-([a-z0-9]+)-(\\d+)-(\\d+)-.+$");
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final String prefix;
  private final Path dir;
  private final List<String> namespaces = new CopyOnWriteArrayList<>();
  private final List<LabProcess> processes = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private TestNetwork(String prefix, Path dir) {
    this.prefix = prefix;
    this.dir = dir;
  }

  /**
   * A new, empty network whose namespaces are named {@code ilb-<tag>-<pid>-<seq>-...}.
   *
   * @param tag lower-case letters and digits, naming the test or tool
   */
  public static TestNetwork create(String tag) {
    if (!tag.matches("[a-z0-9]{1,16}")) {
      throw new IllegalArgumentException("tag must be 1-16 lower-case letters or digits, not '" + tag + "'");
    }
    String prefix = PREFIX + tag + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + "-";
    try {
      return new TestNetwork(prefix, Files.createTempDirectory(prefix));
    } catch (IOException e) {
      throw Commands.unchecked("cannot create a log directory for " + prefix, e);
    }
  }

  /** The prefix of every namespace name of this network. */
  public String prefix() {
    return prefix;
  }

  /** The directory holding the logs of the processes started here; deleted on close. */
  public Path dir() {
    return dir;
  }

  /** The full namespace name for {@code host}, without creating it. */
  public String name(String host) {
    return prefix + host;
  }

  /** Creates the namespace for {@code host} (loopback up) and returns its full name. */
  public String namespace(String host) {
    ensureOpen();
    String ns = name(host);
    namespaces.add(ns); // recorded first: a half-created namespace is still removed on close
    Netns.create(ns);
    return ns;
  }

  /** A veth pair between two of this network's namespaces; both ends are set up. */
  public void veth(VethEnd a, VethEnd b) {
    ensureOpen();
    Netns.veth(a, b);
    Netns.setLink(a.namespace(), a.name(), true);
    Netns.setLink(b.namespace(), b.name(), true);
  }

  /** A bridge in {@code ns} with {@code ports}, all up; see {@link Netns#bridge}. */
  public void bridge(String ns, String bridge, String... ports) {
    ensureOpen();
    Netns.bridge(ns, bridge, ports);
  }

  public void up(String ns, String ifname) {
    Netns.setLink(ns, ifname, true);
  }

  public void down(String ns, String ifname) {
    Netns.setLink(ns, ifname, false);
  }

  /** Adds an address (IPv6 without DAD); see {@link Netns#addAddress}. */
  public void address(String ns, String ifname, String cidr) {
    Netns.addAddress(ns, ifname, cidr);
  }

  public CommandResult exec(String ns, Duration timeout, String... argv) {
    return Netns.exec(ns, timeout, argv);
  }

  public Optional<Neighbour> neighbour(String ns, String ip) {
    return Netns.neighbour(ns, ip);
  }

  /** Starts a long-running process in {@code ns}; its log is {@code dir()/name.log}; ended on close. */
  public LabProcess start(String name, String ns, String... argv) {
    ensureOpen();
    LabProcess p = LabProcess.start(name, ns, List.of(argv), dir.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_") + ".log"));
    processes.add(p);
    return p;
  }

  /**
   * Ends every process started here and any other process left in this network's namespaces,
   * deletes the namespaces and the log directory. Safe to call twice; continues past failures and
   * reports them all at the end.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<RuntimeException> failures = new ArrayList<>();
    for (LabProcess p : processes) {
      try {
        p.kill();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    for (String ns : namespaces.reversed()) {
      try {
        removeNamespace(ns);
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    try {
      deleteTree(dir);
    } catch (RuntimeException e) {
      failures.add(e);
    }
    if (!failures.isEmpty()) {
      IllegalStateException e = new IllegalStateException("cleanup of " + prefix + "* failed: " + failures.getFirst().getMessage());
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  /**
   * Removes the namespaces starting with {@code prefix} (at least {@value #PREFIX}) whose owner
   * process (the PID in their name) no longer runs, ending the processes still inside them first.
   * Returns the names removed.
   */
  public static List<String> sweep(String prefix) {
    if (!prefix.startsWith(PREFIX)) {
      throw new IllegalArgumentException("sweep prefix must start with " + PREFIX + ", not '" + prefix + "'");
    }
    List<String> removed = new ArrayList<>();
    for (String ns : Netns.list()) {
      Matcher m = NAME.matcher(ns);
      if (!ns.startsWith(prefix) || !m.matches()) {
        continue;
      }
      long owner = Long.parseLong(m.group(2));
      if (Processes.isAlive(owner, null)) {
        continue;
      }
      removeNamespace(ns);
      removed.add(ns);
    }
    return List.copyOf(removed);
  }

  /** Kills what still lives in {@code ns} (all of it was started there by us), then deletes it. */
  static void removeNamespace(String ns) {
    Netns.deleteWithProcesses(ns);
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw Commands.unchecked("cannot delete " + root, e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("TestNetwork " + prefix + " is closed");
    }
  }
}
