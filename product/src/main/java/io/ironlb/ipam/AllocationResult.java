package io.ironlb.ipam;

import java.net.InetAddress;
import java.util.List;

/** The outcome of {@link Allocator#assign}. */
public sealed interface AllocationResult {
  /** {@code ips} holds at most one address per family, IPv4 first; {@code changed} is false when the current addresses were kept. */
  record Allocated(String pool, List<InetAddress> ips, boolean changed) implements AllocationResult {
    public Allocated {
      ips = List.copyOf(ips);
    }
  }

  /** The service holds no address after this; {@code reason} names the values involved. */
  record Failed(String reason) implements AllocationResult {}
}
