package io.ironlb.lab;

import io.ironlb.netns.CommandResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The programs {@code ironlb lab} runs, the Debian packages that provide them, and installing the
 * missing ones with {@code apt-get} before {@code lab up} changes anything (a fresh Debian or Ubuntu
 * machine lacks nftables and curl at least). {@code lab up --no-install} refuses instead and prints
 * the exact command.
 */
public final class LabPrerequisites {

  /** A program the lab runs and the Debian package it comes in. */
  public record Tool(String command, String debianPackage, String usedFor) {}

  /** Every program, in the order their packages are named. */
  public static final List<Tool> TOOLS = List.of(
      new Tool("ip", "iproute2", "namespaces, links, addresses"),
      new Tool("setsid", "util-linux", "processes that outlive the command"),
      new Tool("nft", "nftables", "the kube-proxy stand-in (DNAT to the app)"),
      new Tool("sysctl", "procps", "forwarding and neighbour settings in the namespaces"),
      new Tool("curl", "curl", "lab up's request from the client; `lab exec mac -- curl`"));

  static final Duration APT_TIMEOUT = Duration.ofMinutes(15);

  private LabPrerequisites() {}

  /** The tools that are not installed, and the packages that bring them. */
  public record Missing(List<Tool> tools) {
    public Missing {
      tools = List.copyOf(tools);
    }

    public boolean none() {
      return tools.isEmpty();
    }

    public List<String> commands() {
      return tools.stream().map(Tool::command).toList();
    }

    /** Each package once, in {@link #TOOLS} order. */
    public List<String> packages() {
      return List.copyOf(new LinkedHashSet<>(tools.stream().map(Tool::debianPackage).toList()));
    }
  }

  /** Which of {@link #TOOLS} {@code installed} does not find. */
  public static Missing missing(Predicate<String> installed) {
    return new Missing(TOOLS.stream().filter(t -> !installed.test(t.command())).toList());
  }

  /** The command that installs {@code packages}, as it is run and as it is printed. */
  public static List<String> aptGetInstall(List<String> packages) {
    List<String> argv = new ArrayList<>(List.of("apt-get", "install", "-y", "--no-install-recommends"));
    argv.addAll(packages);
    return List.copyOf(argv);
  }

  /** What {@code --no-install} says when something is missing. */
  public static String refusal(Missing m) {
    return "ironlb lab up: missing " + String.join(", ", m.commands()) + " and --no-install forbids installing them. Install them with:\n"
        + "  sudo " + String.join(" ", aptGetInstall(m.packages())) + "\n"
        + "then run `sudo ./ironlb lab up` again.";
  }

  /** The one line {@code lab up} prints before it installs. */
  public static String announcement(Missing m) {
    return "Installing the Debian packages the lab needs and this machine lacks: " + String.join(" ", m.packages()) + " (for "
        + String.join(", ", m.commands()) + ")";
  }

  /** How an installation went. */
  public sealed interface Installed {
    record Done() implements Installed {}

    /** {@code why} names the command that failed and its last output lines. */
    record Failed(String why) implements Installed {}
  }

  /**
   * Installs the packages of {@code m} with {@code run} (a command runner: the real one runs
   * {@code apt-get}, tests pass their own). A fresh machine may have no package lists yet, so when
   * the install cannot find a package the lists are updated once and the install tried again.
   */
  public static Installed install(Missing m, Function<List<String>, CommandResult> run) {
    List<String> install = withNoPrompts(aptGetInstall(m.packages()));
    CommandResult first = run.apply(install);
    if (first.ok()) {
      return new Installed.Done();
    }
    CommandResult update = run.apply(withNoPrompts(List.of("apt-get", "update")));
    if (!update.ok()) {
      return new Installed.Failed(failure(first) + "; then " + failure(update));
    }
    CommandResult second = run.apply(install);
    return second.ok() ? new Installed.Done() : new Installed.Failed(failure(second));
  }

  private static List<String> withNoPrompts(List<String> aptGet) {
    List<String> argv = new ArrayList<>(List.of("env", "DEBIAN_FRONTEND=noninteractive"));
    argv.addAll(aptGet);
    return argv;
  }

  private static String failure(CommandResult r) {
    List<String> lines = (r.stderr().isBlank() ? r.stdout() : r.stderr()).strip().lines().toList();
    String tail = String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    return "`" + String.join(" ", r.argv()) + "` " + (r.timedOut() ? "timed out" : "exited " + r.exitCode()) + (tail.isEmpty() ? "" : ": " + tail);
  }
}
