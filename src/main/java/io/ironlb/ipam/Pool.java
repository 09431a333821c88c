package io.ironlb.ipam;

import io.ironlb.model.LabelSelector;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A validated, immutable {@code IPAddressPool}. Build one with {@link #parse}. */
public final class Pool {

  private final PoolSpec spec;

  private Pool(PoolSpec spec) {
    this.spec = spec;
  }

  /** Validates one pool on its own; cross-pool and node-IP checks are {@link PoolSet}'s. */
  public static PoolValidation parse(PoolSpec spec) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public String name() {
    return spec.name();
  }

  public PoolSpec spec() {
    return spec;
  }

  public boolean autoAssign() {
    return spec.autoAssign();
  }

  public boolean avoidBuggyIPs() {
    return spec.avoidBuggyIPs();
  }

  /** {@code serviceAllocation.priority}; null when unset (sorts last). */
  public Integer priority() {
    return spec.priority();
  }

  public List<String> namespaces() {
    return spec.namespaces();
  }

  public List<LabelSelector> namespaceSelectors() {
    return spec.namespaceSelectors();
  }

  public List<LabelSelector> serviceSelectors() {
    return spec.serviceSelectors();
  }

  /** Whether a service in namespace {@code namespace} with these labels may take addresses from this pool. */
  public boolean allows(String namespace, Map<String, String> namespaceLabels, Map<String, String> serviceLabels) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Whether the address is in one of the pool's ranges (a .0/.255 skipped by avoidBuggyIPs still counts as contained). */
  public boolean contains(InetAddress ip) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** Whether the pool may hand out this address: contained and not skipped by avoidBuggyIPs. */
  public boolean assignable(InetAddress ip) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** How many addresses of the family the pool can hand out, after avoidBuggyIPs. */
  public BigInteger size(IpFamily f) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public boolean hasFamily(IpFamily f) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  /** The first overlap with another pool's addresses, described for a user, or empty. */
  public Optional<String> overlapWith(Pool other) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  @Override
  public String toString() {
    return "Pool[" + spec.name() + " " + spec.addresses() + "]";
  }
}
