package io.ironlb.bench;

import io.ironlb.l2.DropReason;
import io.ironlb.l2.Layer2Config;
import io.ironlb.l2.Layer2Counters;
import io.ironlb.l2.linux.LinuxLayer2;
import io.ironlb.l2.linux.NetNamespace;
import io.ironlb.l2.linux.PacketSocket;
import io.ironlb.l2.linux.Rtnetlink;
import io.ironlb.l2.packet.ArpPacket;
import io.ironlb.l2.packet.Decoded;
import io.ironlb.l2.packet.EthernetHeader;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.netns.Host;
import io.ironlb.netns.TestNetwork;
import io.ironlb.netns.VethEnd;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * See run. Everything lives in namespaces this program creates and removes. With {@code --json FILE}
 * (anywhere in the arguments) it also writes the raw round trips in ns ({@code -1}: no reply) for
 * {@code bench/run}'s report:
 * <pre>
 * {"bench": "arp", "requestsPerSeries": 5000, "loadAverage": "..", "kernelNs": [..], "ironlbNs": [..],
 *  "gateway": {"addresses": 500, "answered": .., "lastReplyMs": .., "floodRequests": 1000, "floodAnswered": .., "floodRateLimited": ..},
 *  "flood": {"seconds": 5, "rateLimit": 20000, "offeredPerSecond": .., "takenInPerSecond": .., "rateLimited": ..,
 *            "receiveCpuPercentOfCore": .., "microsPerRequest": .., "legitNs": [..]},
 *  "drops": {"RATE_LIMITED": .., ..}}
 * </pre>
 */
public class ArpBench {

  static final MacAddress CLIENT_MAC = MacAddress.parse("02:00:00:00:00:02");
  static final MacAddress FLOOD_MAC = MacAddress.parse("02:00:00:00:0e:01");
  static final MacAddress GATEWAY_MAC = MacAddress.parse("02:00:00:00:00:fe");

