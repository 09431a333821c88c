package io.ironlb.election;

/** One endpoint of the service: the node it runs on and whether it can take traffic. */
public record EndpointFacts(String node, boolean serving) {}
