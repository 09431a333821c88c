package io.ironlb.bench;

import io.ironlb.lab.Cidr;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Netns;
import io.ironlb.netns.Processes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client's neighbour table for many addresses at once: {@link #seed} writes an entry per address
 * (as a client that talked to each of them has, in state STALE), then {@code ip monitor neigh} in
 * the client's namespace notes, per address, when its entry first named {@code toMac} — the moment
 * a gratuitous ARP (or an answer) moved that client to the new announcer.
 */
final class NeighbourMoves implements AutoCloseable {

  private final Set<String> watched;
  private final String toMac;
  private final Map<String, Instant> moved = new ConcurrentHashMap<>();
  private final Process process;
  private final Thread reader;

  private NeighbourMoves(String ns, Set<String> addresses, String toMac) {
    this.watched = Set.copyOf(addresses);
    this.toMac = toMac.toLowerCase(Locale.ROOT);
    try {
      process = new ProcessBuilder(List.of("ip", "-n", ns, "monitor", "neigh")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start `ip monitor neigh` in " + ns + ": " + e.getMessage(), e);
    }
    reader = Thread.ofPlatform().daemon().name("neighbour-moves").start(this::read);
  }

  /**
   * Writes an entry for every address pointing at {@code mac} on {@code dev} (state STALE: the
   * kernel replaces its MAC when a gratuitous ARP for it arrives, once the entry is older than
   * {@code locktime}, one second by default).
   */
  static void seed(String ns, String dev, Set<String> addresses, String mac) {
    StringBuilder batch = new StringBuilder();
    for (String ip : addresses) {
      batch.append("neigh replace ").append(ip).append(" lladdr ").append(mac).append(" dev ").append(dev).append(" nud stale\n");
    }
    CommandResult r = Netns.exec(ns, Duration.ofSeconds(30), batch.toString(), List.of("ip", "-batch", "-"));
    if (!r.ok()) {
      throw new IllegalStateException("cannot seed the neighbour table of " + ns + ": " + r.describe());
    }
  }

  /** Starts watching {@code addresses} in {@code ns} for entries that name {@code toMac}. */
  static NeighbourMoves watch(String ns, Set<String> addresses, String toMac) {
    return new NeighbourMoves(ns, addresses, toMac);
  }

  /** Per address, when its entry first named the new MAC. */
  Map<String, Instant> moved() {
    return Map.copyOf(moved);
  }

  boolean allMoved() {
    return moved.size() == watched.size();
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        Instant at = Instant.now();
        String[] t = line.strip().split("\\s+");
        if (t.length < 4 || !Cidr.isIp(t[0])) {
          continue; // "Deleted ...", and lines that are not entries
        }
        String ip = Cidr.canonical(t[0]);
        if (!watched.contains(ip)) {
          continue;
        }
        for (int i = 1; i < t.length - 1; i++) {
          if (t[i].equals("lladdr") && t[i + 1].toLowerCase(Locale.ROOT).equals(toMac)) {
            moved.putIfAbsent(ip, at);
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
