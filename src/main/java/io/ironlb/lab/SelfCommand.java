package io.ironlb.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * The argument vector that runs another {@code ironlb} subcommand in a new JVM: the same java and
 * class path as this process (the shaded jar from {@code ./ironlb}, or the test class path), with
 * the launcher's JVM flags.
 */
final class SelfCommand {

  private SelfCommand() {}

  static List<String> argv(String maxHeap, String... args) {
    String java = ProcessHandle.current().info().command()
        .filter(c -> c.endsWith("/java"))
        .orElse(System.getProperty("java.home") + "/bin/java");
    List<String> argv = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xss512k", "-Xmx" + maxHeap,
        "-cp", System.getProperty("java.class.path"), "io.ironlb.cli.Main"));
    argv.addAll(List.of(args));
    return List.copyOf(argv);
  }
}
