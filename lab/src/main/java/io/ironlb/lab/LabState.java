package io.ironlb.lab;

import io.ironlb.netns.LabProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The lab's state directory (default {@value #DEFAULT_DIR}, a tmpfs that a reboot clears together
 * with the namespaces) and its append-only state file. Every namespace is recorded before it is
 * created and every process right after it starts, one line each, so {@code lab down} finds all
 * of it after a crash or a half-finished {@code up}.
 *
 * <pre>
 * option prefix ilab-          (options the layout is derived from)
 * namespace ilab-switch
 * process &lt;TAB&gt; name &lt;TAB&gt; namespace|- &lt;TAB&gt; pid &lt;TAB&gt; start-epoch-ms &lt;TAB&gt; log &lt;TAB&gt; argv...
 * ended &lt;TAB&gt; name                   (a process stopped for good, e.g. failover's keepalived)
 * rogue rogue1 198.51.100.50
 * ready 2026-01-01T00:00:00Z 8123   (up finished, in milliseconds)
 * </pre>
 *
 * Files next to it: {@code kubeconfig} (root namespace), {@code kubeconfig-NODE} (inside node
 * namespaces), {@code api.port}, {@code api.sock} (the path-named socket the node forwarders use),
 * {@code logs/*.log}.
 */
public final class LabState {

  public static final String DEFAULT_DIR = "/run/ironlb-lab";
  public static final String FILE = "state";

  private final Path dir;
  private final Map<String, String> options = new LinkedHashMap<>();
  private final Set<String> namespaces = new LinkedHashSet<>();
  private final Map<String, LabProcess> processes = new LinkedHashMap<>();
  private final Map<String, String> rogues = new LinkedHashMap<>();
  private String ready;

  private LabState(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public Path file() {
    return dir.resolve(FILE);
  }

  public Path logs() {
    return dir.resolve("logs");
  }

  public Path log(String name) {
    return logs().resolve(name.replaceAll("[^A-Za-z0-9._-]", "-") + ".log");
  }

  public Path kubeconfig() {
    return dir.resolve("kubeconfig");
  }

  public Path nodeKubeconfig(String node) {
    return dir.resolve("kubeconfig-" + node);
  }

  public Path socket() {
    return dir.resolve("api.sock");
  }

  public Path portFile() {
    return dir.resolve("api.port");
  }

  public boolean exists() {
    return Files.exists(file());
  }

  /** Reads the state file of {@code dir}; an absent file gives an empty state. */
  public static LabState load(Path dir) {
    LabState s = new LabState(dir);
    if (!Files.exists(s.file())) {
      return s;
    }
    try {
      for (String line : Files.readAllLines(s.file(), StandardCharsets.UTF_8)) {
        s.apply(line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + s.file() + ": " + e.getMessage(), e);
    }
    return s;
  }

  /** Starts a fresh state file in {@code dir} with the given options. */
  public static LabState create(Path dir, Map<String, String> options) {
    try {
      Files.createDirectories(dir);
      Files.createDirectories(dir.resolve("logs"));
      Files.deleteIfExists(dir.resolve(FILE));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the lab's state directory " + dir + ": " + e.getMessage(), e);
    }
    LabState s = new LabState(dir);
    options.forEach((k, v) -> s.append("option " + k + " " + v));
    return s;
  }

  private void apply(String line) {
    if (line.startsWith("process\t")) {
      String[] f = line.split("\t", -1);
      if (f.length >= 7) {
        LabProcess p = new LabProcess(f[1], f[2].equals("-") ? null : f[2], List.of(Arrays.copyOfRange(f, 6, f.length)),
            Long.parseLong(f[3]), Instant.ofEpochMilli(Long.parseLong(f[4])), Path.of(f[5]));
        processes.put(p.name(), p);
      }
      return;
    }
    if (line.startsWith("ended\t")) {
      processes.remove(line.substring("ended\t".length()));
      return;
    }
    String[] f = line.split(" ", 3);
    switch (f[0]) {
      case "option" -> options.put(f[1], f.length > 2 ? f[2] : "");
      case "namespace" -> namespaces.add(f[1]);
      case "rogue" -> rogues.put(f[1], f[2]);
      case "ready" -> ready = line.substring("ready ".length());
      default -> { } // unknown lines from a newer version are ignored
    }
  }

  private synchronized void append(String line) {
    try {
      Files.writeString(file(), line + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file() + ": " + e.getMessage(), e);
    }
    apply(line);
  }

  public void recordNamespace(String ns) {
    append("namespace " + ns);
  }

  public void recordProcess(LabProcess p) {
    for (String a : p.argv()) {
      if (a.contains("\t") || a.contains("\n")) {
        throw new IllegalArgumentException("argument with a tab or newline cannot be recorded: " + a);
      }
    }
    append("process\t" + p.name() + "\t" + (p.namespace() == null ? "-" : p.namespace()) + "\t" + p.pid() + "\t"
        + p.startedAt().toEpochMilli() + "\t" + p.log() + "\t" + String.join("\t", p.argv()));
  }

  /** A process the lab stopped for good (not a crash): {@code status} and {@code down} forget it. */
  public void recordEnded(String name) {
    append("ended\t" + name);
  }

  public void recordRogue(String name, String ip) {
    append("rogue " + name + " " + ip);
  }

  public void recordReady(long millis) {
    append("ready " + Instant.now() + " " + millis);
  }

  public Map<String, String> options() {
    return Map.copyOf(options);
  }

  public String option(String key, String fallback) {
    return options.getOrDefault(key, fallback);
  }

  public List<String> namespaces() {
    return List.copyOf(namespaces);
  }

  /** The processes by name; a name recorded twice (a restart) keeps the latest. */
  public Map<String, LabProcess> processes() {
    return Map.copyOf(processes);
  }

  public List<LabProcess> processList() {
    return List.copyOf(processes.values());
  }

  public Optional<LabProcess> process(String name) {
    return Optional.ofNullable(processes.get(name));
  }

  public Map<String, String> rogues() {
    return Map.copyOf(rogues);
  }

  public boolean ready() {
    return ready != null;
  }

  public String readyLine() {
    return ready;
  }

  /** The layout these options describe. */
  public LabLayout layout() {
    return LabLayout.of(option("prefix", LabLayout.DEFAULT_PREFIX), Integer.parseInt(option("nodes", "2")),
        option("lan4", null), option("lan6", null));
  }

  public Optional<Integer> apiPort() {
    try {
      return Files.exists(portFile()) ? Optional.of(Integer.parseInt(Files.readString(portFile()).strip())) : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Names of the lab's rogue devices, in creation order. */
  public List<String> rogueNames() {
    return new ArrayList<>(rogues.keySet());
  }
}
