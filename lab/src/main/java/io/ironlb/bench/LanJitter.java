package io.ironlb.bench;

import io.ironlb.l2.linux.NetNamespace;
import io.ironlb.l2.linux.PacketSocket;
import io.ironlb.lab.LabLayout;
import io.ironlb.lab.SelfCommand;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Commands;
import io.ironlb.netns.Netns;
import io.ironlb.netns.VethEnd;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Jitter on the lab's LAN without netem (this kernel has none): every frame a LAN host sends into
 * the switch waits a random time, uniform in {@code [delay - jitter, delay + jitter]}, as under
 * {@code tc qdisc add dev ... root netem delay D J}; as under netem, frames may overtake each other.
 *
 * <p>How: each LAN host's switch port is taken off the bridge and a veth pair put in its place
 * ({@code jitN-h}, relay side, and {@code jitN-b}, on the bridge). A relay process in the switch
 * namespace, on one packet socket, copies every frame the host sends from its port to {@code jitN-h}
 * after the delay, and every frame the bridge sends towards the host back to its port at once. The
 * swap is one {@code ip -batch}, so a host is off the bridge for well under a millisecond.
 *
 * <p>A packet socket sees a frame as the sender left it: checksums the sender's NIC was to fill and
 * TCP segments it was to cut. So while the relay runs, each LAN host's interface has those offloads
 * off ({@code ethtool -K IF tx off tso off gso off}), and gets them back after.
 */
final class LanJitter implements AutoCloseable {

  private static final String READY = "ready";
  private static final List<String> OFFLOADS = List.of("tx", "tso", "gso");

  private final LabLayout layout;
  private final List<Port> ports;
  private final Process relay;
  private boolean closed;

  /** A LAN host's interface, its switch port, and the relay pair that stands in for that port on the bridge. */
  record Port(String hostNamespace, String hostInterface, String switchPort, String relaySide, String bridgeSide) {}

  private LanJitter(LabLayout layout, List<Port> ports, Process relay) {
    this.layout = layout;
    this.ports = ports;
    this.relay = relay;
  }

  /** The relay pairs' bridge ends: where a frame a host sent enters the bridge, after its delay. */
  List<String> bridgePorts() {
    return ports.stream().map(Port::bridgeSide).toList();
  }

  /** The relay process (to raise its priority: a starved switch is the lab's fault, not a failover). */
  long pid() {
    return relay.pid();
  }

  /** Puts the relay between every LAN host (the client and each node) and the LAN bridge. */
  static LanJitter insert(LabLayout layout, Duration delay, Duration jitter) {
    if (jitter.compareTo(delay) > 0) {
      throw new IllegalArgumentException("--jitter-ms " + jitter.toMillis() + " is larger than --delay-ms " + delay.toMillis()
          + ": a frame cannot wait less than 0 ms; give a delay at least as large as the jitter");
    }
    if (!Commands.onPath("ethtool")) {
      throw new IllegalStateException("the jitter relay needs ethtool (to turn checksum and segmentation offloads off):"
          + " apt-get install ethtool");
    }
    String sw = layout.switchNamespace();
    List<Port> ports = new ArrayList<>();
    ports.add(port(layout.client().namespace(), LabLayout.CLIENT_IF, layout.client().lanPort(), 0));
    for (LabLayout.Node n : layout.nodes()) {
      ports.add(port(n.namespace(), LabLayout.NODE_LAN_IF, n.lanPort(), ports.size()));
    }
    Process relay;
    try {
      for (Port p : ports) {
        offloads(p, false);
        Netns.veth(VethEnd.of(sw, p.relaySide()), VethEnd.of(sw, p.bridgeSide()));
        Netns.setLink(sw, p.relaySide(), true);
      }
      relay = startRelay(sw, ports, delay, jitter);
    } catch (RuntimeException e) {
      removePairs(sw, ports); // no host was moved yet: only the pairs and the offloads to undo
      throw e;
    }
    LanJitter j = new LanJitter(layout, ports, relay);
    try {
      swap(sw, ports, Port::switchPort, Port::bridgeSide);
    } catch (RuntimeException e) {
      j.close();
      throw e;
    }
    return j;
  }

  /** For every port, in one {@code ip -batch}: {@code off} leaves the LAN bridge and {@code on} takes its place. */
  private static void swap(String sw, List<Port> ports, Function<Port, String> off, Function<Port, String> on) {
    StringBuilder commands = new StringBuilder();
    for (Port p : ports) {
      commands.append("link set ").append(off.apply(p)).append(" nomaster\n")
          .append("link set ").append(on.apply(p)).append(" master ").append(LabLayout.LAN_BRIDGE).append(" up\n");
    }
    batch(sw, commands.toString());
  }

  private static Port port(String ns, String ifname, String switchPort, int index) {
    return new Port(ns, ifname, switchPort, "jit" + index + "-h", "jit" + index + "-b");
  }

  /** Puts every host's port back on the bridge, stops the relay, removes its pairs, turns offloads back on. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    String sw = layout.switchNamespace();
    try {
      swap(sw, ports, Port::bridgeSide, Port::switchPort);
    } finally {
      relay.destroy();
      try {
        if (!relay.waitFor(5, TimeUnit.SECONDS)) {
          relay.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        relay.destroyForcibly();
      }
      removePairs(sw, ports);
    }
  }

  /** Deletes the relay pairs (those there are) and turns every host's offloads back on. */
  private static void removePairs(String sw, List<Port> ports) {
    for (Port p : ports) {
      Commands.run(Netns.TIMEOUT, "ip", "-n", sw, "link", "del", p.relaySide());
      offloads(p, true);
    }
  }

