package io.ironlb.netns;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Ends processes by PID, with their descendants, and never a process that merely reused a PID. */
public final class Processes {

  private Processes() {}

  /** The start time the kernel reports for {@code pid}, if it runs. */
  public static Optional<Instant> startTime(long pid) {
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).flatMap(h -> h.info().startInstant());
  }

  /**
   * True when {@code pid} runs and is the process that started at {@code startedAt} (a null
   * {@code startedAt} checks only that it runs).
   */
  public static boolean isAlive(long pid, Instant startedAt) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (h.isEmpty()) {
      return false;
    }
    if (startedAt == null) {
      return true;
    }
    // The kernel reports start times in clock ticks, so allow for rounding.
    return h.get().info().startInstant()
        .map(t -> Duration.between(t, startedAt).abs().compareTo(Duration.ofSeconds(1)) <= 0)
        .orElse(false);
  }

  /** Sends SIGKILL to {@code root} and all of its descendants (collected first, so none escapes). */
  public static void killTree(ProcessHandle root) {
    List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
    all.addFirst(root);
    all.forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * Ends {@code pid} and its descendants if it is still the process started at {@code startedAt}:
   * SIGTERM first, SIGKILL for whatever still runs after {@code grace}. Returns false when there was
   * nothing (of ours) to end.
   */
  public static boolean stop(long pid, Instant startedAt, Duration grace) {
    if (!isAlive(pid, startedAt)) {
      return false;
    }
    // It may exit between the check and here (a group kill just before, for instance): then it is ended.
    ProcessHandle root = ProcessHandle.of(pid).orElse(null);
    if (root == null) {
      return true;
    }
    List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
    all.addFirst(root);
    if (grace.isPositive()) {
      all.forEach(ProcessHandle::destroy);
      Instant deadline = Instant.now().plus(grace);
      for (ProcessHandle h : all) {
        long left = Duration.between(Instant.now(), deadline).toMillis();
        if (left > 0) {
          try {
            h.onExit().get(left, java.util.concurrent.TimeUnit.MILLISECONDS);
          } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // Still running: SIGKILL below.
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      }
    }
    all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
    return true;
  }
}
