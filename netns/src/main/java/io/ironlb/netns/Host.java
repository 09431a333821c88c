package io.ironlb.netns;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** What the machine offers: Linux, root, tools. Checked before anything is changed. */
public final class Host {

  private Host() {}

  public static boolean isLinux() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
  }

  /** Effective UID 0, read from /proc (no helper program needed). */
  public static boolean isRoot() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          String[] f = line.split("\\s+");
          return f.length > 2 && f[2].equals("0");
        }
      }
    } catch (java.io.IOException e) {
      // no /proc: fall back to id(1)
    }
    CommandResult r = Commands.run(Duration.ofSeconds(5), "id", "-u");
    return r.ok() && r.stdout().strip().equals("0");
  }

  /** The programs of {@code tools} that are not on the PATH (nor in /usr/sbin, /sbin). */
  public static List<String> missing(String... tools) {
    return java.util.Arrays.stream(tools).filter(t -> !Commands.onPath(t)).toList();
  }

  /**
   * Null when network namespaces can be used here, else a message naming what is needed (for
   * assumptions in tests and for the lab's preflight).
   */
  public static String whyNoNamespaces() {
    if (!isLinux()) {
      return "network namespaces need Linux (this is " + System.getProperty("os.name") + ")";
    }
    if (!isRoot()) {
      return "network namespaces need root: run with sudo";
    }
    List<String> missing = missing("ip", "setsid");
    if (!missing.isEmpty()) {
      return "missing " + String.join(", ", missing) + " (Debian: apt-get install iproute2 util-linux)";
    }
    return null;
  }
}
