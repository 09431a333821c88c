package io.ironlb.bench;

import io.ironlb.l2.Announcer;
import io.ironlb.l2.Layer2Config;
import io.ironlb.l2.Layer2Counters;
import io.ironlb.l2.linux.LinuxLayer2;
import io.ironlb.netns.Host;
import io.ironlb.netns.LabProcess;
import io.ironlb.netns.TestNetwork;
import io.ironlb.netns.VethEnd;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * See bench/gratuitous/run: what a takeover of many addresses costs at several gratuitous frame
 * bounds. A node announces N addresses (half IPv4, half IPv6) with the default burst (0, 0.5, 1,
 * 2 s) while its link is down, then the link comes up and all of them start at once; tcpdump on a client of the same bridge records every frame with the kernel's
 * timestamp. Per bound it prints: how long handling the link-up took, how long until every address
 * was announced once and until the last frame (from the link-up), frames sent and frames the
 * client saw, burst rounds per address (repeats due while one waits merge), and the CPU the
 * announcing and sending threads used per frame (interface selection and logging included).
 * Everything lives in namespaces this program creates and removes.
 */
public class GratuitousBench {

  static final String NODE_MAC = "02:00:00:00:0a:01";
  static final Pattern LINE = Pattern.compile("^(\\d+)\\.(\\d{6}) .*?(?:length \\d+: \\D*(\\d+\\.\\d+\\.\\d+\\.\\d+)|tgt is ([0-9a-f:]+))");

