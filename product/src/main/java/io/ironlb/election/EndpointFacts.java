package io.ironlb.election;

/** One endpoint of the service: the node it runs on ({@link #NO_NODE} when the slice does not say) and whether it can take traffic. */
public record EndpointFacts(String node, boolean serving) {
  /** The node of an endpoint whose slice names none: it serves, but makes no node eligible under Local policy. */
  public static final String NO_NODE = "";
}
