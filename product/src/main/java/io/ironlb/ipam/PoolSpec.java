package io.ironlb.ipam;

import io.ironlb.model.LabelSelector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An {@code IPAddressPool} as the user wrote it, not yet validated (see {@link Pool#parse}).
 * {@code priority} null means unset, which sorts after every set priority.
 * {@code hasServiceAllocation} says whether {@code spec.serviceAllocation} is there at all: a pool
 * that has one, even only a priority or {@code {}}, is ranked with the pools reserved for the
 * service and tried before every pool without one (MetalLB's rule, see the package doc).
 */
public record PoolSpec(
    String name,
    List<String> addresses,
    boolean autoAssign,
    boolean avoidBuggyIPs,
    Integer priority,
    List<String> namespaces,
    List<LabelSelector> namespaceSelectors,
    List<LabelSelector> serviceSelectors,
    boolean hasServiceAllocation) {

  public PoolSpec {
    // Not List.copyOf: an empty entry (null) must reach Pool.parse, which names it, instead of
    // failing here with a NullPointerException that says nothing about the pool.
    addresses = addresses == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(addresses));
    namespaces = namespaces == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(namespaces));
    namespaceSelectors = namespaceSelectors == null ? List.of() : List.copyOf(namespaceSelectors);
    serviceSelectors = serviceSelectors == null ? List.of() : List.copyOf(serviceSelectors);
    hasServiceAllocation = hasServiceAllocation || priority != null || !namespaces.isEmpty()
        || !namespaceSelectors.isEmpty() || !serviceSelectors.isEmpty();
  }

  /**
   * A spec whose {@code serviceAllocation} is present exactly when one of its fields is set; an
   * empty {@code serviceAllocation: {}} needs the canonical constructor.
   */
  public PoolSpec(String name, List<String> addresses, boolean autoAssign, boolean avoidBuggyIPs, Integer priority,
      List<String> namespaces, List<LabelSelector> namespaceSelectors, List<LabelSelector> serviceSelectors) {
    this(name, addresses, autoAssign, avoidBuggyIPs, priority, namespaces, namespaceSelectors, serviceSelectors, false);
  }

  /** A pool with only addresses: auto-assigned, no buggy-IP avoidance, no serviceAllocation. */
  public static PoolSpec of(String name, String... addresses) {
    return new PoolSpec(name, List.of(addresses), true, false, null, List.of(), List.of(), List.of());
  }
}
