package io.ironlb.netns;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command from an argument vector (never a shell string), captures its output and kills it
 * with its descendants when the timeout expires.
 */
public final class Commands {

  private Commands() {}

  /** Runs {@code argv} with no input; see {@link #run(Duration, String, List)}. */
  public static CommandResult run(Duration timeout, List<String> argv) {
    return run(timeout, null, argv);
  }

  /** Runs {@code argv}; see {@link #run(Duration, String, List)}. */
  public static CommandResult run(Duration timeout, String... argv) {
    return run(timeout, null, List.of(argv));
  }

  /**
   * Runs {@code argv}, writes {@code stdin} (if not null) to its input, and waits at most
   * {@code timeout}. Output is read on virtual threads, so a chatty command cannot block on a full
   * pipe.
   */
  public static CommandResult run(Duration timeout, String stdin, List<String> argv) {
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(argv);
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      }
      p = pb.start();
    } catch (IOException e) {
      return new CommandResult(argv, 127, "", "cannot start " + argv.getFirst() + ": " + e.getMessage(), false);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread outReader = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
    Thread errReader = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
    try {
      if (stdin != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // The command exited before reading all of its input; its exit code tells the story.
        }
      }
      boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        Processes.killTree(p.toHandle());
        p.waitFor(5, TimeUnit.SECONDS);
      }
      outReader.join(Duration.ofSeconds(5));
      errReader.join(Duration.ofSeconds(5));
      return new CommandResult(argv, finished ? p.exitValue() : -1, text(out), text(err), !finished);
    } catch (InterruptedException e) {
      Processes.killTree(p.toHandle());
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", argv), e);
    }
  }

  private static void copy(InputStream in, ByteArrayOutputStream sink) {
    try (in) {
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        synchronized (sink) {
          sink.write(buf, 0, n);
        }
      }
    } catch (IOException e) {
      // The stream closes when the process is killed; what was read so far is kept.
    }
  }

  private static String text(ByteArrayOutputStream b) {
    synchronized (b) {
      return b.toString(StandardCharsets.UTF_8);
    }
  }

  /** True when {@code program} is an executable on the PATH (or an absolute executable path). */
  public static boolean onPath(String program) {
    if (program.contains("/")) {
      return java.nio.file.Files.isExecutable(java.nio.file.Path.of(program));
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
      if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  static void requireNotBlank(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
  }

  static UncheckedIOException unchecked(String what, IOException e) {
    return new UncheckedIOException(what + ": " + e.getMessage(), e);
  }
}
