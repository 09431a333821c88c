package io.ironlb.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Milliseconds from the process's start (the kernel's record of it, so JVM start-up is included)
 * to each named step of this process's start-up. The ready log line carries them, so a slow start
 * shows where it waited (bench/footprint splits ready time with them).
 */
public final class StartupSteps {

  /** This process's steps. */
  public static final StartupSteps PROCESS = new StartupSteps(ProcessHandle.current().info().startInstant().orElseGet(Instant::now));

  private final Instant start;
  private final Map<String, Long> steps = new LinkedHashMap<>();

  StartupSteps(Instant start) {
    this.start = start;
  }

  /** Records that {@code step} is done now. */
  public synchronized void done(String step) {
    steps.put(step, Math.max(0, Duration.between(start, Instant.now()).toMillis()));
  }

  /** The steps so far, in order, as milliseconds after the process started. */
  public synchronized Map<String, Long> millis() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(steps));
  }
}
