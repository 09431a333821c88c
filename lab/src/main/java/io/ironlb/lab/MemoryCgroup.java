package io.ironlb.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A memory cgroup a lab speaker runs in, limited as a Pod's {@code resources.limits.memory} limits
 * its container ({@code lab up --speaker-memory-limit}): the kernel charges the speaker's anonymous
 * memory and the page cache it reads first to the group, reclaims the cache when the group reaches
 * the limit, and OOM-kills the speaker when it cannot. That is the test of "fits MetalLB's 100Mi",
 * which a resident-memory figure alone cannot give (file pages count in VmRSS but are reclaimable).
 *
 * <p>One group per node, kept across the speaker's restarts (a restarted container keeps its Pod's
 * cgroup), under {@code ironlb-lab/} of the memory hierarchy (cgroup v2, or v1's memory controller);
 * {@code lab down} removes them.
 *
 * @param dir the group's directory
 * @param v2 whether it is in a cgroup v2 hierarchy (file names differ)
 */
public record MemoryCgroup(Path dir, boolean v2) {

  static final String OPTION = "speaker-memory-limit";
  private static final Path CGROUP = Path.of("/sys/fs/cgroup");
  private static final Pattern QUANTITY = Pattern.compile("(\\d+)(Ki|Mi|Gi|k|M|G)?");
  private static final String UNAVAILABLE = "--speaker-memory-limit needs the cgroup memory controller, and " + CGROUP
      + " has none (neither cgroup v2 with memory nor v1's memory hierarchy)";

  /**
   * Bytes of a Kubernetes memory quantity ({@code 100Mi}, {@code 65536Ki}, {@code 128M}, or bytes);
   * throws IllegalArgumentException saying what is accepted.
   */
  public static long parseLimit(String quantity) {
    Matcher m = QUANTITY.matcher(quantity == null ? "" : quantity.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("--speaker-memory-limit '" + quantity + "' is not a memory quantity: give it as a Pod's"
          + " limit, e.g. 100Mi (Ki, Mi, Gi; k, M, G; or bytes)");
    }
    long n = Long.parseLong(m.group(1));
    long bytes = switch (m.group(2) == null ? "" : m.group(2)) {
      case "Ki" -> n << 10;
      case "Mi" -> n << 20;
      case "Gi" -> n << 30;
      case "k" -> n * 1_000;
      case "M" -> n * 1_000_000;
      case "G" -> n * 1_000_000_000;
      default -> n;
    };
    if (bytes < 32L << 20) {
      throw new IllegalArgumentException("--speaker-memory-limit " + quantity + " is below 32Mi, where no JVM starts");
    }
    return bytes;
  }

  /** Throws IllegalArgumentException, saying why, when this machine has no memory controller for {@link #limited}. */
  static void requireAvailable() {
    if (top().isEmpty()) {
      throw new IllegalArgumentException(UNAVAILABLE);
    }
  }

  /** The hierarchy's top for the lab's groups: cgroup v2's root if it has the memory controller, else v1's memory controller. */
  private static Optional<MemoryCgroup> top() {
    Path controllers = CGROUP.resolve("cgroup.controllers");
    try {
      if (Files.exists(controllers) && List.of(Files.readString(controllers).strip().split(" ")).contains("memory")) {
        return Optional.of(new MemoryCgroup(CGROUP.resolve("ironlb-lab"), true));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + controllers, e);
    }
    Path v1 = CGROUP.resolve("memory");
    return Files.isDirectory(v1) && Files.exists(v1.resolve("memory.limit_in_bytes"))
        ? Optional.of(new MemoryCgroup(v1.resolve("ironlb-lab"), false)) : Optional.empty();
  }

  /**
   * The group {@code name} (created if missing) limited to {@code limitBytes} (in v2 with no swap
   * either; v1's memory-plus-swap limit is left alone, as the kubelet leaves it). Throws
   * IllegalStateException when this machine has no memory controller to use.
   */
  static MemoryCgroup limited(String name, long limitBytes) {
    MemoryCgroup top = top().orElseThrow(() -> new IllegalStateException(UNAVAILABLE));
    MemoryCgroup g = new MemoryCgroup(top.dir.resolve(name), top.v2);
    try {
      Files.createDirectories(g.dir);
      if (g.v2) {
        // The controller must be handed down to the level whose groups use it.
        Files.writeString(CGROUP.resolve("cgroup.subtree_control"), "+memory");
        Files.writeString(top.dir.resolve("cgroup.subtree_control"), "+memory");
        Files.writeString(g.dir.resolve("memory.max"), Long.toString(limitBytes));
        if (Files.exists(g.dir.resolve("memory.swap.max"))) {
          Files.writeString(g.dir.resolve("memory.swap.max"), "0");
        }
      } else {
        Files.writeString(g.dir.resolve("memory.limit_in_bytes"), Long.toString(limitBytes));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up the memory cgroup " + g.dir + ": " + e.getMessage(), e);
    }
    return g;
  }

  /** The group of {@code node}'s speaker in the lab of {@code prefix}. */
  static String name(String prefix, String node) {
    return prefix + node;
  }

  /**
   * A launcher that starts its arguments inside this group: a shell moves itself into it and then
   * execs them, so the PID the lab records is the program's, and everything it allocates from its
   * first page on is charged here.
   */
  List<String> launcher() {
    return List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", dir.resolve("cgroup.procs").toString());
  }

  /** {@code argv} started inside this group (see {@link #launcher()}). */
  List<String> wrap(List<String> argv) {
    List<String> out = new ArrayList<>(launcher());
    out.addAll(argv);
    return out;
  }

  /** The most memory charged to the group since it was made, in bytes. */
  public long peakBytes() {
    return number(v2 ? "memory.peak" : "memory.max_usage_in_bytes");
  }

  /** How many times the kernel OOM-killed a process of the group. */
  public long oomKills() {
    return field(v2 ? "memory.events" : "memory.oom_control", "oom_kill");
  }

  /** Anonymous memory charged to the group now (heap, stacks, malloc: what reclaim cannot drop without swap), in bytes. */
  public long anonBytes() {
    return field("memory.stat", v2 ? "anon" : "total_rss");
  }

  /** Page cache charged to the group now (file pages: reclaimable unless dirty or locked), in bytes. */
  public long fileBytes() {
    return field("memory.stat", v2 ? "file" : "total_cache");
  }

  /** The group of {@code node}'s speaker in the lab whose state is {@code state}, if that lab limits its speakers. */
  public static Optional<MemoryCgroup> ofSpeaker(LabState state, String node) {
    if (state.option(OPTION, "").isEmpty()) {
      return Optional.empty();
    }
    return top().map(t -> new MemoryCgroup(t.dir.resolve(name(state.option("prefix", LabLayout.DEFAULT_PREFIX), node)), t.v2))
        .filter(g -> Files.isDirectory(g.dir));
  }

  /** Removes the groups of the lab of {@code prefix} (their processes must have ended); returns how many. */
  static int removeAll(String prefix) {
    Optional<MemoryCgroup> top = top();
    if (top.isEmpty() || !Files.isDirectory(top.get().dir)) {
      return 0;
    }
    int n = 0;
    try (Stream<Path> groups = Files.list(top.get().dir)) {
      for (Path g : groups.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith(prefix)).toList()) {
        // A cgroup directory is removed with rmdir alone; its control files go with it.
        Files.delete(g);
        n++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the lab's memory cgroups under " + top.get().dir + ": " + e.getMessage(), e);
    }
    try {
      Files.delete(top.get().dir); // the last lab's groups are gone
    } catch (IOException e) {
      // another lab's groups are still in it
    }
    return n;
  }

  private long number(String file) {
    try {
      return Long.parseLong(Files.readString(dir.resolve(file)).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  private long field(String file, String key) {
    try {
      for (String line : Files.readAllLines(dir.resolve(file))) {
        String[] kv = line.strip().split(" ");
        if (kv.length == 2 && kv[0].equals(key)) {
          return Long.parseLong(kv[1]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // no figure
    }
    return -1;
  }
}