  private static void offloads(Port p, boolean on) {
    List<String> argv = new ArrayList<>(List.of("ethtool", "-K", p.hostInterface()));
    OFFLOADS.forEach(o -> argv.addAll(List.of(o, on ? "on" : "off")));
    CommandResult r = Netns.exec(p.hostNamespace(), Netns.TIMEOUT, argv.toArray(String[]::new));
    if (!r.ok()) {
      throw new IllegalStateException("ethtool -K " + p.hostInterface() + " in " + p.hostNamespace() + " failed: " + r.stderr().strip());
    }
  }

  private static void batch(String ns, String commands) {
    CommandResult r = Commands.run(Netns.TIMEOUT, commands, List.of("ip", "-n", ns, "-batch", "-"));
    if (!r.ok()) {
      throw new IllegalStateException("ip -batch in " + ns + " failed: " + r.stderr().strip() + "\n" + commands);
    }
  }

  private static Process startRelay(String sw, List<Port> ports, Duration delay, Duration jitter) {
    List<String> args = new ArrayList<>(List.of(sw, Long.toString(delay.toMillis()), Long.toString(jitter.toMillis())));
    ports.forEach(p -> args.add(p.switchPort() + "=" + p.relaySide()));
    List<String> argv = SelfCommand.mainArgv("64m", LanJitter.class, args.toArray(String[]::new));
    try {
      Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      if (!READY.equals(first)) {
        p.destroyForcibly();
        throw new IllegalStateException("the jitter relay did not start (it said " + first + "); its errors are above");
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the jitter relay: " + e.getMessage(), e);
    }
  }

  /** A frame due to leave on interface {@code ifindex} at {@code dueNanos} ({@link System#nanoTime}). */
  private record Due(long dueNanos, int ifindex, byte[] frame) implements Delayed {
    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(dueNanos, ((Due) o).dueNanos);
    }
  }

  /**
   * The relay: {@code SWITCH_NAMESPACE DELAY_MS JITTER_MS SWITCH_PORT=RELAY_SIDE...}. Prints
   * {@value #READY} once its socket is open; runs until killed.
   */
  public static void main(String[] args) throws Exception {
    String sw = args[0];
    long delayNanos = Duration.ofMillis(Long.parseLong(args[1])).toNanos();
    long jitterNanos = Duration.ofMillis(Long.parseLong(args[2])).toNanos();
    Map<String, String> pairs = new HashMap<>();
    for (int i = 3; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      pairs.put(kv[0], kv[1]);
    }
    Map<Integer, Integer> delayed = new HashMap<>(); // host's port -> relay side: the host's frames, after the delay
    Map<Integer, Integer> direct = new HashMap<>(); // relay side -> host's port: the bridge's frames, at once
    for (Map.Entry<String, String> e : pairs.entrySet()) {
      int host = ifindex(sw, e.getKey());
      int relay = ifindex(sw, e.getValue());
      delayed.put(host, relay);
      direct.put(relay, host);
    }
    PacketSocket socket = NetNamespace.call(sw, () -> PacketSocket.open(PacketSocket.ETH_P_ALL, null));
    DelayQueue<Due> queue = new DelayQueue<>();
    AtomicLong sendFailures = new AtomicLong();
    Thread sender = Thread.ofPlatform().name("jitter-send").start(() -> {
      while (true) {
        Due d;
        try {
          d = queue.take();
        } catch (InterruptedException e) {
          return;
        }
        send(socket, d.ifindex(), ByteBuffer.wrap(d.frame()), sendFailures);
      }
    });
    System.out.println(READY);
    System.out.flush();
    // Ends with its parent: the parent holds this process's input open for as long as it lives.
    Thread.ofPlatform().daemon().name("jitter-parent").start(() -> {
      try {
        while (System.in.read() >= 0) {
          // nothing is ever written; a read returns -1 when the parent is gone
        }
      } catch (IOException e) {
        // the same: no parent
      }
      socket.stopReceiving();
    });
    PacketSocket.FrameHandler handler = (ifindex, outgoing, frame) -> {
      if (outgoing) {
        return;
      }
      Integer to = delayed.get(ifindex);
      if (to != null) {
        byte[] copy = new byte[frame.remaining()];
        frame.get(copy);
        long wait = delayNanos - jitterNanos + (jitterNanos == 0 ? 0 : ThreadLocalRandom.current().nextLong(2 * jitterNanos + 1));
        queue.add(new Due(System.nanoTime() + wait, to, copy));
        return;
      }
      to = direct.get(ifindex);
      if (to != null) {
        send(socket, to, frame, sendFailures);
      }
    };
    while (socket.receive(handler) != PacketSocket.Received.STOPPED) {
      // every frame of the switch namespace passes here; only the mapped ports' are relayed
    }
    sender.interrupt();
    socket.close();
    System.err.printf(Locale.ROOT, "jitter relay: stopped, %d frames could not be sent%n", sendFailures.get());
  }

  /** The index of {@code ifname} in {@code ns} (the JDK lists only interfaces with an address; switch ports have none). */
  private static int ifindex(String ns, String ifname) {
    CommandResult r = Commands.run(Netns.TIMEOUT, "ip", "-n", ns, "-o", "link", "show", "dev", ifname);
    if (!r.ok()) {
      throw new IllegalStateException("no interface " + ifname + " in " + ns + ": " + r.stderr().strip());
    }
    return Integer.parseInt(r.stdout().strip().split(":", 2)[0]);
  }

  private static void send(PacketSocket socket, int ifindex, ByteBuffer frame, AtomicLong failures) {
    try {
      socket.send(ifindex, frame);
    } catch (IOException e) {
      // A port going down under the relay (a cut) drops the frame, as a switch would.
      if (failures.getAndIncrement() == 0) {
        System.err.println("jitter relay: a frame could not be sent (" + e.getMessage() + "); counting the rest silently");
      }
    }
  }
}
