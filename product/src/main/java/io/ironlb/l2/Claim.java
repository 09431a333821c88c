package io.ironlb.l2;

import io.ironlb.l2.packet.MacAddress;
import java.net.InetAddress;

/**
 * Another MAC said it has an address this node announces. Reported once per episode; the caller
 * decides whether {@code mac} is a cluster node (split brain) or a foreign device (conflict).
 *
 * @param evidence what was seen, e.g. "ARP reply", "gratuitous ARP", "neighbour advertisement"
 */
public record Claim(InetAddress ip, MacAddress mac, String interfaceName, String evidence) {}
