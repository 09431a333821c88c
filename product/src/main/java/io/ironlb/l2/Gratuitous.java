package io.ironlb.l2;

import io.ironlb.l2.packet.Addresses;
import io.ironlb.l2.packet.ArpPacket;
import io.ironlb.l2.packet.EthernetHeader;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.Ipv6Header;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.l2.packet.NdpMessage;
import io.ironlb.l2.packet.NdpOption;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/** The frames that tell a segment "this IP is at this MAC", and the ones that ask "is it taken?". */
final class Gratuitous {

  /** Frames in the largest round {@link #announcements} builds (IPv4: request and reply forms). */
  static final int MAX_FRAMES_PER_ROUND = 2;

  private Gratuitous() {}

  /** How many frames {@link #announcements} builds for {@code vip}. */
  static int frameCount(InetAddress vip) {
    return vip instanceof Inet4Address ? 2 : 1;
  }

  /**
   * IPv4: a gratuitous request and a gratuitous reply (devices differ in which one updates their
   * cache). IPv6: an unsolicited advertisement to all nodes with the Override flag, sourced from
   * the VIP itself as Linux does for its own addresses.
   */
  static List<byte[]> announcements(InetAddress vip, MacAddress mac) {
    return switch (vip) {
      case Inet4Address v4 -> List.of(
          new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, mac, EthernetHeader.ETHERTYPE_ARP),
              ArpPacket.gratuitousRequest(mac, v4)).encode(),
          new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, mac, EthernetHeader.ETHERTYPE_ARP),
              ArpPacket.gratuitousReply(mac, v4)).encode());
      case Inet6Address v6 -> List.of(new Frame.Ndp(
          EthernetHeader.untagged(MacAddress.IPV6_ALL_NODES, mac, EthernetHeader.ETHERTYPE_IPV6),
          Ipv6Header.forNdp(v6, Addresses.IPV6_ALL_NODES),
          new NdpMessage.NeighborAdvertisement(false, false, true, v6, List.of(new NdpOption.TargetLinkLayer(mac)))).encode());
      default -> throw new IllegalArgumentException("not an IP address: " + vip);
    };
  }

  /** RFC 5227 ARP probe, or an RFC 4862 duplicate address detection solicitation. */
  static byte[] probe(InetAddress ip, MacAddress mac) {
    return switch (ip) {
      case Inet4Address v4 -> new Frame.Arp(EthernetHeader.untagged(MacAddress.BROADCAST, mac, EthernetHeader.ETHERTYPE_ARP),
          ArpPacket.probe(mac, v4)).encode();
      case Inet6Address v6 -> {
        Inet6Address group = Addresses.solicitedNode(v6);
        yield new Frame.Ndp(EthernetHeader.untagged(MacAddress.ofIpv6Multicast(group), mac, EthernetHeader.ETHERTYPE_IPV6),
            Ipv6Header.forNdp(Addresses.IPV6_UNSPECIFIED, group), new NdpMessage.NeighborSolicitation(v6, List.of())).encode();
      }
      default -> throw new IllegalArgumentException("not an IP address: " + ip);
    };
  }

  /** The multicast MAC on which neighbour solicitations for {@code ip} arrive, or null for IPv4. */
  static MacAddress solicitedNodeGroup(InetAddress ip) {
    return ip instanceof Inet6Address v6 ? MacAddress.ofIpv6Multicast(Addresses.solicitedNode(v6)) : null;
  }
}
