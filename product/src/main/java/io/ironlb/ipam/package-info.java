/**
 * Address pools and the allocator: pure Java, no Kubernetes or socket types.
 *
 * <p>Semantics follow MetalLB v0.13-v0.16 ({@code internal/allocator}, {@code internal/config}):
 * pools parsed from {@code IPAddressPool}, first free address per family, entries walked in the
 * order the pool lists them, sharing by {@code allow-shared-ip} key with disjoint ports and equal
 * traffic policy (and selectors for {@code Local}), {@code avoidBuggyIPs} skipping IPv4 .0/.255.
 *
 * <p>Which pool a service gets its address from, when it names neither an address nor a pool:
 * <ol>
 *   <li>Every auto-assign pool with a {@code serviceAllocation} that allows the service: its
 *       namespace is listed or matches a namespace selector (when either is given) and its labels
 *       match a service selector (when any is given). A {@code serviceAllocation} with only a
 *       {@code priority}, or an empty one, allows every service. These pools are ranked by
 *       priority: positive values ascending, then unset (0 counts as unset); the first pool that
 *       can give every family the service needs is used.
 *   <li>Only when none of them can: the auto-assign pools without a {@code serviceAllocation}.
 * </ol>
 * For example pool A ({@code namespaces: [ns1]}, priority 5) and pool B (priority 1 only): a
 * Service in ns1 gets B's address, and A's only once B is full.
 *
 * <p>Where IronLB decides differently, on purpose:
 * <ul>
 *   <li>Ties go by pool name: between pools of equal priority, between unset ones, and among the
 *       pools without a {@code serviceAllocation}. MetalLB leaves these to Go's map and sort
 *       order, which users see as random.
 *   <li>A negative priority is refused (MetalLB accepts it and sorts it inconsistently).
 *   <li>A {@code Local} service with no selector never shares with a {@code Cluster} one (MetalLB's
 *       backend keys would both be empty).
 *   <li>A PreferDualStack service may request one address of one of its families.
 *   <li>An empty {@code current} in {@link io.ironlb.ipam.Allocator#assign} keeps what the allocator
 *       already holds for the service (MetalLB releases and allocates again), so a lagging status
 *       never moves an address.
 *   <li>Addresses marked foreign (conflict reports) are never handed out and count as unavailable.
 *   <li>Pool sizes never enumerate a pool, and counts above {@link Long#MAX_VALUE} saturate.
 * </ul>
 */
package io.ironlb.ipam;
