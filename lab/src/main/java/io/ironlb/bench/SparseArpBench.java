package io.ironlb.bench;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ironlb.l2.linux.Bpf;
import io.ironlb.l2.linux.NetNamespace;
import io.ironlb.l2.linux.PacketSocket;
import io.ironlb.l2.packet.ArpPacket;
import io.ironlb.l2.packet.Decoded;
import io.ironlb.l2.packet.EthernetHeader;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.lab.Kube;
import io.ironlb.lab.Lab;
import io.ironlb.lab.LabLayout;
import io.ironlb.lab.LabState;
import io.ironlb.lab.SelfCommand;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import tools.jackson.databind.json.JsonMapper;

/**
 * ARP replies as clients really see them ({@code bench/arp/run}, second part): on a running lab,
 * the client namespace asks for a Service address (answered by the lab's speaker, a real speaker
 * process with the deployed JVM flags, {@link SelfCommand.Deployed#SPEAKER}) and for the LAN address
 * of the node that announces it (answered by that node's kernel), in turn, one request every
 * {@value #MIN_GAP_MS}-{@value #MAX_GAP_MS} ms: a client asks rarely, so the responder is idle
 * (its thread asleep, its caches cold) when it does. The back-to-back series of {@link ArpBench}
 * keeps the responder hot and hides this. Both answers leave the same node namespace over the same
 * veth, so the difference is the responder's.
 *
 * <p>{@code --state-dir DIR --requests N --json FILE}: adds {@code "sparse"} to the ARP results file
 * (written by {@link ArpBench} first):
 *
 * <pre>
 * "sparse": {"requests": 2000, "gapMs": [10, 20], "loadAverage": "..", "node": "spark-ba63", "vip": "198.51.100.200",
 *            "jvmFlags": "...", "kernelNs": [..], "ironlbNs": [..]}
 * </pre>
 */
public final class SparseArpBench {

  static final int MIN_GAP_MS = 10;
  static final int MAX_GAP_MS = 20;
  private static final long REPLY_WAIT_NANOS = 200_000_000L;

  private SparseArpBench() {}

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(List.of(args));
    Path json = BenchJson.takeOption(rest, "--json");
    Path dir = Path.of(BenchArgs.required(rest, "--state-dir"));
    int requests = Integer.parseInt(BenchArgs.option(rest, "--requests", "2000"));
    LabState state = LabState.load(dir);
    LabLayout layout = state.layout();
    String vip;
    String node;
    try (KubernetesClient client = Kube.client(Kube.url(state.apiPort().orElseThrow()))) {
      Service s = client.services().inNamespace("default").withName("openwebui").get();
      vip = s.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).filter(ip -> !ip.contains(":")).findFirst()
          .orElseThrow();
      node = Lab.announcers(client).get("default/openwebui");
    }
    LabLayout.Node announcer = layout.node(node).orElseThrow(() -> new IllegalStateException("no node announces openwebui yet"));
    Inet4Address vipIp = (Inet4Address) InetAddress.getByName(vip);
    Inet4Address nodeIp = (Inet4Address) InetAddress.getByName(announcer.lan4());
    Inet4Address me = (Inet4Address) InetAddress.getByName(layout.client().lan4());
    MacAddress myMac = MacAddress.parse(layout.client().mac());
    String load = Files.readString(Path.of("/proc/loadavg")).strip();
    System.out.printf("bench/arp sparse: %d requests each for %s (%s's speaker) and %s (its kernel), one every %d-%d ms, from the lab's"
        + " client; load average %s%n", requests, vip, node, announcer.lan4(), MIN_GAP_MS, MAX_GAP_MS, load);
    String ns = layout.client().namespace();
    long[] kernel = new long[requests];
    long[] ours = new long[requests];
    // Only ARP replies (opcode 2 at offset 20): the client's socket must not queue the LAN's requests.
    Bpf.Program replies = new Bpf.Program(List.of(new Bpf.Insn(0x28, 0, 0, 20), new Bpf.Insn(0x15, 0, 1, 2), new Bpf.Insn(0x06, 0, 0, 0x40000),
        new Bpf.Insn(0x06, 0, 0, 0)));
    try (PacketSocket s = NetNamespace.call(ns, () -> PacketSocket.open(PacketSocket.ETH_P_ARP, replies, Duration.ofMillis(20)))) {
      int ifindex = NetNamespace.call(ns, () -> ArpBench.index(LabLayout.CLIENT_IF));
      byte[] askVip = request(myMac, me, vipIp);
      byte[] askNode = request(myMac, me, nodeIp);
      for (int i = 0; i < requests; i++) {
        // In turn, and each series first half the time, so neither always follows the other.
        boolean vipFirst = (i & 1) == 0;
        long a = ask(s, ifindex, vipFirst ? askVip : askNode, vipFirst ? vipIp : nodeIp, myMac);
        pause();
        long b = ask(s, ifindex, vipFirst ? askNode : askVip, vipFirst ? nodeIp : vipIp, myMac);
        pause();
        ours[i] = vipFirst ? a : b;
        kernel[i] = vipFirst ? b : a;
      }
    }
    ArpBench.print("kernel (node address), sparse", kernel);
    ArpBench.print("IronLB speaker (VIP), sparse", ours);
    if (json != null) {
      JsonMapper mapper = JsonMapper.builder().build();
      Map<String, Object> doc = Files.exists(json) ? BenchResults.map(mapper.readValue(Files.readString(json), Object.class))
          : new LinkedHashMap<>();
      Map<String, Object> out = new LinkedHashMap<>(doc);
      Map<String, Object> sparse = new LinkedHashMap<>();
      sparse.put("requests", requests);
      sparse.put("gapMs", List.of(MIN_GAP_MS, MAX_GAP_MS));
      sparse.put("loadAverage", load);
      sparse.put("node", node);
      sparse.put("vip", vip);
      sparse.put("jvmFlags", String.join(" ", SelfCommand.Deployed.SPEAKER.jvmFlags()));
      sparse.put("kernelNs", kernel);
      sparse.put("ironlbNs", ours);
      out.put("sparse", sparse);
      Files.writeString(json, mapper.writeValueAsString(out) + "\n");
    }
  }

  private static byte[] request(MacAddress mac, Inet4Address me, Inet4Address target) {
    return new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, mac, EthernetHeader.ETHERTYPE_ARP),
        new ArpPacket(ArpPacket.Operation.REQUEST, mac, me, MacAddress.ZERO, target)).encode();
  }

  /** One request and the round trip to its reply in ns, or -1 when none came within 200 ms. */
  private static long ask(PacketSocket s, int ifindex, byte[] req, Inet4Address target, MacAddress me) throws Exception {
    boolean[] got = new boolean[1];
    long start = System.nanoTime();
    s.send(ifindex, ByteBuffer.wrap(req));
    long end = start;
    while (!got[0] && System.nanoTime() - start < REPLY_WAIT_NANOS) {
      s.receive((idx, outgoing, frame) -> {
        if (!outgoing && Frame.decode(frame) instanceof Decoded.Ok<Frame>(Frame.Arp a) && a.arp().operation() == ArpPacket.Operation.REPLY
            && a.arp().senderIp().equals(target) && a.ethernet().destination().equals(me)) {
          got[0] = true;
        }
      });
      end = System.nanoTime();
    }
    return got[0] ? end - start : -1;
  }

  private static void pause() {
    LockSupport.parkNanos(Duration.ofMillis(ThreadLocalRandom.current().nextInt(MIN_GAP_MS, MAX_GAP_MS + 1)).toNanos());
  }
}
