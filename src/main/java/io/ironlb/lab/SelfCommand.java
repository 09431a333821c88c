package io.ironlb.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * The argument vector that runs another {@code ironlb} subcommand in a new JVM: the same java and
 * class path as this process (the shaded jar from {@code ./ironlb}, or the test class path).
 */
public final class SelfCommand {

  /**
   * The JVM flags {@code deploy/default} gives the controller and the speaker (ManifestsTest keeps
   * them equal), so that the lab's processes, and the footprint and failover benchmarks run on
   * them, behave as in a cluster: the same heap bounds and collector.
   */
  public enum Deployed {
    CONTROLLER("-Xms32m"),
    SPEAKER("-Xms64m");

    private final List<String> jvmFlags;

    Deployed(String initialHeap) {
      this.jvmFlags = List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:+UseCompactObjectHeaders",
          "-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:+PerfDisableSharedMem", "-XX:+ExitOnOutOfMemoryError", initialHeap,
          "-Xmx128m", "-XX:MaxMetaspaceSize=96m", "-XX:ReservedCodeCacheSize=48m");
    }

    public List<String> jvmFlags() {
      return jvmFlags;
    }
  }

  private SelfCommand() {}

  /** A lab helper process (API server, app, forwarder, client loop) with at most {@code maxHeap}. */
  static List<String> argv(String maxHeap, String... args) {
    return argv(List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Xshare:auto", "-Xss512k", "-Xmx" + maxHeap), args);
  }

  /** {@code ironlb controller ...} or {@code ironlb speaker ...} with the deployed JVM flags. */
  static List<String> deployed(Deployed component, String... args) {
    return argv(component.jvmFlags(), args);
  }

  /** {@code args} run with the deployed flags when they start a controller or speaker, else as a helper. */
  static List<String> forArgs(String... args) {
    if (args.length > 0 && args[0].equals("controller")) {
      return deployed(Deployed.CONTROLLER, args);
    }
    if (args.length > 0 && args[0].equals("speaker")) {
      return deployed(Deployed.SPEAKER, args);
    }
    return argv("256m", args);
  }

  private static List<String> argv(List<String> jvmFlags, String... args) {
    String java = ProcessHandle.current().info().command()
        .filter(c -> c.endsWith("/java"))
        .orElse(System.getProperty("java.home") + "/bin/java");
    List<String> argv = new ArrayList<>();
    argv.add(java);
    argv.addAll(jvmFlags);
    argv.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.ironlb.cli.Main"));
    argv.addAll(List.of(args));
    return List.copyOf(argv);
  }
}
