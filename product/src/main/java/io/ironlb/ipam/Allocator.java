package io.ironlb.ipam;

import io.ironlb.model.IpText;
import io.ironlb.ipam.Sharing.Claim;
import io.ironlb.model.ServiceKey;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Hands out pool addresses to services, MetalLB's way. Not thread-safe: the controller calls it
 * from one thread. Never enumerates a pool: cost grows with what is allocated, not pool size.
 *
 * <p>Restart: {@link #restore} every service that has addresses in its status first (it keeps
 * what is still valid and allocates nothing), then {@link #assign} as usual. With assign() alone a
 * service whose status became invalid, or a PreferDualStack service gaining its second family,
 * could take an address that a service not yet replayed still holds.
 */
public final class Allocator {

  private static final Pattern MAC = Pattern.compile("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}");

  /** A usable pool and its live counts. */
  private static final class PoolState {
    final Pool pool;
    final Occupancy occupancy;
    final long[] assigned = new long[2];
    /** Marked foreign, assignable in this pool, and held by no service. */
    final long[] foreignOnly = new long[2];

    PoolState(Pool pool) {
      this.pool = pool;
      this.occupancy = new Occupancy(pool);
    }

    String name() {
      return pool.name();
    }
  }

  /** One entry of one pool, keyed by its start in {@link #slots}. */
  private record Slot(Pool.Entry entry, PoolState state) {}

  /** A service's addresses (IPv4 first) and what it asked of them. */
  private record Held(Claim claim, String pool, List<Addr> ips) {}

  /** Who is on one address. Every service on it agrees on sharing and backend keys. */
  private static final class IpUse {
    final PoolState pool;
    final String sharingKey;
    final Set<ServiceKey> services = new LinkedHashSet<>(2);
    final Map<ServicePort, ServiceKey> ports = new HashMap<>(4);

    IpUse(PoolState pool, String sharingKey) {
      this.pool = pool;
      this.sharingKey = sharingKey;
    }
  }

  /**
   * The addresses shared under one key, and on how many of them each port is taken: when every one
   * of them already uses a port the newcomer needs, no scan is needed (a cluster-wide key on many
   * port-80 services would otherwise make each allocation scan them all).
   */
  private static final class KeyIndex {
    final TreeSet<Addr> ips = new TreeSet<>();
    final Map<ServicePort, Integer> portUse = new HashMap<>();

    boolean blocksEverywhere(List<ServicePort> ports) {
      for (ServicePort p : ports) {
        if (portUse.getOrDefault(p, 0) == ips.size()) {
          return true;
        }
      }
      return false;
    }
  }

  private static final Addr FIRST_V6 = new Addr(true, 0, 0);

  private final Map<String, PoolState> pools = new LinkedHashMap<>();
  private final TreeMap<Addr, Slot> slots = new TreeMap<>();
  private final Map<ServiceKey, Held> held = new HashMap<>();
  private final Map<Addr, IpUse> inUse = new HashMap<>();
  private final Map<String, KeyIndex> bySharingKey = new HashMap<>();
  private final Map<Addr, String> foreign = new HashMap<>();
  private final Map<ServiceKey, String> moveReasons = new HashMap<>();

  // ---------------------------------------------------------------------------------------------
  // Pools

  /**
   * Replaces the usable pools (normally {@link PoolSet#usable()}). Returns the services whose
   * addresses are no longer inside a usable pool (pool deleted or shrunk, avoidBuggyIPs turned
   * on); they have been released. Nothing else moves: a service whose addresses now belong to a
   * renamed pool keeps them. Pools must not overlap (PoolSet guarantees it).
   */
  public List<ServiceKey> setPools(Collection<Pool> usablePools) {
    if (samePools(usablePools)) {
      // Pool status writes come back as pool events; re-indexing every service for them would be waste.
      return List.of();
    }
    Map<String, PoolState> next = new LinkedHashMap<>();
    TreeMap<Addr, Slot> nextSlots = new TreeMap<>();
    for (Pool p : usablePools) {
      PoolState ps = new PoolState(p);
      if (next.putIfAbsent(p.name(), ps) != null) {
        throw new IllegalArgumentException("two usable pools are named " + p.name());
      }
      for (Pool.Entry e : p.entries()) {
        Map.Entry<Addr, Slot> before = nextSlots.floorEntry(e.end());
        if (before != null && before.getValue().entry().overlaps(e)) {
          throw new IllegalArgumentException("pools overlap: " + e.text() + " of pool " + p.name() + " and "
              + before.getValue().entry().text() + " of pool " + before.getValue().state().name()
              + "; pass PoolSet.usable()");
        }
        nextSlots.put(e.start(), new Slot(e, ps));
      }
    }
    pools.clear();
    pools.putAll(next);
    slots.clear();
    slots.putAll(nextSlots);

    List<Held> all = new ArrayList<>(held.values());
    all.sort(Comparator.comparing(h -> h.claim().key()));
    held.clear();
    inUse.clear();
    bySharingKey.clear();
    // Foreign marks first: record() below moves an address from "foreign only" to "assigned".
    for (Addr a : foreign.keySet()) {
      PoolState ps = assignablePool(a);
      if (ps != null) {
        ps.occupancy.occupy(a);
        ps.foreignOnly[idx(a)]++;
      }
    }
    List<ServiceKey> released = new ArrayList<>();
    for (Held h : all) {
      PoolState ps = commonPool(h.ips());
      if (ps == null) {
        released.add(h.claim().key());
        moveReasons.remove(h.claim().key());
      } else {
        record(h.claim(), ps, h.ips());
      }
    }
    return List.copyOf(released);
  }

  private boolean samePools(Collection<Pool> candidate) {
    if (candidate.size() != pools.size()) {
      return false;
    }
    for (Pool p : candidate) {
      PoolState ps = pools.get(p.name());
      if (ps == null || !ps.pool.equals(p)) {
        return false;
      }
    }
    return true;
  }

  /** The usable pool of that name. */
  public Optional<Pool> pool(String name) {
    PoolState ps = pools.get(name);
    return ps == null ? Optional.empty() : Optional.of(ps.pool);
  }

  /** The usable pool whose entries hold the address (avoidBuggyIPs aside), if any. */
  public Optional<Pool> poolContaining(InetAddress ip) {
    Slot s = slotOf(Addr.of(ip));
    return s == null ? Optional.empty() : Optional.of(s.state().pool);
  }

  // ---------------------------------------------------------------------------------------------
  // Assignment

  /**
   * Keeps {@code current} (the addresses in the Service's status, possibly empty) when still valid
   * for the request, else releases and allocates anew. Used both for normal reconciles and for
   * rebuilding state after a restart (see {@link #restore} for the safe order).
   *
   * <p>Valid means: every address in one usable pool the service may use, matching the requested
   * IPs and pool if any, the service's families, not marked foreign, and shareable with whoever
   * else is on it. An empty {@code current} stands for what the allocator already holds for the
   * service (a status write may lag behind). A PreferDualStack service holding one family gets the
   * other from the same pool when it is free. {@code changed} is true when the returned list differs
   * from {@code current}.
   */
  public AllocationResult assign(ServiceRequest request, List<InetAddress> current) {
    ServiceKey key = request.key();
    List<InetAddress> given = current == null ? List.of() : current;
    Held previous = held.get(key);
    List<InetAddress> kept = given.isEmpty() && previous != null ? inets(previous.ips()) : given;
    removeHeld(key);
    moveReasons.remove(key);

    List<IpFamily> families = families(request);
    String problem = requestProblem(request, families);
    if (problem != null) {
      return new AllocationResult.Failed(problem);
    }
    Claim claim = claimOf(request);
    if (!kept.isEmpty()) {
      Validity v = validity(request, families, kept, claim);
      if (v.problem() == null) {
        Held h = record(claim, v.pool(), v.ips());
        if (h.ips().size() == 1 && families.size() == 2 && request.familyPolicy() == FamilyPolicy.PREFER_DUAL_STACK
            && request.requestedIps().isEmpty()) {
          h = addMissingFamily(request, claim, h, families);
        }
        return allocated(h, given);
      }
      moveReasons.put(key, v.problem());
    }
    return allocateFresh(request, families, claim, given);
  }

  /**
   * Phase one of a restart: records {@code current} (a service's status addresses) if still valid
   * for the request and allocates nothing, so that no later allocation can take it. Returns
   * Allocated (changed only if the order was not IPv4 first) or Failed with the reason the addresses
   * cannot be kept; then the service holds nothing until its {@link #assign}.
   */
  public AllocationResult restore(ServiceRequest request, List<InetAddress> current) {
    ServiceKey key = request.key();
    removeHeld(key);
    moveReasons.remove(key);
    List<InetAddress> given = current == null ? List.of() : current;
    if (given.isEmpty()) {
      return new AllocationResult.Failed("service " + key + " has no addresses in its status to restore");
    }
    List<IpFamily> families = families(request);
    String problem = requestProblem(request, families);
    if (problem != null) {
      return new AllocationResult.Failed(problem);
    }
    Claim claim = claimOf(request);
    Validity v = validity(request, families, given, claim);
    if (v.problem() != null) {
      moveReasons.put(key, v.problem());
      return new AllocationResult.Failed(v.problem());
    }
    return allocated(record(claim, v.pool(), v.ips()), given);
  }

  /** Frees whatever the service holds. Idempotent. */
  public void release(ServiceKey key) {
    removeHeld(key);
    moveReasons.remove(key);
  }

  /**
   * Why the addresses passed as {@code current} to the latest assign() or restore() of the
   * service were not kept (for the {@code ClearAssignment} event), or empty if they were kept or
   * there were none.
   */
  public Optional<String> lastMoveReason(ServiceKey key) {
    return Optional.ofNullable(moveReasons.get(key));
  }

  public Optional<Allocation> allocationOf(ServiceKey key) {
    Held h = held.get(key);
    return h == null ? Optional.empty() : Optional.of(new Allocation(h.pool(), inets(h.ips())));
  }

  /** Every allocation, by service. */
  public Map<ServiceKey, Allocation> allocations() {
    Map<ServiceKey, Allocation> out = new HashMap<>(held.size() * 2);
    held.forEach((k, h) -> out.put(k, new Allocation(h.pool(), inets(h.ips()))));
    return out;
  }

  /** The services on that address (several when shared), in the order they got it. */
  public List<ServiceKey> servicesOn(InetAddress ip) {
    IpUse u = inUse.get(Addr.of(ip));
    return u == null ? List.of() : List.copyOf(u.services);
  }

  // ---------------------------------------------------------------------------------------------
  // Foreign addresses

  /**
   * Marks an address a device outside the cluster owns (a conflict report from a speaker;
   * {@code owner} describes it, e.g. its MAC address): never handed out while marked. Services
   * already on it keep it until their next assign(), which moves an auto-assigned one and fails an
   * explicit request; {@link #servicesOn} tells which services to reconcile.
   */
  public void markForeign(InetAddress ip, String owner) {
    Addr a = Addr.of(ip);
    if (foreign.put(a, Objects.requireNonNullElse(owner, "unknown device")) != null) {
      return;
    }
    PoolState ps = assignablePool(a);
    if (ps != null && !inUse.containsKey(a)) {
      ps.occupancy.occupy(a);
      ps.foreignOnly[idx(a)]++;
    }
  }

  public void clearForeign(InetAddress ip) {
    Addr a = Addr.of(ip);
    if (foreign.remove(a) == null) {
      return;
    }
    PoolState ps = assignablePool(a);
    if (ps != null && !inUse.containsKey(a)) {
      ps.occupancy.free(a);
      ps.foreignOnly[idx(a)]--;
    }
  }

  /** Marked addresses and their owners, in address order. */
  public Map<InetAddress, String> foreign() {
    Map<InetAddress, String> out = new LinkedHashMap<>();
    foreign.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> out.put(e.getKey().toInet(), e.getValue()));
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Usage

  /**
   * Status counts of a usable pool; {@link PoolUsage#NONE} for a pool the allocator does not know.
   * An address shared by several services counts once; a foreign-marked one counts as unavailable.
   */
  public PoolUsage usage(String poolName) {
    PoolState ps = pools.get(poolName);
    if (ps == null) {
      return PoolUsage.NONE;
    }
    return new PoolUsage(ps.assigned[0], ps.assigned[1], available(ps, IpFamily.IPV4), available(ps, IpFamily.IPV6));
  }

  private static long available(PoolState ps, IpFamily f) {
    int i = f.ordinal();
    BigInteger free = ps.pool.size(f).subtract(BigInteger.valueOf(ps.assigned[i] + ps.foreignOnly[i]));
    return free.bitLength() >= 64 ? Long.MAX_VALUE : Math.max(0, free.longValue());
  }

  // ---------------------------------------------------------------------------------------------
  // Request checks

  /** The families to allocate, the service's primary family first. */
  static List<IpFamily> families(ServiceRequest r) {
    IpFamily primary = r.ipFamilies().getFirst();
    IpFamily other = primary == IpFamily.IPV4 ? IpFamily.IPV6 : IpFamily.IPV4;
    return switch (r.familyPolicy()) {
      case SINGLE_STACK -> List.of(primary);
      case REQUIRE_DUAL_STACK -> List.of(primary, other);
      // Kubernetes lists both families for PreferDualStack only on a dual-stack cluster.
      case PREFER_DUAL_STACK -> r.ipFamilies().contains(other) ? List.of(primary, other) : List.of(primary);
    };
  }

  private String requestProblem(ServiceRequest r, List<IpFamily> families) {
    if (r.requestedPool() != null && !pools.containsKey(r.requestedPool())) {
      return "pool \"" + r.requestedPool() + "\" does not exist (metallb.io/address-pool); usable pools: "
          + quotedNames(pools.values());
    }
    List<InetAddress> ips = r.requestedIps();
    if (ips.isEmpty()) {
      return null;
    }
    Set<IpFamily> asked = ips.stream().map(IpFamily::of).collect(Collectors.toSet());
    if (ips.size() > 2 || asked.size() != ips.size()) {
      return "requested IPs " + text(ips) + " must be at most one IPv4 and one IPv6 address";
    }
    boolean fits = r.familyPolicy() == FamilyPolicy.PREFER_DUAL_STACK
        ? families.containsAll(asked)
        : asked.equals(Set.copyOf(families));
    if (!fits) {
      return "requested loadBalancer IP(s) " + text(ips) + " does not match the ipFamily of the service (ipFamilies "
          + r.ipFamilies() + ", ipFamilyPolicy " + policyName(r.familyPolicy()) + "): request one address for each of "
          + families;
    }
    return null;
  }

  private record Validity(String problem, PoolState pool, List<Addr> ips) {
    static Validity no(String problem) {
      return new Validity(problem, null, null);
    }
  }

  /** Whether {@code ips} may stay the service's addresses, with the service itself released. */
  private Validity validity(ServiceRequest r, List<IpFamily> families, List<InetAddress> ips, Claim claim) {
    List<Addr> addrs = sortedAddrs(ips);
    Set<IpFamily> have = addrs.stream().map(Addr::family).collect(Collectors.toSet());
    if (addrs.size() > 2 || have.size() != addrs.size()) {
      return Validity.no("current addresses " + text(ips) + " are not one per family");
    }
    boolean familiesOk = have.equals(Set.copyOf(families))
        || (r.familyPolicy() == FamilyPolicy.PREFER_DUAL_STACK && families.containsAll(have));
    if (!familiesOk) {
      return Validity.no("current addresses " + text(ips) + " do not match the service's IP families " + families);
    }
    PoolState ps = null;
    for (Addr a : addrs) {
      String outside = outsideProblem(a);
      if (outside != null) {
        return Validity.no(outside);
      }
      PoolState p = slotOf(a).state();
      if (ps != null && p != ps) {
        return Validity.no("current addresses " + text(ips) + " are in different pools (\"" + ps.name() + "\" and \""
            + p.name() + "\")");
      }
      ps = p;
    }
    if (r.requestedPool() != null && !ps.name().equals(r.requestedPool())) {
      return Validity.no("current addresses " + text(ips) + " are in pool \"" + ps.name()
          + "\", but the service requests pool \"" + r.requestedPool() + "\"");
    }
    if (!r.requestedIps().isEmpty() && !Set.copyOf(sortedAddrs(r.requestedIps())).equals(Set.copyOf(addrs))) {
      return Validity.no("current addresses " + text(ips) + " differ from the requested " + text(r.requestedIps()));
    }
    String problem = allowProblem(ps, r);
    if (problem == null) {
      problem = availabilityProblem(addrs, claim);
    }
    return problem == null ? new Validity(null, ps, addrs) : Validity.no(problem);
  }

  /** Why an address is not in any usable pool or is skipped there, or null. */
  private String outsideProblem(Addr a) {
    Slot s = slotOf(a);
    if (s == null) {
      return "IP " + a + " is not in any pool (usable pools: " + quotedNames(pools.values()) + ")";
    }
    if (s.state().pool.skipped(a)) {
      return "IP " + a + " ends in ." + a.lastOctet() + ", which pool \"" + s.state().name()
          + "\" never hands out (avoidBuggyIPs: true)";
    }
    return null;
  }

  private static String allowProblem(PoolState ps, ServiceRequest r) {
    if (ps.pool.allows(r)) {
      return null;
    }
    return "pool \"" + ps.name() + "\" is reserved by its serviceAllocation for " + restrictionText(ps.pool)
        + ", which service " + r.key() + " does not match";
  }

  private static String restrictionText(Pool p) {
    List<String> parts = new ArrayList<>();
    if (!p.namespaces().isEmpty()) {
      parts.add("namespaces " + p.namespaces());
    }
    if (!p.namespaceSelectors().isEmpty()) {
      parts.add(p.namespaceSelectors().size() + " namespace selector(s)");
    }
    if (!p.serviceSelectors().isEmpty()) {
      parts.add(p.serviceSelectors().size() + " service selector(s)");
    }
    return String.join(" and ", parts);
  }

  /** Why the service may not take these addresses now (foreign, or not shareable), or null. */
  private String availabilityProblem(List<Addr> addrs, Claim claim) {
    for (Addr a : addrs) {
      String owner = foreign.get(a);
      if (owner != null) {
        return foreignText(a, owner);
      }
      String conflict = sharingProblem(a, claim);
      if (conflict != null) {
        return conflict;
      }
    }
    return null;
  }

  private static String foreignText(Addr a, String owner) {
    String who = MAC.matcher(owner).matches() ? "MAC " + owner : owner;
    return "IP " + a + " is in use by a device outside the cluster (" + who
        + "); free it on that device, or request another address";
  }

  private boolean compatible(IpUse u, Claim claim) {
    return Sharing.compatible(held.get(u.services.iterator().next()).claim(), u.ports, claim);
  }

  private String sharingProblem(Addr a, Claim claim) {
    IpUse u = inUse.get(a);
    if (u == null) {
      return null;
    }
    Claim holder = held.get(u.services.iterator().next()).claim();
    return Sharing.conflict(a.toString(), holder, u.ports, claim);
  }

  // ---------------------------------------------------------------------------------------------
  // Fresh allocation

  private AllocationResult allocateFresh(ServiceRequest r, List<IpFamily> families, Claim claim,
      List<InetAddress> given) {
    if (!r.requestedIps().isEmpty()) {
      return assignRequested(r, claim, given);
    }
    if (r.requestedPool() != null) {
      PoolState ps = pools.get(r.requestedPool());
      String problem = allowProblem(ps, r);
      if (problem != null) {
        return new AllocationResult.Failed(problem);
      }
      Pick pick = pick(List.of(ps), families, r, claim);
      if (pick.held() != null) {
        return allocated(pick.held(), given);
      }
      return new AllocationResult.Failed(exhausted(List.of(ps), families, r, true));
    }
    // MetalLB: every pool with a serviceAllocation that allows the service (one with only a
    // priority, or an empty one, allows every service) is ranked by priority, set before unset;
    // only when none of them has an address are the pools without a serviceAllocation tried.
    // MetalLB leaves ties to Go's map and sort order (random); here the name decides.
    List<PoolState> pinned = new ArrayList<>();
    List<PoolState> open = new ArrayList<>();
    for (PoolState ps : pools.values()) {
      if (!ps.pool.autoAssign()) {
        continue;
      }
      if (ps.pool.hasServiceAllocation()) {
        if (ps.pool.allows(r)) {
          pinned.add(ps);
        }
      } else {
        open.add(ps);
      }
    }
    if (pinned.isEmpty() && open.isEmpty()) {
      return new AllocationResult.Failed(noPoolText(r));
    }
    Comparator<PoolState> order = Comparator
        .comparing((PoolState ps) -> ps.pool.priority(), Comparator.nullsLast(Comparator.naturalOrder()))
        .thenComparing(PoolState::name);
    pinned.sort(order);
    open.sort(Comparator.comparing(PoolState::name));
    for (List<PoolState> group : List.of(pinned, open)) {
      Pick pick = pick(group, families, r, claim);
      if (pick.held() != null) {
        return allocated(pick.held(), given);
      }
    }
    List<PoolState> tried = new ArrayList<>(pinned);
    tried.addAll(open);
    return new AllocationResult.Failed(exhausted(tried, families, r, false));
  }

  private record Pick(Held held) {}

  /** MetalLB's findBestPoolForService: the first pool giving every family; PreferDualStack falls back to one. */
  private Pick pick(List<PoolState> group, List<IpFamily> families, ServiceRequest r, Claim claim) {
    IpFamily primary = families.getFirst();
    IpFamily secondary = families.size() == 2 ? families.get(1) : null;
    PoolState primaryOnly = null;
    Addr primaryAddr = null;
    PoolState secondaryOnly = null;
    Addr secondaryAddr = null;
    for (PoolState ps : group) {
      Addr a1 = candidate(ps, primary, claim);
      if (secondary == null) {
        if (a1 != null) {
          return new Pick(record(claim, ps, List.of(a1)));
        }
        continue;
      }
      Addr a2 = candidate(ps, secondary, claim);
      if (a1 != null && a2 != null) {
        return new Pick(record(claim, ps, sorted(a1, a2)));
      }
      if (r.familyPolicy() == FamilyPolicy.PREFER_DUAL_STACK) {
        if (a1 != null && primaryOnly == null) {
          primaryOnly = ps;
          primaryAddr = a1;
        }
        if (a2 != null && secondaryOnly == null) {
          secondaryOnly = ps;
          secondaryAddr = a2;
        }
      }
    }
    if (primaryOnly != null) {
      return new Pick(record(claim, primaryOnly, List.of(primaryAddr)));
    }
    if (secondaryOnly != null) {
      return new Pick(record(claim, secondaryOnly, List.of(secondaryAddr)));
    }
    return new Pick(null);
  }

  /**
   * The first address of the family the service may take in the pool, in MetalLB's order (entries
   * as listed, lowest first in each): a free one, or one already shared under the service's key
   * that it can join.
   */
  private Addr candidate(PoolState ps, IpFamily f, Claim claim) {
    if (!ps.pool.hasFamily(f)) {
      return null;
    }
    Addr best = null;
    int bestEntry = Integer.MAX_VALUE;
    for (Pool.Entry e : ps.pool.entriesInSpecOrder(f)) {
      Addr free = ps.occupancy.firstFree(e);
      if (free != null) {
        best = free;
        bestEntry = e.index();
        break;
      }
    }
    KeyIndex index = claim.sharingKey() == null ? null : bySharingKey.get(claim.sharingKey());
    if (index == null || index.blocksEverywhere(claim.ports())) {
      return best;
    }
    // In a pool listed in address order, the first compatible address found ascending is the one,
    // and nothing above the first free address can beat it.
    boolean ordered = ps.pool.specOrderIsAddressOrder(f);
    Iterable<Addr> sharedOfFamily = f == IpFamily.IPV4 ? index.ips.headSet(FIRST_V6, false) : index.ips.tailSet(FIRST_V6, true);
    for (Addr a : sharedOfFamily) {
      if (ordered && best != null && a.isAfter(best)) {
        break;
      }
      IpUse u = inUse.get(a);
      if (u.pool != ps || foreign.containsKey(a) || !compatible(u, claim)) {
        continue;
      }
      int entry = ps.pool.entryOf(a).index();
      if (entry < bestEntry || (entry == bestEntry && best != null && a.compareTo(best) < 0)) {
        best = a;
        bestEntry = entry;
      }
      if (ordered) {
        break;
      }
    }
    return best;
  }

  private Held addMissingFamily(ServiceRequest r, Claim claim, Held h, List<IpFamily> families) {
    IpFamily missing = families.stream().filter(f -> f != h.ips().getFirst().family()).findFirst().orElseThrow();
    PoolState ps = pools.get(h.pool());
    Addr extra = candidate(ps, missing, claim);
    if (extra == null) {
      return h;
    }
    removeHeld(r.key());
    return record(claim, ps, sorted(h.ips().getFirst(), extra));
  }

  private AllocationResult assignRequested(ServiceRequest r, Claim claim, List<InetAddress> given) {
    List<Addr> addrs = sortedAddrs(r.requestedIps());
    PoolState ps = null;
    for (Addr a : addrs) {
      String outside = outsideProblem(a);
      if (outside != null) {
        return new AllocationResult.Failed(outside);
      }
      PoolState p = slotOf(a).state();
      if (ps != null && p != ps) {
        return new AllocationResult.Failed("requested IPs " + text(r.requestedIps()) + " are in different pools (\""
            + ps.name() + "\" and \"" + p.name() + "\"); both must come from one pool");
      }
      ps = p;
    }
    if (r.requestedPool() != null && !ps.name().equals(r.requestedPool())) {
      return new AllocationResult.Failed("requested loadBalancer IP(s) " + text(r.requestedIps())
          + " is not compatible with requested address pool " + r.requestedPool() + ": the address is in pool \""
          + ps.name() + "\"");
    }
    String problem = allowProblem(ps, r);
    if (problem == null) {
      problem = availabilityProblem(addrs, claim);
    }
    if (problem != null) {
      return new AllocationResult.Failed(problem);
    }
    return allocated(record(claim, ps, addrs), given);
  }

  private String exhausted(List<PoolState> tried, List<IpFamily> families, ServiceRequest r, boolean requested) {
    String dual = families.size() == 2 && r.familyPolicy() == FamilyPolicy.REQUIRE_DUAL_STACK
        ? "; ipFamilyPolicy RequireDualStack needs an IPv4 and an IPv6 address from one pool"
        : "";
    if (requested) {
      PoolState ps = tried.getFirst();
      List<String> parts = new ArrayList<>();
      for (IpFamily f : families) {
        if (!ps.pool.hasFamily(f)) {
          parts.add("pool \"" + ps.name() + "\" has no " + f + " addresses");
        } else if (candidate(ps, f, claimOf(r)) == null) {
          parts.add("no available IPs in pool \"" + ps.name() + "\" for " + f + foreignHint(ps, f));
        }
      }
      return String.join("; ", parts) + dual;
    }
    String names = quotedNames(tried.stream().map(ps -> ps.pool).toList());
    List<String> parts = new ArrayList<>();
    for (IpFamily f : families) {
      List<PoolState> withFamily = tried.stream().filter(ps -> ps.pool.hasFamily(f)).toList();
      if (withFamily.isEmpty()) {
        parts.add("no pool service " + r.key() + " may use has " + f + " addresses");
      } else if (withFamily.stream().allMatch(ps -> candidate(ps, f, claimOf(r)) == null)) {
        parts.add("no available IPs for " + f + " in any pool service " + r.key() + " may use");
      }
    }
    if (parts.isEmpty()) {
      parts.add("no single pool has both an IPv4 and an IPv6 address free");
    }
    String others = otherPoolsText(r);
    return String.join("; ", parts) + " (tried " + names + ")" + dual + (others.isEmpty() ? "" : "; not tried: " + others);
  }

  private static String foreignHint(PoolState ps, IpFamily f) {
    long n = ps.foreignOnly[f.ordinal()];
    return n == 0 ? "" : " (" + n + " marked in use by devices outside the cluster)";
  }

  private String noPoolText(ServiceRequest r) {
    if (pools.isEmpty()) {
      return "no usable IPAddressPool: none exists, or every pool is out of service";
    }
    return "no pool may hand out addresses to service " + r.key() + " automatically: " + otherPoolsText(r);
  }

  /** The pools automatic allocation leaves aside for this service, and why. */
  private String otherPoolsText(ServiceRequest r) {
    List<Pool> manual = pools.values().stream().map(ps -> ps.pool).filter(p -> !p.autoAssign()).toList();
    List<Pool> reserved = pools.values().stream().map(ps -> ps.pool)
        .filter(p -> p.autoAssign() && p.restricted() && !p.allows(r)).toList();
    List<String> parts = new ArrayList<>();
    if (!manual.isEmpty()) {
      parts.add(quotedNames(manual) + " with autoAssign: false (request one with metallb.io/address-pool)");
    }
    if (!reserved.isEmpty()) {
      parts.add(quotedNames(reserved) + " reserved by serviceAllocation for other namespaces or services");
    }
    return String.join("; ", parts);
  }

  // ---------------------------------------------------------------------------------------------
  // State

  private Held record(Claim claim, PoolState ps, List<Addr> ips) {
    Held h = new Held(claim, ps.name(), List.copyOf(ips));
    held.put(claim.key(), h);
    for (Addr a : h.ips()) {
      IpUse u = inUse.get(a);
      if (u == null) {
        u = new IpUse(ps, claim.sharingKey());
        inUse.put(a, u);
        ps.assigned[idx(a)]++;
        if (foreign.containsKey(a)) {
          ps.foreignOnly[idx(a)]--;
        } else {
          ps.occupancy.occupy(a);
        }
        if (claim.sharingKey() != null) {
          bySharingKey.computeIfAbsent(claim.sharingKey(), k -> new KeyIndex()).ips.add(a);
        }
      }
      u.services.add(claim.key());
      KeyIndex index = u.sharingKey == null ? null : bySharingKey.get(u.sharingKey);
      for (ServicePort p : claim.ports()) {
        if (u.ports.put(p, claim.key()) == null && index != null) {
          index.portUse.merge(p, 1, Integer::sum);
        }
      }
    }
    return h;
  }

  private void removeHeld(ServiceKey key) {
    Held h = held.remove(key);
    if (h == null) {
      return;
    }
    for (Addr a : h.ips()) {
      IpUse u = inUse.get(a);
      u.services.remove(key);
      KeyIndex index = u.sharingKey == null ? null : bySharingKey.get(u.sharingKey);
      for (ServicePort p : h.claim().ports()) {
        if (u.ports.remove(p, key) && index != null) {
          index.portUse.computeIfPresent(p, (k, n) -> n == 1 ? null : n - 1);
        }
      }
      if (!u.services.isEmpty()) {
        continue;
      }
      inUse.remove(a);
      PoolState ps = u.pool;
      ps.assigned[idx(a)]--;
      if (foreign.containsKey(a)) {
        ps.foreignOnly[idx(a)]++;
      } else {
        ps.occupancy.free(a);
      }
      if (index != null) {
        index.ips.remove(a);
        if (index.ips.isEmpty()) {
          bySharingKey.remove(u.sharingKey);
        }
      }
    }
  }

  private Slot slotOf(Addr a) {
    Map.Entry<Addr, Slot> e = slots.floorEntry(a);
    return e != null && e.getValue().entry().contains(a) ? e.getValue() : null;
  }

  private PoolState assignablePool(Addr a) {
    Slot s = slotOf(a);
    return s == null || s.state().pool.skipped(a) ? null : s.state();
  }

  /** The one usable pool that may hand out every address, or null. */
  private PoolState commonPool(List<Addr> ips) {
    PoolState ps = null;
    for (Addr a : ips) {
      PoolState p = assignablePool(a);
      if (p == null || (ps != null && p != ps)) {
        return null;
      }
      ps = p;
    }
    return ps;
  }

  private static Claim claimOf(ServiceRequest r) {
    return new Claim(r.key(), r.sharingKey(), Sharing.backendKey(r.trafficPolicy(), r.selector()), r.ports(),
        r.trafficPolicy(), r.selector());
  }

  private static AllocationResult allocated(Held h, List<InetAddress> given) {
    List<InetAddress> ips = inets(h.ips());
    return new AllocationResult.Allocated(h.pool(), ips, !ips.equals(given));
  }

  private static int idx(Addr a) {
    return a.v6() ? 1 : 0;
  }

  private static List<Addr> sorted(Addr a, Addr b) {
    return a.compareTo(b) <= 0 ? List.of(a, b) : List.of(b, a);
  }

  private static List<Addr> sortedAddrs(List<InetAddress> ips) {
    return ips.stream().map(Addr::of).sorted().toList();
  }

  private static List<InetAddress> inets(List<Addr> addrs) {
    List<InetAddress> out = new ArrayList<>(addrs.size());
    for (Addr a : addrs) {
      out.add(a.toInet());
    }
    return out;
  }

  private static String text(List<InetAddress> ips) {
    return ips.stream().map(IpText::format).collect(Collectors.joining(","));
  }

  private static String quotedNames(Collection<?> poolsOrStates) {
    if (poolsOrStates.isEmpty()) {
      return "(none)";
    }
    return poolsOrStates.stream()
        .map(o -> o instanceof PoolState ps ? ps.name() : ((Pool) o).name())
        .sorted().map(n -> "\"" + n + "\"").collect(Collectors.joining(", "));
  }

  private static String policyName(FamilyPolicy p) {
    return switch (p) {
      case SINGLE_STACK -> "SingleStack";
      case PREFER_DUAL_STACK -> "PreferDualStack";
      case REQUIRE_DUAL_STACK -> "RequireDualStack";
    };
  }
}
