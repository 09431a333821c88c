package io.ironlb.ipam;

import io.ironlb.model.ServiceKey;
import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Hands out pool addresses to services, MetalLB's way. Not thread-safe: the controller calls it
 * from one thread. Never enumerates a pool: cost grows with what is allocated, not pool size.
 */
public final class Allocator {

  /**
   * Replaces the usable pools. Returns the services whose addresses are no longer inside a usable
   * pool (pool deleted or shrunk); they have been released. Nothing else moves.
   */
  public List<ServiceKey> setPools(Collection<Pool> usablePools) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /**
   * Keeps {@code current} (the addresses in the Service's status, possibly empty) when still valid
   * for the request, else releases and allocates anew. Used both for normal reconciles and for
   * rebuilding state after a restart.
   */
  public AllocationResult assign(ServiceRequest request, List<InetAddress> current) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public void release(ServiceKey key) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Marks an address a device outside the cluster owns (conflict reports from speakers): never handed out while marked. */
  public void markForeign(InetAddress ip, String owner) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public void clearForeign(InetAddress ip) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public Map<InetAddress, String> foreign() {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public Optional<Allocation> allocationOf(ServiceKey key) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Status counts of a usable pool; {@link PoolUsage#NONE} for a pool the allocator does not know. */
  public PoolUsage usage(String poolName) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
