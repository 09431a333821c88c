package io.ironlb.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What waking up costs on this machine, before any work: the CPU time of a thread that only waits
 * 10 ms at a time (as the speaker's heartbeat thread waits between heartbeats), and of one that
 * also sends a 70-byte UDP datagram to itself and reads it back each time (one heartbeat out, one
 * in). On a virtual machine both can cost far more than on hardware, and the speaker's idle CPU
 * cannot go below them at 100 heartbeats a second; the footprint report prints them beside it.
 */
final class WakeFloor {

  /** Microseconds of CPU per wake-up; {@code percentAt100Hz}: what 100 of them a second cost, % of a core. */
  record Floor(double timerWakeMicros, double udpRoundMicros) {
    double percentAt100Hz(double micros) {
      return micros * 100 / 1e6 * 100;
    }

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("timerWakeMicros", round(timerWakeMicros));
      m.put("udpRoundMicros", round(udpRoundMicros));
      return m;
    }

    private static double round(double v) {
      return Math.round(v * 10) / 10.0;
    }
  }

  private WakeFloor() {}

  /** Measures each kind of round for {@code each}, on the calling thread. */
  static Floor measure(Duration each) {
    try (Selector selector = Selector.open(); DatagramChannel channel = DatagramChannel.open()) {
      channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).configureBlocking(false);
      InetSocketAddress self = (InetSocketAddress) channel.getLocalAddress();
      return new Floor(perRound(selector, null, null, each), perRound(selector, channel, self, each));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure the machine's wake-up cost: " + e.getMessage(), e);
    }
  }

  private static double perRound(Selector selector, DatagramChannel channel, InetSocketAddress self, Duration each) throws IOException {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    ByteBuffer out = ByteBuffer.allocate(70);
    ByteBuffer in = ByteBuffer.allocate(512);
    long end = System.nanoTime() + each.toNanos();
    long cpu = threads.getCurrentThreadCpuTime();
    long rounds = 0;
    while (System.nanoTime() - end < 0) {
      if (channel != null) {
        channel.send(out.clear(), self);
        while (channel.receive(in.clear()) != null) {
          // taken, as the heartbeat thread takes what arrived
        }
      }
      selector.select(10);
      rounds++;
    }
    return (threads.getCurrentThreadCpuTime() - cpu) / 1e3 / Math.max(1, rounds);
  }

  /** {@code ironlb-lab WakeFloor [SECONDS]}: prints the floor (5 s per kind by default). */
  public static void main(String[] args) {
    Duration each = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 5);
    Floor f = measure(each);
    System.out.printf(Locale.ROOT, "a 100 Hz wait costs %.1f us a wake-up (%.2f%% of a core); with a UDP datagram out and in, %.1f us"
        + " (%.2f%% of a core)%n", f.timerWakeMicros(), f.percentAt100Hz(f.timerWakeMicros()), f.udpRoundMicros(),
        f.percentAt100Hz(f.udpRoundMicros()));
  }
}
