package io.ironlb.netns;

/** A command that had to succeed did not; the message names the command and its stderr. */
public final class CommandFailedException extends RuntimeException {

  private final transient CommandResult result;

  public CommandFailedException(CommandResult result) {
    super(result.describe());
    this.result = result;
  }

  public CommandResult result() {
    return result;
  }
}
