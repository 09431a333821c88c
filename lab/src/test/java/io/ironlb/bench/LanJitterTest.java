package io.ironlb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ironlb.l2.linux.NetNamespace;
import io.ironlb.lab.Lab;
import io.ironlb.lab.LabLayout;
import io.ironlb.lab.LabNetwork;
import io.ironlb.lab.LabState;
import io.ironlb.netns.CommandResult;
import io.ironlb.netns.Commands;
import io.ironlb.netns.Netns;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The soak's jitter relay on the lab's real network (its own namespaces, documentation addresses):
 * frames are delayed, TCP with segments larger than one frame still works through it, and closing
 * it gives the LAN back as it was.
 */
@Tag("netns")
class LanJitterTest {

  private static final Pattern RTT = Pattern.compile("rtt min/avg/max/mdev = ([\\d.]+)/([\\d.]+)/([\\d.]+)/([\\d.]+) ms");
  private static LabLayout layout;
  private static Path dir;

  @BeforeAll
  static void network() throws IOException {
    String why = Lab.preflight();
    Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    Assumptions.assumeTrue(Commands.onPath("ethtool"), "skipped: the jitter relay needs ethtool");
    dir = Files.createTempDirectory("ironlb-jitter");
    layout = LabLayout.of("ijt" + ProcessHandle.current().pid() + "-", 2, null, null);
    LabNetwork.build(layout, LabState.create(dir, Map.of("prefix", layout.prefix(), "nodes", "2")));
  }

  @AfterAll
  static void remove() throws IOException {
    if (layout != null) {
      layout.namespaces().forEach(Netns::deleteWithProcesses);
      Files.deleteIfExists(dir.resolve("state.json"));
      try (var files = Files.list(dir)) {
        files.forEach(f -> f.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void delaysEveryFrameCarriesTcpAndGivesTheLanBack() throws Exception {
    LabLayout.Node node = layout.nodes().getFirst();
    double before = pingAverageMs(node.lan4());
    assertThat(before).as("the LAN before the relay").isLessThan(10);

    try (LanJitter jitter = LanJitter.insert(layout, Duration.ofMillis(20), Duration.ofMillis(20))) {
      assertThat(jitter.bridgePorts()).hasSize(3);
      // Both ways delayed, each by 0-40 ms: a round trip averages ~40 ms and varies.
      String out = ping(node.lan4(), 30);
      Matcher m = RTT.matcher(out);
      assertThat(m.find()).as(out).isTrue();
      assertThat(Double.parseDouble(m.group(2))).as("average round trip through the relay: " + out).isBetween(15.0, 200.0);
      assertThat(Double.parseDouble(m.group(4))).as("round-trip deviation through the relay: " + out).isGreaterThan(3.0);
      // 1 MB each way: many full-size segments, each with a checksum the relay must not break.
      byte[] payload = new byte[1 << 20];
      new Random(7).nextBytes(payload);
      assertThat(echo(node, payload)).isEqualTo(payload);
    }

    assertThat(pingAverageMs(node.lan4())).as("the LAN after the relay").isLessThan(10);
    CommandResult links = Commands.run(Netns.TIMEOUT, "ip", "-n", layout.switchNamespace(), "-o", "link", "show", "master", LabLayout.LAN_BRIDGE);
    assertThat(links.stdout()).contains(node.lanPort(), layout.client().lanPort()).doesNotContain("jit");
    CommandResult features = Netns.exec(node.namespace(), Netns.TIMEOUT, "ethtool", "-k", LabLayout.NODE_LAN_IF);
    assertThat(features.stdout()).contains("tx-checksumming: on", "tcp-segmentation-offload: on");
  }

  @Test
  void refusesAJitterLargerThanTheDelay() {
    assertThatThrownBy(() -> LanJitter.insert(layout, Duration.ofMillis(5), Duration.ofMillis(20)))
        .hasMessageContaining("--jitter-ms 20").hasMessageContaining("--delay-ms 5");
  }

  private static double pingAverageMs(String ip) {
    String out = ping(ip, 5);
    Matcher m = RTT.matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return Double.parseDouble(m.group(2));
  }

  private static String ping(String ip, int count) {
    CommandResult r = Netns.exec(layout.client().namespace(), Duration.ofSeconds(30),
        "ping", "-n", "-q", "-c", Integer.toString(count), "-i", "0.05", "-W", "2", ip);
    assertThat(r.ok()).as(r.stdout() + r.stderr()).isTrue();
    return r.stdout();
  }

  /** Sends {@code payload} from the client to an echo server on {@code node}; returns what came back. */
  private static byte[] echo(LabLayout.Node node, byte[] payload) throws Exception {
    try (ServerSocket server = NetNamespace.call(node.namespace(), () -> new ServerSocket(0, 1, InetAddress.getByName(node.lan4())))) {
      CompletableFuture<Void> echoed = CompletableFuture.runAsync(() -> {
        try (Socket s = server.accept()) {
          s.getOutputStream().write(s.getInputStream().readNBytes(payload.length));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      // A Socket makes its descriptor when it connects: so connect in the client's namespace.
      try (Socket c = NetNamespace.call(layout.client().namespace(), () -> {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(node.lan4(), server.getLocalPort()), 5000);
        return s;
      })) {
        c.setSoTimeout(30_000);
        OutputStream out = c.getOutputStream();
        out.write(payload);
        out.flush();
        byte[] back = new byte[payload.length];
        new DataInputStream(c.getInputStream()).readFully(back);
        echoed.join();
        return back;
      }
    }
  }
}
