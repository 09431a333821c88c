package io.ironlb.netns;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A long-running process the lab or a test started, in a network namespace or (namespace null) in
 * the caller's own. The record holds what is needed to find and end it later, also from another
 * process after a crash: the PID together with its start time, so a reused PID is never killed.
 *
 * @param name a short label ("apiserver", "speaker spark-2959")
 * @param namespace the network namespace it runs in, or null for the caller's namespace
 * @param argv the command without the {@code ip netns exec} prefix
 * @param pid the process ID ({@code ip netns exec} and {@code setsid} exec, so this is the program)
 * @param startedAt the kernel's start time of {@code pid}
 * @param log the file that receives its stdout and stderr
 */
public record LabProcess(String name, String namespace, List<String> argv, long pid, Instant startedAt, Path log) {

  public LabProcess {
    argv = List.copyOf(argv);
  }

  /**
   * Starts {@code argv} in {@code namespace} (null: here), detached from the caller's session with
   * {@code setsid} so it outlives the command that started it, stdin from /dev/null, stdout and
   * stderr appended to {@code log}.
   */
  public static LabProcess start(String name, String namespace, List<String> argv, Path log) {
    return start(name, namespace, argv, log, java.util.Map.of());
  }

  /** As {@link #start(String, String, List, Path)}, with extra environment variables. */
  public static LabProcess start(
      String name, String namespace, List<String> argv, Path log, java.util.Map<String, String> env) {
    return start(name, namespace, argv, log, env, List.of());
  }

  /**
   * As above, with {@code launcher} run first, outside the namespace: a command that takes the rest
   * as its arguments and execs them (so the PID stays the program's), e.g. one that moves itself into
   * a cgroup ({@code ip netns exec} mounts a sysfs of the namespace, without the cgroup hierarchy).
   */
  public static LabProcess start(
      String name, String namespace, List<String> argv, Path log, java.util.Map<String, String> env, List<String> launcher) {
    List<String> full = new ArrayList<>();
    full.add("setsid");
    full.addAll(launcher);
    if (namespace != null) {
      full.addAll(List.of("ip", "netns", "exec", namespace));
    }
    full.addAll(argv);
    try {
      if (log.getParent() != null) {
        Files.createDirectories(log.getParent());
      }
      ProcessBuilder pb = new ProcessBuilder(full)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectErrorStream(true);
      pb.environment().putAll(env);
      Process p = pb.start();
      Instant started = p.toHandle().info().startInstant().orElse(Instant.now());
      return new LabProcess(name, namespace, argv, p.pid(), started, log);
    } catch (IOException e) {
      throw Commands.unchecked("cannot start " + name + " (" + String.join(" ", full) + ")", e);
    }
  }

  public boolean alive() {
    return Processes.isAlive(pid, startedAt);
  }

  /** SIGTERM, then SIGKILL after {@code grace}, for it and its descendants; false if it had already ended. */
  public boolean stop(Duration grace) {
    return Processes.stop(pid, startedAt, grace);
  }

  /** SIGKILL for it and its descendants at once (a crash, as {@code kill -9} gives). */
  public boolean kill() {
    return Processes.stop(pid, startedAt, Duration.ZERO);
  }
}
