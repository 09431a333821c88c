package io.ironlb.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.netns.CommandResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Which Debian packages `lab up` installs for which missing programs, what --no-install says, and how apt-get is driven. */
class LabPrerequisitesTest {

  record Case(String name, Set<String> installed, List<String> missingCommands, List<String> packages) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    Set<String> all = Set.of("ip", "setsid", "nft", "sysctl", "curl");
    return Stream.of(
        new Case("everything installed: nothing to do", all, List.of(), List.of()),
        new Case("a fresh Debian machine: nftables and curl", Set.of("ip", "setsid", "sysctl"), List.of("nft", "curl"),
            List.of("nftables", "curl")),
        new Case("a minimal container image: every package, in a fixed order", Set.of(), List.of("ip", "setsid", "nft", "sysctl", "curl"),
            List.of("iproute2", "util-linux", "nftables", "procps", "curl")),
        new Case("only sysctl missing: procps", Set.of("ip", "setsid", "nft", "curl"), List.of("sysctl"), List.of("procps")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachMissingProgramMapsToTheDebianPackageThatProvidesIt(Case c) {
    LabPrerequisites.Missing m = LabPrerequisites.missing(c.installed()::contains);

    assertThat(m.commands()).isEqualTo(c.missingCommands());
    assertThat(m.packages()).isEqualTo(c.packages());
    assertThat(m.none()).isEqualTo(c.packages().isEmpty());
  }

  @Test
  void noInstallRefusesAndPrintsTheExactAptGetCommand() {
    LabPrerequisites.Missing m = LabPrerequisites.missing(Set.of("ip", "setsid", "sysctl")::contains);

    assertThat(LabPrerequisites.refusal(m)).isEqualTo("""
        ironlb lab up: missing nft, curl and --no-install forbids installing them. Install them with:
          sudo apt-get install -y --no-install-recommends nftables curl
        then run `sudo ./ironlb lab up` again.""");
  }

  @Test
  void upSaysInOneLineWhichPackagesItInstallsAndWhy() {
    LabPrerequisites.Missing m = LabPrerequisites.missing(Set.of("ip", "setsid", "sysctl")::contains);

    assertThat(LabPrerequisites.announcement(m)).doesNotContain("\n").contains("nftables curl").contains("nft, curl");
  }

  /** Answers each command with the next scripted result and records what it was asked to run. */
  static final class ScriptedApt implements Function<List<String>, CommandResult> {
    final List<List<String>> ran = new ArrayList<>();
    private final List<Integer> exitCodes;

    ScriptedApt(Integer... exitCodes) {
      this.exitCodes = new ArrayList<>(List.of(exitCodes));
    }

    @Override
    public CommandResult apply(List<String> argv) {
      ran.add(argv);
      int code = exitCodes.removeFirst();
      return new CommandResult(argv, code, "", code == 0 ? "" : "E: Unable to locate package nftables", false);
    }
  }

  @Test
  void installsWithoutPromptsOrRecommendedPackagesInOneCommand() {
    ScriptedApt apt = new ScriptedApt(0);

    LabPrerequisites.Installed r = LabPrerequisites.install(LabPrerequisites.missing(Set.of("ip", "setsid", "sysctl")::contains), apt);

    assertThat(r).isInstanceOf(LabPrerequisites.Installed.Done.class);
    assertThat(apt.ran).containsExactly(
        List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends", "nftables", "curl"));
  }

  @Test
  void aMachineWithoutPackageListsGetsThemOnceAndTheInstallIsTriedAgain() {
    ScriptedApt apt = new ScriptedApt(100, 0, 0);

    LabPrerequisites.Installed r = LabPrerequisites.install(LabPrerequisites.missing(Set.of("ip", "setsid", "sysctl")::contains), apt);

    assertThat(r).isInstanceOf(LabPrerequisites.Installed.Done.class);
    assertThat(apt.ran).extracting(argv -> argv.get(3)).containsExactly("install", "update", "install");
  }

  @Test
  void aFailedInstallSaysWhichCommandFailedAndWhatAptGetSaid() {
    ScriptedApt apt = new ScriptedApt(100, 0, 100);

    LabPrerequisites.Installed r = LabPrerequisites.install(LabPrerequisites.missing(Set.of("ip", "setsid", "sysctl")::contains), apt);

    assertThat(r).isInstanceOfSatisfying(LabPrerequisites.Installed.Failed.class, f -> assertThat(f.why())
        .contains("apt-get install -y --no-install-recommends nftables curl").contains("exited 100")
        .contains("Unable to locate package nftables"));
  }
}
