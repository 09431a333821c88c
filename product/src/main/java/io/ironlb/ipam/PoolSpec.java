package io.ironlb.ipam;

import io.ironlb.model.LabelSelector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An {@code IPAddressPool} as the user wrote it, not yet validated (see {@link Pool#parse}).
 * {@code priority} null means unset, which sorts after every set priority.
 */
public record PoolSpec(
    String name,
    List<String> addresses,
    boolean autoAssign,
    boolean avoidBuggyIPs,
    Integer priority,
    List<String> namespaces,
    List<LabelSelector> namespaceSelectors,
    List<LabelSelector> serviceSelectors) {

  public PoolSpec {
    // Not List.copyOf: an empty entry (null) must reach Pool.parse, which names it, instead of
    // failing here with a NullPointerException that says nothing about the pool.
    addresses = addresses == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(addresses));
    namespaces = namespaces == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(namespaces));
    namespaceSelectors = namespaceSelectors == null ? List.of() : List.copyOf(namespaceSelectors);
    serviceSelectors = serviceSelectors == null ? List.of() : List.copyOf(serviceSelectors);
  }

  /** A pool with only addresses: auto-assigned, no buggy-IP avoidance, no serviceAllocation. */
  public static PoolSpec of(String name, String... addresses) {
    return new PoolSpec(name, List.of(addresses), true, false, null, List.of(), List.of(), List.of());
  }
}
