package io.ironlb.l2;

/** Why a received frame got no answer. Every frame the responder does not answer has one. */
public enum DropReason {
  /** Sent by this host (packet type OUTGOING) or from the ingress interface's own MAC. */
  OWN_FRAME,
  /** The decoder refused it (see {@code Malformation} for the rule). */
  MALFORMED,
  /** Neither ARP nor a neighbour solicitation/advertisement. */
  NOT_ARP_OR_NEIGHBOR_DISCOVERY,
  /** Arrived on an interface the last discovery did not know. */
  UNKNOWN_INTERFACE,
  /** Addressed to another host's MAC (or to a multicast group that does not match). */
  ETHERNET_DESTINATION,
  /** An ARP reply or neighbour advertisement: nothing to answer. */
  NOT_A_REQUEST,
  /** An ARP announcement (sender IP = target IP): someone telling, not asking. */
  GRATUITOUS,
  /** Neighbour discovery with hop limit other than 255 (RFC 4861 7.1): may come from off-link. */
  NDP_HOP_LIMIT,
  /** Asks for an address this node does not announce on that interface. */
  NOT_ANNOUNCED,
  /** The requester asked for this address too often (token bucket per source MAC and address). */
  RATE_LIMITED,
  /** The requester asked for too many answers over all addresses (its larger per-MAC ceiling). */
  RATE_LIMITED_REQUESTER,
  /** All requesters together exceeded the global cap (a flood from many, likely forged, MACs). */
  RATE_LIMITED_GLOBAL,
  /** The reply could not be sent (the link went down, for instance). */
  SEND_FAILED
}
