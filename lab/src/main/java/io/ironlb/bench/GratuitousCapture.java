package io.ironlb.bench;

import io.ironlb.lab.Cidr;
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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a client hears a node say about addresses: {@code tcpdump} in the client's namespace, every
 * ARP and neighbour advertisement from one MAC that names one of the watched addresses (a
 * gratuitous request, a reply, an unsolicited NA), with the kernel's receive time. Gives, per
 * address, when its first frame arrived, and every frame's time for the rate.
 */
final class GratuitousCapture implements AutoCloseable {

  /** {@code 1700000000.123456 02:1b:01:00:00:12 > ff:ff:ff:ff:ff:ff, ethertype ARP ...: Request who-has A tell A, ...} */
  private static final Pattern LINE = Pattern.compile("^(\\d+\\.\\d+) ([0-9a-f:]{17}) > .*?: (.*)$");
  private static final Pattern GRATUITOUS_REQUEST = Pattern.compile("Request who-has (\\S+) tell (\\S+),");
  private static final Pattern REPLY = Pattern.compile("Reply (\\S+) is-at ");
  private static final Pattern ADVERTISEMENT = Pattern.compile("neighbor advertisement, tgt is (\\S+?),");

  /** One frame about {@code ip}, received at {@code at}. */
  record Frame(Instant at, String ip) {}

  private final Set<String> watched;
  private final Map<String, Instant> first = new ConcurrentHashMap<>();
  private final List<Frame> frames = new ArrayList<>();
  private final Process process;
  private final Thread reader;

  private GratuitousCapture(String ns, String dev, String fromMac, Set<String> watched) {
    this.watched = Set.copyOf(watched);
    try {
      process = new ProcessBuilder(Netns.inNamespace(ns, List.of("tcpdump", "-i", dev, "-l", "-n", "-tt", "-e",
          "ether src " + fromMac.toLowerCase(Locale.ROOT) + " and (arp or icmp6)"))).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start tcpdump in " + ns + ": " + e.getMessage(), e);
    }
    reader = Thread.ofPlatform().daemon().name("gratuitous-capture").start(this::read);
  }

  /** Starts capturing on {@code dev} in {@code ns}; give tcpdump a moment before the frames that matter. */
  static GratuitousCapture start(String ns, String dev, String fromMac, Set<String> watched) {
    return new GratuitousCapture(ns, dev, fromMac, watched);
  }

  /** The address a tcpdump line says is at the sender's MAC, if the line is such a frame. */
  static Optional<Frame> parse(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      return Optional.empty();
    }
    long micros = Math.round(Double.parseDouble(m.group(1)) * 1e6);
    Instant at = Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
    String rest = m.group(3);
    Matcher g = GRATUITOUS_REQUEST.matcher(rest);
    if (g.find()) {
      return g.group(1).equals(g.group(2)) ? ip(at, g.group(1)) : Optional.empty();
    }
    Matcher r = REPLY.matcher(rest);
    if (r.find()) {
      return ip(at, r.group(1));
    }
    Matcher a = ADVERTISEMENT.matcher(rest);
    if (a.find()) {
      return ip(at, a.group(1));
    }
    return Optional.empty();
  }

  private static Optional<Frame> ip(Instant at, String text) {
    return Cidr.isIp(text) ? Optional.of(new Frame(at, Cidr.canonical(text))) : Optional.empty();
  }

  /** Per watched address, when its first frame arrived. */
  Map<String, Instant> first() {
    return Map.copyOf(first);
  }

  /** Every frame about a watched address so far. */
  List<Frame> frames() {
    synchronized (frames) {
      return List.copyOf(frames);
    }
  }

  /** When the last frame about a watched address arrived, if any did. */
  Optional<Instant> last() {
    synchronized (frames) {
      return frames.isEmpty() ? Optional.empty() : Optional.of(frames.getLast().at());
    }
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        parse(line).filter(f -> watched.contains(f.ip())).ifPresent(f -> {
          first.putIfAbsent(f.ip(), f.at());
          synchronized (frames) {
            frames.add(f);
          }
        });
      }
    } catch (IOException e) {
      // tcpdump ended
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
