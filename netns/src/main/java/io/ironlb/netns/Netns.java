package io.ironlb.netns;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Stateless network-namespace primitives over iproute2, each one command built from an argument
 * vector. Everything happens inside named namespaces ({@code ip -n NS ...} or
 * {@code ip netns exec NS ...}); nothing here creates, addresses or uses an interface of the
 * caller's own namespace. See {@link TestNetwork} for the owner that cleans up after itself.
 */
public final class Netns {

  /** Long enough for a loaded 2-core machine; iproute2 commands normally take milliseconds. */
  public static final Duration TIMEOUT = Duration.ofSeconds(20);

  private Netns() {}

  // ---- namespaces

  /** Creates namespace {@code ns} and sets its loopback up. */
  public static void create(String ns) {
    Commands.requireNotBlank(ns, "namespace name");
    ip("netns", "add", ns);
    ip("-n", ns, "link", "set", "lo", "up");
  }

  /** Deletes namespace {@code ns}; deleting one that does not exist is not an error. */
  public static void delete(String ns) {
    if (!exists(ns)) {
      return;
    }
    CommandResult r = Commands.run(TIMEOUT, "ip", "netns", "delete", ns);
    if (!r.ok() && exists(ns)) {
      throw new CommandFailedException(r);
    }
  }

  /**
   * Ends every process still inside {@code ns} (SIGKILL, with descendants), then deletes it. For
   * namespaces the caller created: whatever runs inside was started there by the caller.
   */
  public static void deleteWithProcesses(String ns) {
    if (!exists(ns)) {
      return;
    }
    for (long pid : pids(ns)) {
      ProcessHandle.of(pid).ifPresent(Processes::killTree);
    }
    for (long pid : pids(ns)) {
      ProcessHandle.of(pid).ifPresent(h -> h.onExit().completeOnTimeout(h, 5, java.util.concurrent.TimeUnit.SECONDS).join());
    }
    delete(ns);
  }

  public static boolean exists(String ns) {
    return list().contains(ns);
  }

  /** Names of all named network namespaces ({@code ip netns list}). */
  public static List<String> list() {
    CommandResult r = Commands.run(TIMEOUT, "ip", "netns", "list").orThrow();
    List<String> names = new ArrayList<>();
    for (String line : r.stdout().split("\n")) {
      String name = line.strip().split("\\s+")[0];
      if (!name.isEmpty()) {
        names.add(name);
      }
    }
    return List.copyOf(names);
  }

  /** PIDs of the processes that live in namespace {@code ns} ({@code ip netns pids}). */
  public static List<Long> pids(String ns) {
    CommandResult r = Commands.run(TIMEOUT, "ip", "netns", "pids", ns);
    if (!r.ok()) {
      return List.of();
    }
    return Arrays.stream(r.stdout().split("\\s+")).filter(s -> !s.isBlank()).map(Long::parseLong).toList();
  }

  // ---- links

  /**
   * Creates a veth pair between two namespaces. The first end is created inside {@code a}'s
   * namespace and the peer directly inside {@code b}'s, so neither end ever exists in the caller's
   * namespace. Both ends are left down; see {@link #setLink}.
   */
  public static void veth(VethEnd a, VethEnd b) {
    List<String> argv = new ArrayList<>(List.of("ip", "-n", a.namespace(), "link", "add", a.name()));
    if (a.mac() != null) {
      argv.addAll(List.of("address", a.mac()));
    }
    argv.addAll(List.of("type", "veth", "peer", "name", b.name()));
    if (b.mac() != null) {
      argv.addAll(List.of("address", b.mac()));
    }
    argv.addAll(List.of("netns", b.namespace()));
    Commands.run(TIMEOUT, argv).orThrow();
  }

