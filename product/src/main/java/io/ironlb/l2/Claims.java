package io.ironlb.l2;

import io.ironlb.l2.packet.ArpPacket;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.l2.packet.NdpMessage;
import java.net.InetAddress;

/** Reads from a frame which host says it has which address: the evidence probes and watchers use. */
final class Claims {

  private Claims() {}

  /** A claim that {@code mac} has {@code ip}; {@code simultaneousProbe} for someone else probing for it. */
  record Evidence(InetAddress ip, MacAddress mac, String what, boolean simultaneousProbe) {}

  /** The claim a frame makes, or null when it claims no address. */
  static Evidence of(Frame frame) {
    return switch (frame) {
      case Frame.Arp(var eth, ArpPacket arp) -> {
        if (arp.isProbe()) {
          yield new Evidence(arp.targetIp(), arp.senderMac(), "ARP probe", true);
        }
        if (arp.senderIp().isAnyLocalAddress()) {
          yield null;
        }
        String what = arp.isGratuitous() ? "gratuitous ARP" : arp.operation() == ArpPacket.Operation.REPLY ? "ARP reply" : "ARP request";
        yield new Evidence(arp.senderIp(), arp.senderMac(), what, false);
      }
      case Frame.Ndp(var eth, var ip, NdpMessage.NeighborAdvertisement na) ->
          new Evidence(na.target(), na.targetLinkLayer().orElse(eth.source()), "neighbour advertisement", false);
      case Frame.Ndp(var eth, var ip, NdpMessage.NeighborSolicitation ns) -> {
        if (ip.source().isAnyLocalAddress()) {
          yield new Evidence(ns.target(), eth.source(), "duplicate address detection", true);
        }
        yield new Evidence(ip.source(), ns.sourceLinkLayer().orElse(eth.source()), "neighbour solicitation from the address", false);
      }
      case Frame.Other o -> null;
    };
  }
}
