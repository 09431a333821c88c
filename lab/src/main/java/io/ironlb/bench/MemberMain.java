package io.ironlb.bench;

import io.ironlb.membership.JGroupsMembership;
import io.ironlb.membership.MembershipConfig;
import io.ironlb.membership.Timings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A membership member as its own process, for tests and the benchmark (test classpath only).
 *
 * <p>{@code java -cp <test classpath> io.ironlb.membership.MemberMain NAME BIND_IP PORT PEER,PEER...}
 * with the secret in hex in {@code $IRONLB_TEST_SECRET} (not on the command line, where {@code ps}
 * shows it). Prints {@code STARTED <epochMicros>}, then {@code VIEW <epochMicros> a,b,c} whenever
 * the live nodes change (stamped on the listener thread: what a speaker would see), and
 * {@code LEFT <epochMicros>} when SIGTERM closed it. Timings may be overridden with
 * {@code -Dironlb.hb.interval=MS -Dironlb.hb.timeout=MS -Dironlb.verify=MS}.
 */
public final class MemberMain {

  private MemberMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: MemberMain NAME BIND_IP PORT PEER[,PEER...]   (secret hex in $IRONLB_TEST_SECRET)");
      System.exit(2);
    }
    String secretHex = System.getenv("IRONLB_TEST_SECRET");
    if (secretHex == null) {
      System.err.println("MemberMain: $IRONLB_TEST_SECRET (hex) is not set");
      System.exit(2);
    }
    List<InetSocketAddress> peers = new ArrayList<>();
    for (String p : args[3].split(",")) {
      int colon = p.lastIndexOf(':');
      peers.add(new InetSocketAddress(InetAddress.getByName(p.substring(0, colon)), Integer.parseInt(p.substring(colon + 1))));
    }
    List<InetSocketAddress> fixed = List.copyOf(peers);
    Timings d = Timings.defaults();
    Timings t = new Timings(
        ms("ironlb.hb.interval", d.heartbeatInterval()), ms("ironlb.hb.timeout", d.heartbeatTimeout()),
        ms("ironlb.verify", d.verifyTimeout()), d.mergeMinInterval(), d.mergeMaxInterval(), d.joinTimeout(),
        d.viewAckTimeout(), d.aloneGrace());
    JGroupsMembership m = new JGroupsMembership(new MembershipConfig(args[0], InetAddress.getByName(args[1]),
        Integer.parseInt(args[2]), HexFormat.of().parseHex(secretHex), () -> fixed, t));
    CountDownLatch done = new CountDownLatch(1);
    m.addListener(live -> out("VIEW " + micros() + " " + String.join(",", live)));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      m.close();
      out("LEFT " + micros());
      done.countDown();
    }));
    m.start();
    out("STARTED " + micros());
    done.await();
  }

  private static Duration ms(String property, Duration fallback) {
    String v = System.getProperty(property);
    return v == null ? fallback : Duration.ofMillis(Long.parseLong(v));
  }

  static long micros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  private static synchronized void out(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
