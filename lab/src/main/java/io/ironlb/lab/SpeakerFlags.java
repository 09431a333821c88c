package io.ironlb.lab;

import io.ironlb.speaker.SpeakerCommand;
import java.util.List;
import picocli.CommandLine;

/**
 * {@code ironlb lab up --speaker-flag=FLAG}: flags every speaker of the lab runs with (e.g.
 * {@code --failback-hold-down=10s}), kept in the state file so a restarted speaker gets them too.
 * They are checked with the speaker's own parser before anything starts, so a typo fails
 * {@code lab up} at once with picocli's message instead of a speaker that never comes up.
 */
public record SpeakerFlags(List<String> flags) {
  static final String OPTION = "speaker-flags";
  /** The lab sets these itself: a node's name and where its API server is. */
  private static final List<String> LAB_OWNED = List.of("--node", "--kubeconfig");

  public SpeakerFlags {
    flags = List.copyOf(flags);
  }

  /** Checks {@code flags} as the speaker would parse them; throws IllegalArgumentException saying which flag and why. */
  public static SpeakerFlags of(List<String> flags) {
    for (String f : flags) {
      String name = f.contains("=") ? f.substring(0, f.indexOf('=')) : f;
      if (!f.startsWith("--")) {
        throw new IllegalArgumentException("--speaker-flag '" + f + "' is not a flag: give it as --speaker-flag=--NAME=VALUE,"
            + " e.g. --speaker-flag=--failback-hold-down=10s");
      }
      if (LAB_OWNED.contains(name)) {
        throw new IllegalArgumentException("--speaker-flag " + name + " is set by the lab for each node; leave it out");
      }
      if (f.contains("\t") || f.contains("\n")) {
        throw new IllegalArgumentException("--speaker-flag '" + f.strip() + "' holds a tab or newline");
      }
    }
    try {
      new CommandLine(new SpeakerCommand()).parseArgs(flags.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException("--speaker-flag: " + e.getMessage() + " (`ironlb speaker --help` lists the flags)");
    }
    return new SpeakerFlags(flags);
  }

  /** The flags recorded in {@code state} (none for a lab started without any). */
  static SpeakerFlags of(LabState state) {
    String v = state.option(OPTION, "");
    return new SpeakerFlags(v.isEmpty() ? List.of() : List.of(v.split("\t")));
  }

  /** The form the state file keeps them in (one option line). */
  String encoded() {
    return String.join("\t", flags);
  }
}
