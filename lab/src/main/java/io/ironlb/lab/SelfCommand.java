package io.ironlb.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The argument vector that runs another {@code ironlb} subcommand in a new JVM with the same java
 * as this process. The lab's own helpers run from this process's class path (the lab's jar from
 * {@code ./ironlb}, or the test class path); the controller and the speakers run from the product's
 * jar as shipped ({@value #PRODUCT_JAR_PROPERTY}), so the lab and its benchmarks measure exactly
 * what a cluster runs.
 */
public final class SelfCommand {

  /**
   * The JVM flags and runtime environment {@code deploy/default} gives the controller and the
   * speaker (LabJvmFlagsTest keeps them equal), so that the lab's processes, and the footprint and
   * failover benchmarks run on them, behave as in a cluster: the same heap bounds, collector and
   * allocator.
   */
  public enum Deployed {
    CONTROLLER("-XX:MaxMetaspaceSize=64m"),
    SPEAKER("-XX:MaxMetaspaceSize=80m");

    /** glibc's malloc: two arenas, not eight per core, so resident memory does not grow with the node's core count. */
    private static final Map<String, String> ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    private final List<String> jvmFlags;

    Deployed(String metaspace) {
      this.jvmFlags = List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:+UseCompactObjectHeaders",
          "-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:+PerfDisableSharedMem", "-XX:+ExitOnOutOfMemoryError", "-Xms16m", "-Xmx128m",
          "-Xmn8m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=100", metaspace, "-XX:ReservedCodeCacheSize=32m",
          "-XX:MetaspaceSize=48m", "-XX:SweeperThreshold=50", "-XX:TrimNativeHeapInterval=10000", "-XX:+UnlockDiagnosticVMOptions",
          "-XX:ArchiveRelocationMode=0");
    }

    public List<String> jvmFlags() {
      return jvmFlags;
    }

    /** Environment variables the runtime (not IronLB's code) reads. */
    public Map<String, String> environment() {
      return ENVIRONMENT;
    }
  }

  /** The flag that starts a JVM from an AOT cache; the pods give it last of their JVM flags. */
  public static final String AOT_CACHE_FLAG = "-XX:AOTCache=";

  /** The system property naming the product's jar; {@code ./ironlb} and the lab's tests set it. */
  public static final String PRODUCT_JAR_PROPERTY = "ironlb.product.jar";

  static final String PRODUCT_MAIN = "io.ironlb.cli.Main";
  private static final String LAB_MAIN = "io.ironlb.labcli.LabMain";

  private SelfCommand() {}

  /** A lab helper process (API server, app, forwarder, client loop) with at most {@code maxHeap}. */
  public static List<String> argv(String maxHeap, String... args) {
    return argv(helperFlags(maxHeap), System.getProperty("java.class.path"), LAB_MAIN, args);
  }

  /**
   * As {@link #argv(String, String...)}, for a helper that must answer without pauses (the lab's
   * apps, the benchmarks' client loops): its heap is {@code heap} from the start, so no collection
   * grows it (growing faults the new pages in, which took hundreds of ms on a busy virtual machine,
   * see the speakers' {@code MaxHeapFreeRatio}), and {@code extraFlags} follow (a GC log).
   */
  public static List<String> steadyArgv(String heap, List<String> extraFlags, String... args) {
    List<String> flags = new ArrayList<>(helperFlags(heap));
    flags.add("-Xms" + heap);
    flags.addAll(extraFlags);
    return argv(flags, System.getProperty("java.class.path"), LAB_MAIN, args);
  }

  /**
   * A benchmark's own process ({@code mainClass}'s {@code main}, from this class path) with the
   * helpers' flags and at most {@code maxHeap}: the jitter relay, the stall probes.
   */
  public static List<String> mainArgv(String maxHeap, Class<?> mainClass, String... args) {
    return argv(helperFlags(maxHeap), System.getProperty("java.class.path"), mainClass.getName(), args);
  }

  private static List<String> helperFlags(String maxHeap) {
    return List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Xshare:auto", "-Xss512k", "-Xmx" + maxHeap);
  }

  /**
   * The environment variable whose flags (separated by spaces) the lab adds after the deployed ones,
   * to profile or trace the controller and speakers it runs (a flight recording, {@code -Xlog:safepoint}).
   */
  public static final String EXTRA_FLAGS_VARIABLE = "IRONLB_LAB_JVM_FLAGS";

  /**
   * {@code ironlb controller ...} or {@code ironlb speaker ...} with the deployed JVM flags, and the
   * component's AOT cache when the lab has made one ({@link AotCache#ensure}), as its pod has.
   */
  public static List<String> deployed(Deployed component, String... args) {
    return deployed(component, AotCache.usable(component), args);
  }

  /** As above, with {@code aotCache} (the pods' {@code -XX:AOTCache}, last of the deployed flags) when present. */
  public static List<String> deployed(Deployed component, Optional<Path> aotCache, String... args) {
    List<String> flags = new ArrayList<>(component.jvmFlags());
    aotCache.ifPresent(cache -> flags.add(AOT_CACHE_FLAG + cache));
    String extra = System.getenv(EXTRA_FLAGS_VARIABLE);
    if (extra != null && !extra.isBlank()) {
      flags.addAll(List.of(extra.strip().split("\\s+")));
    }
    return argv(flags, productClassPath(), PRODUCT_MAIN, args);
  }

  /** {@code args} run with the deployed flags when they start a controller or speaker, else as a helper. */
  public static List<String> forArgs(String... args) {
    if (args.length > 0 && args[0].equals("controller")) {
      return deployed(Deployed.CONTROLLER, args);
    }
    if (args.length > 0 && args[0].equals("speaker")) {
      return deployed(Deployed.SPEAKER, args);
    }
    return argv("256m", args);
  }

  /** The runtime environment {@link #forArgs} adds: the deployed one for a controller or speaker, else none. */
  public static Map<String, String> environmentFor(String... args) {
    if (args.length > 0 && args[0].equals("controller")) {
      return Deployed.CONTROLLER.environment();
    }
    if (args.length > 0 && args[0].equals("speaker")) {
      return Deployed.SPEAKER.environment();
    }
    return Map.of();
  }

  /** The product's jar when it is there, else this class path (which holds the product too). */
  public static String productClassPath() {
    String jar = System.getProperty(PRODUCT_JAR_PROPERTY);
    return jar != null && Files.isRegularFile(Path.of(jar)) ? jar : System.getProperty("java.class.path");
  }

  private static List<String> argv(List<String> jvmFlags, String classPath, String mainClass, String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(java());
    argv.addAll(jvmFlags);
    argv.addAll(List.of("-cp", classPath, mainClass));
    argv.addAll(List.of(args));
    return List.copyOf(argv);
  }

  /** This process's java: its processes run on the same JVM build. */
  static String java() {
    return ProcessHandle.current().info().command()
        .filter(c -> c.endsWith("/java"))
        .orElse(System.getProperty("java.home") + "/bin/java");
  }
}
