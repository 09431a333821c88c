package io.ironlb.ipam;

import static io.ironlb.ipam.Dsl.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.model.ServiceKey;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties over random histories of assign/release/foreign marks/pool changes on a small
 * universe of pools where collisions are frequent.
 */
class AllocatorProperties {

  // ----- the universe

  static final List<PoolSpec> POOLS = List.of(
      pool("a", "10.0.0.0/29", "2001:db8::/125"),
      priority(5, avoidBuggy(pool("b", "10.0.1.254-10.0.2.3", "2001:db8:1::/126"))),
      manual(pool("c", "10.0.3.0/30")),
      namespaces(pool("d", "10.0.4.0/30", "2001:db8:2::/127"), "team"));

  /** Pool variants a history may switch to: shrunk, grown, renamed. */
  static final List<List<PoolSpec>> POOL_VARIANTS = List.of(
      POOLS,
      List.of(pool("a", "10.0.0.0/30", "2001:db8::/126"), POOLS.get(1), POOLS.get(2), POOLS.get(3)),
      List.of(pool("a", "10.0.0.0/28", "2001:db8::/124"), POOLS.get(1), POOLS.get(2), POOLS.get(3)),
      List.of(pool("a2", "10.0.0.0/29", "2001:db8::/125"), POOLS.get(1), POOLS.get(2), POOLS.get(3)));

  static final List<String> ADDRESSES = List.of("10.0.0.1", "10.0.0.7", "10.0.1.254", "10.0.2.0", "10.0.2.1", "10.0.3.2",
      "10.0.4.1", "10.9.9.9", "2001:db8::1", "2001:db8:1::3", "2001:db8:2::1");

  static final List<ServicePort> PORTS = ports("TCP/80", "TCP/443", "UDP/53", "UDP/443");

  // ----- histories

  sealed interface Op {}

  record Assign(int service, ServiceRequest request, boolean passCurrent) implements Op {}

  record Release(int service) implements Op {}

  record Mark(String ip) implements Op {}

  record Clear(String ip) implements Op {}

  record Pools(int variant) implements Op {}

  static ServiceKey serviceKey(int i) {
    return new ServiceKey(i % 3 == 0 ? "team" : "default", "s" + i);
  }

  static Arbitrary<ServiceRequest> requests(int service, boolean preferAllowed) {
    Arbitrary<Integer> families = Arbitraries.integers().between(0, preferAllowed ? 4 : 2);
    Arbitrary<String> sharing = Arbitraries.of("", "k1", "k1", "k1", "k2").map(s -> s.isEmpty() ? null : s);
    Arbitrary<List<ServicePort>> ports = Arbitraries.of(PORTS).list().ofMaxSize(1);
    Arbitrary<Integer> policy = Arbitraries.frequency(net.jqwik.api.Tuple.of(6, 0), net.jqwik.api.Tuple.of(1, 1), net.jqwik.api.Tuple.of(1, 2));
    Arbitrary<String> requestedPool = Arbitraries.of("", "", "", "", "", "", "", "", "a", "b", "c", "d", "zz").map(s -> s.isEmpty() ? null : s);
    Arbitrary<String> requestedIp = Arbitraries.of(ADDRESSES).injectNull(0.85);
    return Combinators.combine(families, sharing, ports, policy, requestedPool, requestedIp).as((f, sk, p, pol, pool, ip) -> {
      ServiceRequest r = ServiceRequest.of(serviceKey(service));
      r = switch (f) {
        case 0 -> r;
        case 1 -> v6(r);
        case 2 -> requireDual(r);
        case 3 -> preferDual(r);
        default -> preferDual(r, IpFamily.IPV6, IpFamily.IPV4);
      };
      r = r.withSharing(sk, p, pol == 0 ? TrafficPolicy.CLUSTER : TrafficPolicy.LOCAL,
          pol == 2 ? Map.of("app", "y") : Map.of("app", "x"));
      if (ip != null) {
        r = r.withRequestedIps(List.of(ip(ip)));
      }
      return r.withRequestedPool(pool);
    });
  }

