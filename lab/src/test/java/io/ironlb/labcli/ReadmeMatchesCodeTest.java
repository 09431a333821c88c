package io.ironlb.labcli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README's configuration reference is the user's contract: every flag the code has must be in it. */
class ReadmeMatchesCodeTest {

  @Test
  void everyOptionOfEveryVisibleSubcommandIsDocumentedInTheReadme() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    check(readme, LabMain.commandLine(), "ironlb");
  }

  private static void check(String readme, CommandLine command, String path) {
    command.getSubcommands().forEach((name, sub) -> {
      if (sub.getCommandSpec().usageMessage().hidden() || name.equals("help")) {
        return;
      }
      String here = path + " " + name;
      assertThat(readme).as("README mentions `%s`", here).contains(here);
      for (var option : sub.getCommandSpec().options()) {
        if (option.hidden() || option.longestName().equals("--help") || option.longestName().equals("--version")) {
          continue;
        }
        assertThat(readme).as("README documents `%s %s`", here, option.longestName()).contains("`" + option.longestName());
      }
      check(readme, sub, here);
    });
  }
}
