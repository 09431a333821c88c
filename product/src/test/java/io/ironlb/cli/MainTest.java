package io.ironlb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

  @Test
  void everySubcommandAnswersHelp() {
    CommandLine root = Main.commandLine();
    assertThat(root.getSubcommands()).isNotEmpty();
    root.getSubcommands().forEach((name, sub) -> {
      StringWriter out = new StringWriter();
      CommandLine cmd = Main.commandLine().setOut(new PrintWriter(out));
      int code = cmd.execute(name, "--help");
      assertThat(code).as("exit code of %s --help", name).isZero();
      if (!name.equals("help")) {
        assertThat(out.toString()).as("usage of %s", name).contains("Usage: ironlb " + name);
      }
    });
  }

  @Test
  void unknownSubcommandIsAnErrorNamingIt() {
    StringWriter err = new StringWriter();
    int code = Main.commandLine().setErr(new PrintWriter(err)).execute("frobnicate");
    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("frobnicate");
  }
}