  /**
   * Creates bridge {@code bridge} in {@code ns}, enslaves {@code ports} (interfaces already in
   * {@code ns}) and sets all of them up. Multicast snooping is off, so IPv6 neighbour solicitations
   * reach every port, also a speaker that answers for an address it has not joined the group of.
   */
  public static void bridge(String ns, String bridge, String... ports) {
    ip("-n", ns, "link", "add", bridge, "type", "bridge", "mcast_snooping", "0", "stp_state", "0");
    ip("-n", ns, "link", "set", bridge, "up");
    for (String port : ports) {
      attach(ns, bridge, port);
    }
  }

  /** Enslaves {@code port} to {@code bridge} (both in {@code ns}) and sets it up. */
  public static void attach(String ns, String bridge, String port) {
    ip("-n", ns, "link", "set", port, "master", bridge);
    ip("-n", ns, "link", "set", port, "up");
  }

  public static void setLink(String ns, String ifname, boolean up) {
    ip("-n", ns, "link", "set", ifname, up ? "up" : "down");
  }

  /**
   * Adds {@code cidr} (e.g. {@code 198.51.100.11/24}, {@code 2001:db8:86::11/64}) to
   * {@code ifname} in {@code ns}. IPv6 addresses get {@code nodad}, so they are usable at once.
   */
  public static void addAddress(String ns, String ifname, String cidr) {
    if (cidr.contains(":")) {
      ip("-n", ns, "addr", "add", cidr, "dev", ifname, "nodad");
    } else {
      ip("-n", ns, "addr", "add", cidr, "dev", ifname);
    }
  }

  /** The MAC address of {@code ifname} in {@code ns}, lower case. */
  public static String mac(String ns, String ifname) {
    String out = ip("-n", ns, "-o", "link", "show", "dev", ifname).stdout();
    String[] t = out.strip().split("\\s+");
    for (int i = 0; i < t.length - 1; i++) {
      if (t[i].startsWith("link/")) {
        return t[i + 1].toLowerCase(java.util.Locale.ROOT);
      }
    }
    throw new IllegalStateException("no link-layer address for " + ifname + " in " + ns + ": " + out);
  }

  // ---- neighbours

  /** The neighbour-table entry for {@code ip} in {@code ns}, if there is one. */
  public static Optional<Neighbour> neighbour(String ns, String ip) {
    String out = ip("-n", ns, "neigh", "show", "to", ip).stdout();
    return out.lines().map(Neighbour::parse).filter(n -> n != null).findFirst();
  }

  /** Removes every dynamic neighbour entry in {@code ns} (so the next request resolves afresh). */
  public static void flushNeighbours(String ns) {
    ip("-n", ns, "neigh", "flush", "all");
  }

  // ---- commands inside a namespace

  /** Runs {@code argv} inside {@code ns} ({@code ip netns exec ns argv...}) and waits at most {@code timeout}. */
  public static CommandResult exec(String ns, Duration timeout, String... argv) {
    return exec(ns, timeout, null, List.of(argv));
  }

  /** As {@link #exec(String, Duration, String...)}, writing {@code stdin} (if not null) to its input. */
  public static CommandResult exec(String ns, Duration timeout, String stdin, List<String> argv) {
    return Commands.run(timeout, stdin, inNamespace(ns, argv));
  }

  /** {@code ip netns exec ns argv...} as an argument vector. */
  public static List<String> inNamespace(String ns, List<String> argv) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(argv);
    return List.copyOf(full);
  }

  /** Sets a sysctl inside {@code ns} (network sysctls are per namespace). */
  public static void sysctl(String ns, String key, String value) {
    exec(ns, TIMEOUT, "sysctl", "-q", "-w", key + "=" + value).orThrow();
  }

  /** Loads an nftables script inside {@code ns} ({@code nft -f -}). */
  public static void nft(String ns, String script) {
    exec(ns, TIMEOUT, script, List.of("nft", "-f", "-")).orThrow();
  }

  private static CommandResult ip(String... args) {
    List<String> argv = new ArrayList<>(args.length + 1);
    argv.add("ip");
    argv.addAll(List.of(args));
    return Commands.run(TIMEOUT, argv).orThrow();
  }
}
