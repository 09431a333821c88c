package io.ironlb.l2;

import io.ironlb.l2.packet.Addresses;
import io.ironlb.l2.packet.ArpPacket;
import io.ironlb.l2.packet.EthernetHeader;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.Ipv6Header;
import io.ironlb.l2.packet.MacAddress;
import io.ironlb.l2.packet.NdpMessage;
import io.ironlb.l2.packet.NdpOption;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Answers ARP requests and neighbour solicitations for the addresses an {@link AnswerPolicy}
 * allows, with the MAC of the interface the request came in on. It knows nothing about services.
 * Every frame gets an {@link Outcome}: answered, or dropped with a named reason.
 *
 * <p>Runs on the receive threads; replies are encoded into a buffer per thread.
 */
public final class Responder {

  private final AnswerPolicy policy;
  private final Link link;
  private final Layer2Stats stats;
  private final RateLimiter limiter;
  private final RequestWatch watched;
  private final ThreadLocal<ByteBuffer> replyBuffer = ThreadLocal.withInitial(() -> ByteBuffer.allocate(256));

  Responder(AnswerPolicy policy, Link link, Layer2Stats stats, RateLimiter limiter, RequestWatch watched) {
    this.policy = policy;
    this.link = link;
    this.stats = stats;
    this.limiter = limiter;
    this.watched = watched;
  }

  /** Decides about one decoded frame that arrived on {@code ingress}. */
  public Outcome answer(NetInterface ingress, Frame frame) {
    return switch (frame) {
      case Frame.Arp arp -> answerArp(ingress, arp);
      case Frame.Ndp ndp -> answerNdp(ingress, ndp);
      case Frame.Other other -> Outcome.dropped(DropReason.NOT_ARP_OR_NEIGHBOR_DISCOVERY);
    };
  }

  private Outcome answerArp(NetInterface ingress, Frame.Arp frame) {
    EthernetHeader eth = frame.ethernet();
    ArpPacket req = frame.arp();
    if (!eth.destination().isBroadcast() && !eth.destination().equals(ingress.mac())) {
      return Outcome.dropped(DropReason.ETHERNET_DESTINATION);
    }
    if (req.operation() != ArpPacket.Operation.REQUEST) {
      return Outcome.dropped(DropReason.NOT_A_REQUEST);
    }
    if (req.isGratuitous()) {
      return Outcome.dropped(DropReason.GRATUITOUS);
    }
    InetAddress ip = req.targetIp();
    if (!policy.shouldAnswer(ip, ingress)) {
      watched.heard(ip);
      return Outcome.dropped(DropReason.NOT_ANNOUNCED);
    }
    stats.requestReceived(ip);
    RateLimiter.Verdict verdict = limiter.allow(eth.source(), ip);
    if (verdict != RateLimiter.Verdict.ALLOWED) {
      return Outcome.dropped(reason(verdict));
    }
    ByteBuffer out = replyBuffer.get().clear();
    new Frame.Arp(eth.replyFrom(ingress.mac(), req.senderMac()), req.replyWith(ingress.mac())).encode(out);
    return send(ingress, ip, out.flip());
  }

  private Outcome answerNdp(NetInterface ingress, Frame.Ndp frame) {
    EthernetHeader eth = frame.ethernet();
    Ipv6Header ip = frame.ip();
    MacAddress dst = eth.destination();
    boolean toUs = dst.equals(ingress.mac());
    boolean toItsGroup = dst.isMulticast() && ip.destination().isMulticastAddress() && dst.equals(MacAddress.ofIpv6Multicast(ip.destination()));
    if (!toUs && !toItsGroup) {
      return Outcome.dropped(DropReason.ETHERNET_DESTINATION);
    }
    if (!(frame.message() instanceof NdpMessage.NeighborSolicitation ns)) {
      return Outcome.dropped(DropReason.NOT_A_REQUEST);
    }
    if (ip.hopLimit() != 255) {
      return Outcome.dropped(DropReason.NDP_HOP_LIMIT);
    }
    Inet6Address target = ns.target();
    if (!policy.shouldAnswer(target, ingress)) {
      watched.heard(target);
      return Outcome.dropped(DropReason.NOT_ANNOUNCED);
    }
    stats.requestReceived(target);
    RateLimiter.Verdict verdict = limiter.allow(eth.source(), target);
    if (verdict != RateLimiter.Verdict.ALLOWED) {
      return Outcome.dropped(reason(verdict));
    }
    boolean dad = ip.source().isAnyLocalAddress();
    // Duplicate address detection has no address to answer to: tell all nodes (RFC 4861 7.2.4).
    Inet6Address replyTo = dad ? Addresses.IPV6_ALL_NODES : ip.source();
    MacAddress replyMac = dad ? MacAddress.IPV6_ALL_NODES : ns.sourceLinkLayer().orElse(eth.source());
    var na = new NdpMessage.NeighborAdvertisement(false, !dad, true, target, List.of(new NdpOption.TargetLinkLayer(ingress.mac())));
    ByteBuffer out = replyBuffer.get().clear();
    new Frame.Ndp(eth.replyFrom(ingress.mac(), replyMac), Ipv6Header.forNdp(target, replyTo), na).encode(out);
    return send(ingress, target, out.flip());
  }

  private static DropReason reason(RateLimiter.Verdict refusal) {
    return switch (refusal) {
      case ALLOWED -> throw new IllegalArgumentException("an allowed answer is not a drop");
      case PER_ADDRESS -> DropReason.RATE_LIMITED;
      case PER_REQUESTER -> DropReason.RATE_LIMITED_REQUESTER;
      case GLOBAL -> DropReason.RATE_LIMITED_GLOBAL;
    };
  }

  private Outcome send(NetInterface ingress, InetAddress ip, ByteBuffer frame) {
    try {
      link.send(ingress.index(), frame);
    } catch (IOException e) {
      return Outcome.dropped(DropReason.SEND_FAILED);
    }
    stats.responseSent(ip);
    return new Outcome.Answered(ip, ingress.name());
  }
}
