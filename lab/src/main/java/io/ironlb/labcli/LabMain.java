package io.ironlb.labcli;

import io.ironlb.cli.Main;
import picocli.CommandLine;

/**
 * The lab's entry point: the product's command tree ({@code controller}, {@code speaker},
 * {@code status}, {@code check}) plus {@code lab}, which only this module has. {@code ./ironlb}
 * runs it; the lab starts its controller and speakers from the product's own jar.
 */
public final class LabMain {
  private LabMain() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The product's commands and {@code lab}; tests use it to run verbs in-process. */
  public static CommandLine commandLine() {
    CommandLine cl = Main.commandLine().addSubcommand(new LabCommand());
    // addSubcommand gives the new tree the parent's parser settings, which undoes what exec's model
    // transformer set: everything after HOST is the command, its options too (`exec NODE ip -br link`).
    cl.getSubcommands().get("lab").getSubcommands().get("exec").setStopAtPositional(true);
    return cl;
  }
}
