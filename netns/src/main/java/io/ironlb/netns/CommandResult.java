package io.ironlb.netns;

import java.util.List;

/**
 * The outcome of one finished (or timed-out) command.
 *
 * @param argv the command as run, including any {@code ip netns exec NAME} prefix
 * @param exitCode the exit status, or -1 when the command timed out and was killed
 * @param stdout everything it wrote to standard output
 * @param stderr everything it wrote to standard error
 * @param timedOut true when the timeout expired and the command (with its descendants) was killed
 */
public record CommandResult(List<String> argv, int exitCode, String stdout, String stderr, boolean timedOut) {

  public CommandResult {
    argv = List.copyOf(argv);
  }

  public boolean ok() {
    return exitCode == 0 && !timedOut;
  }

  /** Returns this result when the command succeeded, else throws with the command and its stderr. */
  public CommandResult orThrow() {
    if (!ok()) {
      throw new CommandFailedException(this);
    }
    return this;
  }

  /** One line that says what ran and how it ended, for error messages and logs. */
  public String describe() {
    String how = timedOut ? "timed out" : "exited " + exitCode;
    String err = stderr.strip();
    return "`" + String.join(" ", argv) + "` " + how + (err.isEmpty() ? "" : ": " + err);
  }
}
