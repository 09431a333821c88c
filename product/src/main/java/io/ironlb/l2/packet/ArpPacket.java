package io.ironlb.l2.packet;

import java.net.Inet4Address;
import java.nio.ByteBuffer;

/** An ARP packet for IPv4 over Ethernet (RFC 826), the only kind a load balancer answers. */
public record ArpPacket(Operation operation, MacAddress senderMac, Inet4Address senderIp, MacAddress targetMac, Inet4Address targetIp) {

  public static final int LENGTH = 28;

  public enum Operation {
    REQUEST(1),
    REPLY(2);

    public final int code;

    Operation(int code) {
      this.code = code;
    }
  }

  /** The reply to this request: we are {@code mac}, the sender learns it. */
  public ArpPacket replyWith(MacAddress mac) {
    return new ArpPacket(Operation.REPLY, mac, targetIp, senderMac, senderIp);
  }

  /** Gratuitous ARP, request form: sender and target IP are both the announced address. */
  public static ArpPacket gratuitousRequest(MacAddress mac, Inet4Address ip) {
    return new ArpPacket(Operation.REQUEST, mac, ip, MacAddress.ZERO, ip);
  }

  /** Gratuitous ARP, reply form (some devices only update their cache on replies). */
  public static ArpPacket gratuitousReply(MacAddress mac, Inet4Address ip) {
    return new ArpPacket(Operation.REPLY, mac, ip, MacAddress.BROADCAST, ip);
  }

  /** An RFC 5227 probe: sender IP 0.0.0.0 so that no one's cache learns anything from it. */
  public static ArpPacket probe(MacAddress mac, Inet4Address ip) {
    return new ArpPacket(Operation.REQUEST, mac, Addresses.IPV4_UNSPECIFIED, MacAddress.ZERO, ip);
  }

  /** Sender and target IP are the same: an announcement (gratuitous ARP or RFC 5227 announcement). */
  public boolean isGratuitous() {
    return senderIp.equals(targetIp);
  }

  public boolean isProbe() {
    return operation == Operation.REQUEST && senderIp.equals(Addresses.IPV4_UNSPECIFIED);
  }

  /** Consumes 28 bytes at the buffer's position. Trailing bytes (Ethernet padding) are left alone. */
  public static Decoded<ArpPacket> decode(ByteBuffer in) {
    if (in.remaining() < LENGTH) {
      return Decoded.malformed(Malformation.TRUNCATED, "ARP needs 28 bytes, have " + in.remaining());
    }
    int htype = in.getShort() & 0xffff;
    int ptype = in.getShort() & 0xffff;
    int hlen = in.get() & 0xff;
    int plen = in.get() & 0xff;
    int op = in.getShort() & 0xffff;
    if (htype != 1) {
      return Decoded.malformed(Malformation.ARP_HARDWARE_TYPE, "hardware type " + htype + ", not Ethernet (1)");
    }
    if (ptype != EthernetHeader.ETHERTYPE_IPV4) {
      return Decoded.malformed(Malformation.ARP_PROTOCOL_TYPE, "protocol type 0x" + Integer.toHexString(ptype) + ", not IPv4");
    }
    if (hlen != 6 || plen != 4) {
      return Decoded.malformed(Malformation.ARP_ADDRESS_LENGTHS, "address lengths " + hlen + "/" + plen + ", not 6/4");
    }
    Operation operation;
    if (op == 1) {
      operation = Operation.REQUEST;
    } else if (op == 2) {
      operation = Operation.REPLY;
    } else {
      return Decoded.malformed(Malformation.ARP_OPERATION, "operation " + op + ", neither request (1) nor reply (2)");
    }
    MacAddress sha = MacAddress.read(in);
    Inet4Address spa = Addresses.readInet4(in);
    MacAddress tha = MacAddress.read(in);
    Inet4Address tpa = Addresses.readInet4(in);
    return Decoded.ok(new ArpPacket(operation, sha, spa, tha, tpa));
  }

  public void encode(ByteBuffer out) {
    out.putShort((short) 1);
    out.putShort((short) EthernetHeader.ETHERTYPE_IPV4);
    out.put((byte) 6);
    out.put((byte) 4);
    out.putShort((short) operation.code);
    senderMac.write(out);
    out.put(senderIp.getAddress());
    targetMac.write(out);
    out.put(targetIp.getAddress());
  }

  @Override
  public String toString() {
    return "ARP " + operation + " " + senderMac + "/" + senderIp.getHostAddress() + " -> " + targetMac + "/" + targetIp.getHostAddress();
  }
}
