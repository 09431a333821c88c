package io.ironlb.k8s;

/** IronLB's own annotation keys, beyond MetalLB's. */
public final class IronLb {
  /** On a Service, written by a speaker: {@code "<ip> <mac>"} of a device outside the cluster that holds the address. */
  public static final String ANNOTATION_IP_CONFLICT = "ironlb.io/ip-conflict";
  /** On a Node, written by its speaker: the MACs of its interfaces, so other speakers know cluster MACs from foreign ones. */
  public static final String ANNOTATION_NODE_MACS = "ironlb.io/mac-addresses";
  /**
   * On a Node, written by its speaker: its interfaces (kind, master, whether IronLB may announce on
   * each, subnets), so {@code ironlb check} can judge a setup it cannot see from the operator's machine.
   */
  public static final String ANNOTATION_NODE_INTERFACES = "ironlb.io/interfaces";
  /** On a Node, written by its speaker: {@code host:port} where its membership endpoint listens. */
  public static final String ANNOTATION_MEMBERSHIP = "ironlb.io/membership-address";
  public static final String SPEAKER_COMPONENT = "metallb-speaker";

  private IronLb() {}
}