  static Arbitrary<Op> ops(boolean everything) {
    Arbitrary<Op> assign = Arbitraries.integers().between(0, 11).flatMap(i ->
        Combinators.combine(requests(i, everything), Arbitraries.of(true, true, true, false))
            .as((r, current) -> (Op) new Assign(i, r, current)));
    Arbitrary<Op> release = Arbitraries.integers().between(0, 11).map(Release::new);
    if (!everything) {
      return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, assign), net.jqwik.api.Tuple.of(1, release));
    }
    Arbitrary<Op> mark = Arbitraries.of(ADDRESSES).map(Mark::new);
    Arbitrary<Op> clear = Arbitraries.of(ADDRESSES).map(Clear::new);
    Arbitrary<Op> pools = Arbitraries.integers().between(0, POOL_VARIANTS.size() - 1).map(Pools::new);
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(10, assign), net.jqwik.api.Tuple.of(2, release),
        net.jqwik.api.Tuple.of(1, mark), net.jqwik.api.Tuple.of(1, clear), net.jqwik.api.Tuple.of(1, pools));
  }

  @Provide
  Arbitrary<List<Op>> histories() {
    return ops(true).list().ofMinSize(5).ofMaxSize(80);
  }

  @Provide
  Arbitrary<List<Op>> plainHistories() {
    return ops(false).list().ofMinSize(5).ofMaxSize(80);
  }

  /** Replays a history, remembering each service's latest request; checks the invariant after every step. */
  static final class World {
    final Allocator allocator = new Allocator();
    final Map<ServiceKey, ServiceRequest> lastRequest = new LinkedHashMap<>();
    List<PoolSpec> pools = POOLS;

    World() {
      allocator.setPools(parsed(POOLS));
    }

    void apply(Op op) {
      switch (op) {
        case Assign a -> {
          ServiceKey k = a.request().key();
          List<InetAddress> current = a.passCurrent()
              ? allocator.allocationOf(k).map(Allocation::ips).orElse(List.of())
              : List.of();
          lastRequest.put(k, a.request());
          allocator.assign(a.request(), current);
        }
        case Release r -> allocator.release(serviceKey(r.service()));
        case Mark m -> allocator.markForeign(ip(m.ip()), "aa:bb:cc:dd:ee:ff");
        case Clear c -> allocator.clearForeign(ip(c.ip()));
        case Pools p -> {
          pools = POOL_VARIANTS.get(p.variant());
          allocator.setPools(parsed(pools));
        }
      }
    }
  }

  // ----- properties

  @Property(tries = 300)
  void noAddressIsEverHeldByTwoServicesThatMayNotShare(@ForAll("histories") List<Op> history) {
    World w = new World();
    int mostSharers = 0;
    for (Op op : history) {
      w.apply(op);
      checkSharingInvariant(w);
      checkUsageMatchesAllocations(w);
      for (Allocation a : w.allocator.allocations().values()) {
        for (InetAddress ip : a.ips()) {
          mostSharers = Math.max(mostSharers, w.allocator.servicesOn(ip).size());
        }
      }
    }
    net.jqwik.api.statistics.Statistics.label("most services on one address").collect(Math.min(mostSharers, 3));
  }

  @Property(tries = 300)
  void restoringAnotherAllocatorsStateInAnyOrderReproducesIt(@ForAll("histories") List<Op> history,
      @ForAll long seed) {
    World w = new World();
    history.forEach(w::apply);

    Allocator fresh = new Allocator();
    fresh.setPools(parsed(w.pools));
    w.allocator.foreign().forEach(fresh::markForeign);
    List<Map.Entry<ServiceKey, Allocation>> entries = new ArrayList<>(w.allocator.allocations().entrySet());
    java.util.Collections.shuffle(entries, new Random(seed));
    Map<ServiceKey, Allocation> expected = new HashMap<>();
    for (var e : entries) {
      ServiceRequest r = w.lastRequest.get(e.getKey());
      AllocationResult result = fresh.restore(r, e.getValue().ips());
      boolean onForeign = e.getValue().ips().stream().anyMatch(w.allocator.foreign()::containsKey);
      boolean poolGone = r.requestedPool() != null && w.allocator.pool(r.requestedPool()).isEmpty();
      if (onForeign || poolGone) {
        // No longer valid for its request: the original would move or fail it on its next assign too.
        assertThat(result).isInstanceOf(AllocationResult.Failed.class);
      } else {
        assertThat(result).as("restore %s %s", e.getKey(), e.getValue())
            .isEqualTo(new AllocationResult.Allocated(e.getValue().pool(), e.getValue().ips(), false));
        expected.put(e.getKey(), e.getValue());
      }
    }
    assertThat(fresh.allocations()).isEqualTo(expected);
  }

  @Property(tries = 300)
  void rebuildingWithAssignAloneReproducesAConsistentState(@ForAll("plainHistories") List<Op> history,
      @ForAll long seed) {
    World w = new World();
    history.forEach(w::apply);

    Allocator fresh = new Allocator();
    fresh.setPools(parsed(w.pools));
    List<Map.Entry<ServiceKey, Allocation>> entries = new ArrayList<>(w.allocator.allocations().entrySet());
    java.util.Collections.shuffle(entries, new Random(seed));
    for (var e : entries) {
      AllocationResult result = fresh.assign(w.lastRequest.get(e.getKey()), e.getValue().ips());
      assertThat(result).isEqualTo(new AllocationResult.Allocated(e.getValue().pool(), e.getValue().ips(), false));
    }
    assertThat(fresh.allocations()).isEqualTo(w.allocator.allocations());
    for (PoolSpec p : w.pools) {
      assertThat(fresh.usage(p.name())).isEqualTo(w.allocator.usage(p.name()));
    }
  }

  @Property(tries = 300)
  void releasingEverythingLeavesNoTrace(@ForAll("histories") List<Op> history) {
    World w = new World();
    history.forEach(w::apply);
    for (ServiceKey k : w.allocator.allocations().keySet()) {
      w.allocator.release(k);
    }
    Allocator clean = new Allocator();
    clean.setPools(parsed(w.pools));
    w.allocator.foreign().forEach(clean::markForeign);
    for (PoolSpec p : w.pools) {
      assertThat(w.allocator.usage(p.name())).isEqualTo(clean.usage(p.name()));
    }
    // Both hand out the same addresses from here on: no run of the occupancy index was left behind.
    for (int i = 0; i < 12; i++) {
      for (ServiceRequest r : List.of(requireDual(svc("n" + i)), svc("m" + i), v6(svc("o" + i)))) {
        assertThat(w.allocator.assign(r, List.of())).isEqualTo(clean.assign(r, List.of()));
      }
    }
  }

  @Property(tries = 200)
  void allocatingThenReleasingReturnsUsageToWhereItStarted(@ForAll("histories") List<Op> history) {
    World w = new World();
    history.forEach(w::apply);
    Map<String, PoolUsage> before = new HashMap<>();
    w.pools.forEach(p -> before.put(p.name(), w.allocator.usage(p.name())));
    List<ServiceKey> added = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ServiceRequest r = i % 2 == 0 ? requireDual(svc("extra" + i)) : shared(svc("extra" + i), "k1", "TCP/" + (1000 + i));
      if (w.allocator.assign(r, List.of()) instanceof AllocationResult.Allocated) {
        added.add(r.key());
      }
    }
    added.forEach(w.allocator::release);
    w.pools.forEach(p -> assertThat(w.allocator.usage(p.name())).isEqualTo(before.get(p.name())));
  }

  // ----- invariants

  static void checkSharingInvariant(World w) {
    Map<InetAddress, List<ServiceKey>> byIp = new HashMap<>();
    Map<ServiceKey, Allocation> all = w.allocator.allocations();
    all.forEach((k, a) -> a.ips().forEach(ip -> byIp.computeIfAbsent(ip, x -> new ArrayList<>()).add(k)));
    for (var e : byIp.entrySet()) {
      List<ServiceKey> holders = e.getValue();
      for (int i = 0; i < holders.size(); i++) {
        for (int j = 0; j < i; j++) {
          ServiceRequest a = w.lastRequest.get(holders.get(i));
          ServiceRequest b = w.lastRequest.get(holders.get(j));
          assertThat(a.sharingKey()).as("%s shares %s with %s", a.key(), e.getKey(), b.key()).isNotNull()
              .isEqualTo(b.sharingKey());
          assertThat(a.trafficPolicy()).isEqualTo(b.trafficPolicy());
          if (a.trafficPolicy() == TrafficPolicy.LOCAL) {
            assertThat(a.selector()).isEqualTo(b.selector());
          }
          assertThat(java.util.Collections.disjoint(a.ports(), b.ports())).as("%s and %s ports", a.ports(), b.ports()).isTrue();
        }
      }
      assertThat(w.allocator.servicesOn(e.getKey())).containsExactlyInAnyOrderElementsOf(holders);
    }
    for (var e : all.entrySet()) {
      Pool p = w.allocator.pool(e.getValue().pool()).orElseThrow();
      e.getValue().ips().forEach(ip -> assertThat(p.assignable(ip)).as("%s holds %s", e.getKey(), ip).isTrue());
    }
  }

  static void checkUsageMatchesAllocations(World w) {
    Set<InetAddress> foreign = w.allocator.foreign().keySet();
    for (PoolSpec spec : w.pools) {
      Pool p = w.allocator.pool(spec.name()).orElseThrow();
      Set<InetAddress> v4 = new HashSet<>();
      Set<InetAddress> v6 = new HashSet<>();
      w.allocator.allocations().values().stream().filter(a -> a.pool().equals(spec.name()))
          .flatMap(a -> a.ips().stream()).forEach(ip -> (IpFamily.of(ip) == IpFamily.IPV4 ? v4 : v6).add(ip));
      long foreign4 = foreign.stream().filter(ip -> IpFamily.of(ip) == IpFamily.IPV4 && p.assignable(ip) && !v4.contains(ip)).count();
      long foreign6 = foreign.stream().filter(ip -> IpFamily.of(ip) == IpFamily.IPV6 && p.assignable(ip) && !v6.contains(ip)).count();
      assertThat(w.allocator.usage(spec.name())).isEqualTo(new PoolUsage(v4.size(), v6.size(),
          p.size(IpFamily.IPV4).longValue() - v4.size() - foreign4, p.size(IpFamily.IPV6).longValue() - v6.size() - foreign6));
    }
  }
}
