package io.ironlb.ipam;

/**
 * The counts of an {@code IPAddressPool}'s status. Addresses held by several sharing services count
 * once; addresses marked foreign count as neither assigned nor available. Each count saturates at
 * {@link Long#MAX_VALUE} (an IPv6 /64 holds 2^64 addresses).
 */
public record PoolUsage(long assignedIPv4, long assignedIPv6, long availableIPv4, long availableIPv6) {
  public static final PoolUsage NONE = new PoolUsage(0, 0, 0, 0);
}