  public static void main(String[] argv) throws Exception {
    List<String> rest = new java.util.ArrayList<>(List.of(argv));
    int j = rest.indexOf("--json");
    java.nio.file.Path json = null;
    if (j >= 0) {
      if (j + 1 >= rest.size()) {
        throw new IllegalArgumentException("--json needs a file name");
      }
      json = java.nio.file.Path.of(rest.remove(j + 1));
      rest.remove(j);
    }
    String[] args = rest.toArray(String[]::new);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("bench", "arp");
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    int floodSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    // The flooder shares this 2-core machine with the responder; unpaced it takes a whole core
    // and the run measures CPU starvation rather than the responder. 0 = as fast as it can.
    int floodRate = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
    String why = Host.whyNoNamespaces();
    if (why != null) {
      System.err.println("bench/arp: " + why);
      System.exit(2);
    }
    TestNetwork.sweep(TestNetwork.PREFIX + "arpbench-");
    try (TestNetwork net = TestNetwork.create("arpbench")) {
      String lan = net.namespace("lan");
      String client = net.namespace("client");
      String node = net.namespace("node");
      String owner = net.namespace("owner");
      String flooder = net.namespace("flooder");
      net.veth(new VethEnd(client, "eth0", CLIENT_MAC.toString()), VethEnd.of(lan, "p-client"));
      net.veth(new VethEnd(node, "lan0", "02:00:00:00:0a:01"), VethEnd.of(lan, "p-node"));
      net.veth(new VethEnd(owner, "eth0", "02:00:00:00:0b:01"), VethEnd.of(lan, "p-owner"));
      net.veth(new VethEnd(flooder, "eth0", FLOOD_MAC.toString()), VethEnd.of(lan, "p-flooder"));
      net.bridge(lan, "br0", "p-client", "p-node", "p-owner", "p-flooder");
      net.address(client, "eth0", "198.51.100.2/24");
      net.address(node, "lan0", "198.51.100.11/24");
      net.address(owner, "eth0", "198.51.100.12/24");
      net.address(flooder, "eth0", "198.51.100.66/24");
      Inet4Address vip = (Inet4Address) InetAddress.getByName("198.51.100.200");
      Inet4Address kernelIp = (Inet4Address) InetAddress.getByName("198.51.100.12");
      Inet4Address clientIp = (Inet4Address) InetAddress.getByName("198.51.100.2");
      Layer2Counters stats = new Layer2Counters();
      try (LinuxLayer2 l2 = LinuxLayer2.openIn(node, Layer2Config.defaults(), stats, c -> { });
          // The client's socket takes only ARP replies, as a client kernel would only act on those: the
          // flood's broadcast requests reach the client too and would crowd its queue.
          PacketSocket cs = NetNamespace.call(client, () -> PacketSocket.open(PacketSocket.ETH_P_ARP, new io.ironlb.l2.linux.Bpf.Program(List.of(
              new io.ironlb.l2.linux.Bpf.Insn(0x28, 0, 0, 20), new io.ironlb.l2.linux.Bpf.Insn(0x15, 0, 1, 2),
              new io.ironlb.l2.linux.Bpf.Insn(0x06, 0, 0, 0x40000), new io.ironlb.l2.linux.Bpf.Insn(0x06, 0, 0, 0))), Duration.ofMillis(50)));
          PacketSocket fs = NetNamespace.call(flooder, () -> PacketSocket.open(PacketSocket.ETH_P_ARP, null, Duration.ofMillis(50)))) {
        l2.announce(vip, List.of());
        int clientIf = NetNamespace.call(client, () -> index("eth0"));
        int floodIf = NetNamespace.call(flooder, () -> index("eth0"));
        String load = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip();
        System.out.printf("bench/arp: %d sequential requests per series, from a client namespace over a bridge; load average %s%n", n, load);
        result.put("requestsPerSeries", n);
        result.put("loadAverage", load);
        // warm-up: let the JIT compile the receive path (the speaker runs for days)
        measure(cs, clientIf, clientIp, vip, 10_000, null);
        measure(cs, clientIf, clientIp, kernelIp, 2_000, null);
        // Interleaved in slices, so both series see the same load on this shared machine.
        long[] kernel = new long[0];
        long[] ours = new long[0];
        for (int slice = 0; slice < 10; slice++) {
          kernel = concat(kernel, measure(cs, clientIf, clientIp, kernelIp, n / 10, null));
          ours = concat(ours, measure(cs, clientIf, clientIp, vip, n / 10, null));
        }
        print("kernel (owner namespace)", kernel);
        print("IronLB responder", ours);
        result.put("kernelNs", kernel);
        result.put("ironlbNs", ours);
        result.put("gateway", gateway(l2, stats, cs, clientIf));

        // Flood: one attacker asks for the VIP as fast as it can; a legit client keeps asking.
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicLong floodSent = new AtomicLong();
        byte[] floodFrame = new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, FLOOD_MAC, EthernetHeader.ETHERTYPE_ARP),
            new ArpPacket(ArpPacket.Operation.REQUEST, FLOOD_MAC, (Inet4Address) InetAddress.getByName("198.51.100.66"), MacAddress.ZERO, vip)).encode();
        Thread flood = Thread.ofPlatform().start(() -> {
          ByteBuffer b = ByteBuffer.wrap(floodFrame);
          long begin = System.nanoTime();
          while (flooding.get()) {
            if (floodRate > 0 && floodSent.get() > (System.nanoTime() - begin) * floodRate / 1_000_000_000L) {
              java.util.concurrent.locks.LockSupport.parkNanos(50_000);
              continue;
            }
            try {
              fs.send(floodIf, b.clear());
              floodSent.incrementAndGet();
            } catch (Exception e) {
              // queue full: keep going
            }
          }
        });
        Thread.sleep(500);
        var threads = ManagementFactory.getThreadMXBean();
        long rx = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("l2-arp-receiver")).findFirst().orElseThrow().threadId();
        long cpu0 = threads.getThreadCpuTime(rx);
        long sent0 = floodSent.get();
        long req0 = stats.forIp(vip).requestsReceived();
        long limited0 = stats.drops(DropReason.RATE_LIMITED);
        long t0 = System.nanoTime();
        long[] underFlood = measure(cs, clientIf, clientIp, vip, Math.max(200, floodSeconds * 1000), Duration.ofSeconds(floodSeconds));
        double secs = (System.nanoTime() - t0) / 1e9;
        long cpu = threads.getThreadCpuTime(rx) - cpu0;
        long handled = stats.forIp(vip).requestsReceived() - req0;
        flooding.set(false);
        flood.join();
        System.out.printf("flood: offered %,.0f requests/s from one MAC; responder took in %,.0f/s (flood + legit, %.0f%% of the flood), "
                + "rate-limited %,d, receive thread CPU %.0f%% of one core (%.2f µs per request)%n",
            (floodSent.get() - sent0) / secs, handled / secs, 100.0 * handled / Math.max(1, floodSent.get() - sent0),
            stats.drops(DropReason.RATE_LIMITED) - limited0, 100.0 * cpu / (secs * 1e9), cpu / 1e3 / Math.max(1, handled));
        print("IronLB under flood (legit client)", underFlood);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("seconds", floodSeconds);
        f.put("rateLimit", floodRate);
        f.put("offeredPerSecond", Math.round((floodSent.get() - sent0) / secs));
        f.put("takenInPerSecond", Math.round(handled / secs));
        f.put("rateLimited", stats.drops(DropReason.RATE_LIMITED) - limited0);
        f.put("receiveCpuPercentOfCore", Math.round(1000.0 * cpu / (secs * 1e9)) / 10.0);
        f.put("microsPerRequest", Math.round(100.0 * cpu / 1e3 / Math.max(1, handled)) / 100.0);
        f.put("legitNs", underFlood);
        result.put("flood", f);
        StringBuilder drops = new StringBuilder();
        Map<String, Long> dropMap = new LinkedHashMap<>();
        for (DropReason r : DropReason.values()) {
          if (stats.drops(r) > 0) {
            drops.append(' ').append(r).append('=').append(stats.drops(r));
            dropMap.put(r.name(), stats.drops(r));
          }
        }
        System.out.println("drops over the whole run:" + drops);
        result.put("drops", dropMap);
        if (json != null) {
          java.nio.file.Files.writeString(json, tools.jackson.databind.json.JsonMapper.builder().build().writeValueAsString(result) + "\n");
        }
      }
    }
  }

  /**
   * A gateway (one MAC) resolves 500 announced addresses at once, as after its cache was cleared,
   * then asks for one of them 1,000 times at once: all 500 should be answered, the flood only up
   * to its per-address share.
   */
  static Map<String, Object> gateway(LinuxLayer2 l2, Layer2Counters stats, PacketSocket cs, int clientIf) throws Exception {
    List<Inet4Address> targets = new java.util.ArrayList<>();
    for (String net : List.of("198.51.100.", "203.0.113.")) {
      for (int host = 1; host < 255 && targets.size() < 500; host++) {
        if (!(net.startsWith("198") && List.of(1, 2, 11, 12, 66).contains(host))) {
          targets.add((Inet4Address) InetAddress.getByName(net + host));
        }
      }
    }
    targets.forEach(t -> l2.announce(t, List.of("lan0")));
    Inet4Address gatewayIp = (Inet4Address) InetAddress.getByName("198.51.100.1");
    Map<String, Object> out = new LinkedHashMap<>();
    long limited0 = stats.drops(DropReason.RATE_LIMITED);
    long start = System.nanoTime();
    for (Inet4Address t : targets) {
      cs.send(clientIf, ByteBuffer.wrap(request(GATEWAY_MAC, gatewayIp, t)));
    }
    double sendMs = (System.nanoTime() - start) / 1e6;
    java.util.Set<InetAddress> answered = new java.util.HashSet<>();
    long last = collectReplies(cs, GATEWAY_MAC, targets.size(), Duration.ofSeconds(2), r -> answered.add(r.senderIp()));
    System.out.printf("gateway: one MAC asks for %d different addresses at once (sent in %.0f ms): answered %d/%d, the last after %.0f ms%n",
        targets.size(), sendMs, answered.size(), targets.size(), (last - start) / 1e6);
    out.put("addresses", targets.size());
    out.put("answered", answered.size());
    out.put("lastReplyMs", Math.round((last - start) / 1e5) / 10.0);
    Inet4Address flooded = targets.getLast();
    long[] floodAnswers = new long[1];
    long floodStart = System.nanoTime();
    for (int i = 0; i < 1_000; i++) {
      cs.send(clientIf, ByteBuffer.wrap(request(GATEWAY_MAC, gatewayIp, flooded)));
    }
    double floodMs = (System.nanoTime() - floodStart) / 1e6;
    collectReplies(cs, GATEWAY_MAC, 1_000, Duration.ofSeconds(1), r -> floodAnswers[0]++);
    long limited = stats.drops(DropReason.RATE_LIMITED) - limited0;
    System.out.printf("gateway flood: the same MAC asks for one address 1,000 times (sent in %.0f ms): answered %d, rate-limited %d "
        + "(its share: 50 at once, then 50/s)%n", floodMs, floodAnswers[0], limited);
    out.put("floodRequests", 1_000);
    out.put("floodAnswered", floodAnswers[0]);
    out.put("floodRateLimited", limited);
    return out;
  }

  static byte[] request(MacAddress from, Inet4Address fromIp, Inet4Address target) {
    return new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, from, EthernetHeader.ETHERTYPE_ARP),
        new ArpPacket(ArpPacket.Operation.REQUEST, from, fromIp, MacAddress.ZERO, target)).encode();
  }

  /** Hands replies to {@code to} to {@code each} until {@code count} came or {@code max} passed; returns when the last came. */
  static long collectReplies(PacketSocket s, MacAddress to, int count, Duration max, java.util.function.Consumer<ArpPacket> each) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    int[] got = new int[1];
    long[] last = new long[1];
    while (got[0] < count && System.nanoTime() < deadline) {
      s.receive((idx, outgoing, frame) -> {
        if (!outgoing && Frame.decode(frame) instanceof Decoded.Ok<Frame>(Frame.Arp a) && a.arp().operation() == ArpPacket.Operation.REPLY
            && a.ethernet().destination().equals(to)) {
          got[0]++;
          last[0] = System.nanoTime();
          each.accept(a.arp());
        }
      });
    }
    return last[0];
  }

  static long[] concat(long[] a, long[] b) {
    long[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  static void print(String what, long[] nanos) {
    long answered = Arrays.stream(nanos).filter(x -> x >= 0).count();
    long[] ok = Arrays.stream(nanos).filter(x -> x >= 0).sorted().toArray();
    if (ok.length == 0) {
      System.out.printf("%-34s no replies of %d%n", what, nanos.length);
      return;
    }
    System.out.printf("%-34s answered %d/%d  p50 %7.1f µs  p90 %7.1f µs  p99 %7.1f µs  p99.9 %7.1f µs  max %7.1f µs%n", what, answered,
        nanos.length, pct(ok, 50), pct(ok, 90), pct(ok, 99), pct(ok, 99.9), ok[ok.length - 1] / 1e3);
  }

  static double pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)] / 1e3;
  }

  /** Sequential ARP requests; each result is the round trip in ns, or -1 when no reply came in 200 ms. */
  static long[] measure(PacketSocket s, int ifindex, Inet4Address me, Inet4Address target, int count, Duration spread) throws Exception {
    // The responder answers one requester MAC at most 50 times a second (its flood guard), so the
    // client asks from a pool of 256 MACs, paced at one request per 0.4 ms (2,500/s, half the
    // responder's global cap). Packet sockets on a veth see frames to any MAC, so replies arrive.
    byte[][] reqs = new byte[256][];
    for (int m = 0; m < reqs.length; m++) {
      MacAddress mac = new MacAddress(CLIENT_MAC.bits() + 0x1_0000L * m);
      reqs[m] = new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, mac, EthernetHeader.ETHERTYPE_ARP),
          new ArpPacket(ArpPacket.Operation.REQUEST, mac, me, MacAddress.ZERO, target)).encode();
    }
    long gap = spread == null ? 400_000L : Math.max(400_000L, spread.toNanos() / count);
    long[] out = new long[count];
    boolean[] got = new boolean[1];
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      byte[] req = reqs[i % reqs.length];
      MacAddress asker = MacAddress.read(ByteBuffer.wrap(req, 6, 6));
      s.send(ifindex, ByteBuffer.wrap(req));
      got[0] = false;
      long end = start;
      while (!got[0] && System.nanoTime() - start < 200_000_000L) {
        s.receive((idx, outgoing, frame) -> {
          if (!outgoing && Frame.decode(frame) instanceof Decoded.Ok<Frame>(Frame.Arp a)
              && a.arp().operation() == ArpPacket.Operation.REPLY && a.arp().senderIp().equals(target) && a.ethernet().destination().equals(asker)) {
            got[0] = true;
          }
        });
        end = System.nanoTime();
      }
      out[i] = got[0] ? end - start : -1;
      if (gap > 0) {
        long left;
        while ((left = gap - (System.nanoTime() - start)) > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(left); // sleep, not spin: the responder needs the CPU
        }
      }
    }
    return out;
  }

  static int index(String name) throws Exception {
    try (Rtnetlink r = Rtnetlink.open()) {
      return r.interfaces().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow().index();
    }
  }
}
