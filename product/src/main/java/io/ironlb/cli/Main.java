package io.ironlb.cli;

import io.ironlb.runtime.StartupSteps;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The single entry point of the jar: every process and tool of IronLB is a subcommand. */
@Command(
    name = "ironlb",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Bare-metal Layer 2 load balancer for Kubernetes, compatible with MetalLB's configuration.",
    subcommands = {CommandLine.HelpCommand.class, io.ironlb.controller.ControllerCommand.class,
        io.ironlb.speaker.SpeakerCommand.class, io.ironlb.ops.StatusCommand.class, io.ironlb.ops.CheckCommand.class,
        io.ironlb.ops.DrainCommand.class, RehearseCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    StartupSteps.PROCESS.done("jvm");
    System.exit(commandLine().execute(args));
  }

  /** Builds the command tree; tests use it to run subcommands in-process. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"ironlb " + (v == null ? "dev" : v)};
    }
  }
}
