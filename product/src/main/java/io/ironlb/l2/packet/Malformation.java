package io.ironlb.l2.packet;

/** Why a decoder refused its input. One constant per rule, so a test can name the rule it breaks. */
public enum Malformation {
  /** Fewer bytes than the header or the declared length needs. */
  TRUNCATED,
  /** ARP for a link layer other than Ethernet (hardware type 1). */
  ARP_HARDWARE_TYPE,
  /** ARP for a protocol other than IPv4 (0x0800). */
  ARP_PROTOCOL_TYPE,
  /** ARP hardware/protocol address lengths other than 6/4. */
  ARP_ADDRESS_LENGTHS,
  /** ARP operation other than request (1) or reply (2). */
  ARP_OPERATION,
  /** IP version field is not 6. */
  IPV6_VERSION,
  /** ICMPv6 checksum does not match the pseudo-header and message. */
  ICMPV6_CHECKSUM,
  /** ICMPv6 type is not a neighbour solicitation (135) or advertisement (136). */
  ICMPV6_TYPE,
  /** Neighbour discovery with ICMP code other than 0 (RFC 4861 7.1: discard). */
  NDP_CODE,
  /** A neighbour discovery option with length 0 (RFC 4861 4.6: discard the packet). */
  NDP_OPTION_LENGTH_ZERO,
  /** A link-layer address option whose length is not one 8-byte unit (Ethernet). */
  NDP_LINK_LAYER_OPTION_LENGTH,
  /** Neighbour discovery about a multicast target (RFC 4861 7.1: discard). */
  NDP_TARGET_MULTICAST,
  /** Duplicate address detection (source ::) carrying a source link-layer option (RFC 4861 7.1.1). */
  NDP_UNSPECIFIED_SOURCE_WITH_LINK_LAYER_OPTION
}
