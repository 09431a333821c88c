package io.ironlb.election;

/**
 * One endpoint of the service: the node it runs on and whether it can take traffic.
 *
 * @param node null when the endpoint names no node: as in MetalLB, it still counts as a serving
 *     endpoint of the service, but makes no node eligible under {@code externalTrafficPolicy: Local}
 */
public record EndpointFacts(String node, boolean serving) {}
