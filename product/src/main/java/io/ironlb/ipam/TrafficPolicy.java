package io.ironlb.ipam;

/** {@code spec.externalTrafficPolicy}. */
public enum TrafficPolicy { CLUSTER, LOCAL }
