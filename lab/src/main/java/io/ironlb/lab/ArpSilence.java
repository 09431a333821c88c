package io.ironlb.lab;

import io.ironlb.netns.Netns;
import java.math.BigInteger;
import java.net.InetAddress;

/**
 * A node whose answers for service addresses never reach the LAN while everything else works (the
 * field failure "the elected node looks healthy but nobody can resolve the VIP"): an nftables
 * {@code netdev} egress chain on the node's LAN link drops ARP frames whose sender is a pool
 * address (replies and gratuitous ARP) and IPv6 neighbour advertisements whose target is one. It
 * sits below the packet sockets, so it drops the speaker's raw frames as a broken NIC, driver or
 * switch port would; the node's own addresses, its ARP probes (sender 0.0.0.0) and its membership
 * traffic pass.
 */
public final class ArpSilence {
  static final String TABLE = "ironlb_lab_silence";

  private ArpSilence() {}

  /** The table for {@code layout}'s pool on {@code layout}'s node LAN interface (it replaces an earlier one). */
  static String script(LabLayout layout) {
    return "table netdev " + TABLE + "\n"
        + "delete table netdev " + TABLE + "\n"
        + "table netdev " + TABLE + " {\n"
        + "  chain egress {\n"
        + "    type filter hook egress device \"" + LabLayout.NODE_LAN_IF + "\" priority 0; policy accept;\n"
        + "    arp saddr ip " + layout.poolRange4() + " counter drop\n"
        // The target address sits 8 bytes into the ICMPv6 header; nft compares it as a 128-bit number.
        + "    icmpv6 type nd-neighbor-advert @th,64,128 " + hex(layout.lan6().host(LabLayout.v6(LabLayout.POOL_FIRST))) + "-"
        + hex(layout.lan6().host(LabLayout.v6(LabLayout.POOL_LAST))) + " counter drop\n"
        + "  }\n"
        + "}\n";
  }

  private static String hex(String ipv6) {
    String digits = new BigInteger(1, InetAddress.ofLiteral(ipv6).getAddress()).toString(16);
    return "0x" + "0".repeat(32 - digits.length()) + digits;
  }

  /** Silences {@code node}'s answers for pool addresses. */
  public static void apply(LabLayout layout, LabLayout.Node node) {
    Netns.nft(node.namespace(), script(layout));
  }

  /** Lets them out again; nothing when {@code node} is not silenced. */
  public static void lift(LabLayout.Node node) {
    if (on(node)) {
      Netns.exec(node.namespace(), Netns.TIMEOUT, "nft", "delete", "table", "netdev", TABLE).orThrow();
    }
  }

  public static boolean on(LabLayout.Node node) {
    return Netns.exists(node.namespace()) && Netns.exec(node.namespace(), Netns.TIMEOUT, "nft", "list", "table", "netdev", TABLE).ok();
  }
}