  public static void main(String[] args) throws Exception {
    int perFamily = args.length > 0 ? Integer.parseInt(args[0]) / 2 : 500;
    List<Integer> rates = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      rates.add(Integer.parseInt(args[i]));
    }
    if (rates.isEmpty()) {
      rates = List.of(100_000, 10_000, 5_000, 2_000, 1_000, 500);
    }
    if (perFamily > 500) {
      throw new IllegalArgumentException("at most 1000 addresses: the IPv4 documentation ranges hold about 500");
    }
    String why = Host.whyNoNamespaces();
    if (why != null) {
      System.err.println("bench/gratuitous: " + why);
      System.exit(2);
    }
    List<String> missing = Host.missing("tcpdump");
    if (!missing.isEmpty()) {
      System.err.println("bench/gratuitous: missing " + missing);
      System.exit(2);
    }
    List<InetAddress> vips = addresses(perFamily);
    TestNetwork.sweep(TestNetwork.PREFIX + "garpbench-");
    try (TestNetwork net = TestNetwork.create("garpbench")) {
      String lan = net.namespace("lan");
      String client = net.namespace("client");
      String node = net.namespace("node");
      net.veth(VethEnd.of(client, "eth0"), VethEnd.of(lan, "p-client"));
      net.veth(new VethEnd(node, "lan0", NODE_MAC), VethEnd.of(lan, "p-node"));
      net.bridge(lan, "br0", "p-client", "p-node");
      net.address(client, "eth0", "198.51.100.2/24");
      net.address(node, "lan0", "198.51.100.11/24");
      net.address(node, "lan0", "203.0.113.11/24");
      net.address(node, "lan0", "2001:db8:1::11/64");
      String load = Files.readString(Path.of("/proc/loadavg")).strip();
      System.out.printf("bench/gratuitous: takeover of %d addresses (%d IPv4, %d IPv6), burst 0/0.5/1/2 s, seen by tcpdump on a client; "
          + "load average %s%n", vips.size(), perFamily, perFamily, load);
      System.out.printf("%10s %12s %14s %10s %7s %7s %7s %14s%n", "bound/s", "up (ms)", "all once (ms)", "last (ms)", "sent", "seen",
          "rounds", "CPU µs/frame");
      int run = 0;
      for (int rate : rates) {
        trial(net, client, node, vips, rate, run++);
      }
      System.out.println("load average after: " + Files.readString(Path.of("/proc/loadavg")).strip());
    }
  }

  static void trial(TestNetwork net, String client, String node, List<InetAddress> vips, int rate, int run) throws Exception {
    LabProcess tcpdump = net.start("tcpdump-" + run, client, "tcpdump", "-Z", "root", "-i", "eth0", "-nn", "-e", "-tt", "-l", "-B", "16384",
        "ether src " + NODE_MAC + " and (arp or icmp6)");
    awaitLog(tcpdump, "listening on", Duration.ofSeconds(10));
    Layer2Counters stats = new Layer2Counters();
    Announcer.Config announce = new Announcer.Config(Announcer.Config.DEFAULT_BURST, Duration.ofHours(1), rate);
    var threads = ManagementFactory.getThreadMXBean();
    try (LinuxLayer2 l2 = LinuxLayer2.openIn(node, Layer2Config.defaults().withAnnounce(announce), stats, c -> { })) {
      long scheduler = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("l2-scheduler")).findFirst().orElseThrow()
          .threadId();
      long schedulerCpu0 = threads.getThreadCpuTime(scheduler);
      long callerCpu0 = threads.getCurrentThreadCpuTime();
      // Announced while the link is down, then the link comes up: every address starts at once, as
      // when a node's LAN returns, without the calls' own pace in the figures.
      net.down(node, "lan0");
      awaitOperational(l2, "lan0", false);
      for (InetAddress vip : vips) {
        l2.announce(vip, List.of());
      }
      net.up(node, "lan0");
      long start = System.currentTimeMillis() * 1_000;
      awaitOperational(l2, "lan0", true);
      long callsDone = System.currentTimeMillis() * 1_000;
      long callerCpu = threads.getCurrentThreadCpuTime() - callerCpu0;
      long sent = settle(() -> sentFrames(stats), Duration.ofSeconds(2), Duration.ofSeconds(120));
      long schedulerCpu = threads.getThreadCpuTime(scheduler) - schedulerCpu0;
      long seenCount = settle(() -> parse(Files.readString(tcpdump.log())).size(), Duration.ofSeconds(1), Duration.ofSeconds(10));
      List<long[]> seen = parse(Files.readString(tcpdump.log()));
      Map<InetAddress, Integer> perVip = new HashMap<>();
      long allOnce = -1;
      for (long[] s : seen) {
        InetAddress vip = vips.get((int) s[1]);
        int n = perVip.merge(vip, 1, Integer::sum);
        if (perVip.size() == vips.size() && allOnce < 0 && n >= 1) {
          allOnce = s[0];
        }
      }
      long last = seen.isEmpty() ? -1 : seen.getLast()[0];
      double rounds = (double) sent / (vips.size() * 1.5);
      System.out.printf("%10s %12s %14s %10s %7d %7d %7.1f %14.1f%n", rate >= 100_000 ? "unbounded" : String.format("%,d", rate),
          String.format("%,.0f", (callsDone - start) / 1e3), allOnce < 0 ? "never" : String.format("%,.0f", (allOnce - start) / 1e3),
          last < 0 ? "-" : String.format("%,.0f", (last - start) / 1e3), sent, seenCount, rounds,
          (callerCpu + schedulerCpu) / 1e3 / Math.max(1, sent));
    } finally {
      tcpdump.stop(Duration.ofSeconds(2));
    }
  }

  /** Every frame seen: {kernel timestamp in µs since the epoch, index of the address}. */
  static List<long[]> parse(String log) {
    List<long[]> out = new ArrayList<>();
    for (String line : log.lines().toList()) {
      Matcher m = LINE.matcher(line);
      if (!m.find()) {
        continue;
      }
      long micros = Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong(m.group(2));
      String ip = m.group(3) != null ? m.group(3) : m.group(4);
      Integer index = INDEX.get(ip);
      if (index != null) {
        out.add(new long[] {micros, index});
      }
    }
    return out;
  }

  static final Map<String, Integer> INDEX = new HashMap<>();

  /** {@code perFamily} IPv4 addresses from both documentation ranges, then as many IPv6 ones. */
  static List<InetAddress> addresses(int perFamily) throws Exception {
    List<InetAddress> out = new ArrayList<>();
    for (String net : List.of("198.51.100.", "203.0.113.")) {
      for (int host = 3; host < 255 && out.size() < perFamily; host++) {
        if (host != 11) {
          out.add(InetAddress.getByName(net + host));
        }
      }
    }
    for (int i = 1; i <= perFamily; i++) {
      out.add(InetAddress.getByName("2001:db8:1::1:" + Integer.toHexString(i)));
    }
    for (int i = 0; i < out.size(); i++) {
      INDEX.put(io.ironlb.model.IpText.format(out.get(i)), i);
    }
    return out;
  }

  static long sentFrames(Layer2Counters stats) {
    return stats.all().values().stream().mapToLong(Layer2Counters.PerIp::gratuitousSent).sum();
  }

  interface Count {
    long get() throws Exception;
  }

  /** Polls {@code count} until it has not changed for {@code quiet}; returns its value. */
  static long settle(Count count, Duration quiet, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    long value = count.get();
    long since = System.nanoTime();
    while (System.nanoTime() < deadline) {
      Thread.sleep(50); // polling a counter in a benchmark, not a test
      long now = count.get();
      if (now != value) {
        value = now;
        since = System.nanoTime();
      } else if (System.nanoTime() - since >= quiet.toNanos()) {
        break;
      }
    }
    return value;
  }

  static void awaitLog(LabProcess p, String text, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    while (!Files.exists(p.log()) || !Files.readString(p.log()).contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(p.name() + " did not say \"" + text + "\" within " + max);
      }
      Thread.sleep(20);
    }
  }

  /** Waits until the data plane has heard from the kernel that {@code name} went up or down (it is told, it does not poll). */
  private static void awaitOperational(LinuxLayer2 l2, String name, boolean operational) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (l2.interfaces().name(name).map(i -> i.operational()).orElse(false) != operational) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " did not become " + (operational ? "operational" : "inoperational") + " within 10 s");
      }
      Thread.sleep(1);
    }
  }
}
