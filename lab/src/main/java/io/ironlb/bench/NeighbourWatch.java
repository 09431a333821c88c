package io.ironlb.bench;

import io.ironlb.netns.Netns;
import io.ironlb.netns.Processes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Records when a host's neighbour entry for one address changes MAC, as the kernel reports it
 * ({@code ip monitor neigh} in that host's namespace): the moment a client is moved to the new
 * announcer by its gratuitous ARP or unsolicited neighbour advertisement. The log starts with the
 * entry as it was when the watch started, if there was one, so it says at every later moment which
 * MAC the host was sending to. Public for the speaker's end-to-end tests, which watch a foreign
 * device's claim move a client and the defence move it back.
 */
public final class NeighbourWatch implements AutoCloseable {

  /** The entry for the address now points at {@code mac} (lower case), seen at {@code at}. */
  public record Change(Instant at, String mac) {}

  private final String ip;
  private final Process process;
  private final List<Change> changes = new ArrayList<>();
  private final Thread reader;

  public NeighbourWatch(String ns, String ip) {
    this.ip = ip;
    try {
      process = new ProcessBuilder(List.of("ip", "-n", ns, "monitor", "neigh"))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start `ip monitor neigh` in " + ns + ": " + e.getMessage(), e);
    }
    // Read after the monitor started and stamped before the read: a change in between is logged after it.
    Instant seeded = Instant.now();
    Netns.neighbour(ns, ip).filter(n -> n.mac() != null)
        .ifPresent(n -> changes.add(new Change(seeded, n.mac().toLowerCase(Locale.ROOT))));
    reader = Thread.ofPlatform().daemon().name("neighbour-watch").start(this::read);
  }

  /** The first change to a MAC other than {@code from} at or after {@code since}. */
  public Optional<Change> movedAway(String from, Instant since) {
    synchronized (changes) {
      return changes.stream().filter(c -> !c.at().isBefore(since) && !c.mac().equals(from)).findFirst();
    }
  }

  /** Every change so far, oldest first. */
  List<Change> changes() {
    synchronized (changes) {
      return List.copyOf(changes);
    }
  }

  /** Every change seen at or after {@code since}, in the order the kernel reported them. */
  public List<Change> changesSince(Instant since) {
    synchronized (changes) {
      return changes.stream().filter(c -> !c.at().isBefore(since)).toList();
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        Instant at = Instant.now();
        String[] t = line.strip().split("\\s+");
        if (t.length < 4 || !t[0].equals(ip)) {
          continue; // "Deleted ...", other addresses, entries without a MAC (INCOMPLETE, FAILED)
        }
        for (int i = 1; i < t.length - 1; i++) {
          if (t[i].equals("lladdr")) {
            synchronized (changes) {
              changes.add(new Change(at, t[i + 1].toLowerCase(Locale.ROOT)));
            }
          }
        }
      }
    } catch (IOException e) {
      // the monitor ended
    }
  }

  @Override
  public void close() {
    Processes.killTree(process.toHandle());
    try {
      reader.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
