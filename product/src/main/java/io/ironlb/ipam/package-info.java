/**
 * Address pools and the allocator: pure Java, no Kubernetes or socket types.
 *
 * <p>Semantics follow MetalLB v0.13-v0.16 ({@code internal/allocator}, {@code internal/config}):
 * pools parsed from {@code IPAddressPool}, first free address per family, entries walked in the
 * order the pool lists them, pools whose {@code serviceAllocation} selects the service before
 * pools without one, each group by priority (lower first, unset or 0 last), sharing by
 * {@code allow-shared-ip} key with disjoint ports and equal traffic policy (and selectors for
 * {@code Local}), {@code avoidBuggyIPs} skipping IPv4 .0/.255. Where IronLB decides differently,
 * on purpose:
 * <ul>
 *   <li>Ties between pools of equal priority go by name (MetalLB: Go map order, i.e. random).
 *   <li>A pool with {@code serviceAllocation} holding only a priority is an ordinary pool ordered by
 *       that priority (MetalLB never auto-assigns from it).
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
