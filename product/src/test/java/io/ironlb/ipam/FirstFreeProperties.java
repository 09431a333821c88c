package io.ironlb.ipam;

import static io.ironlb.ipam.Dsl.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.model.ServiceKey;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The run-length occupancy index must choose exactly what a naive walk over every address would:
 * entries in spec order, lowest first, skipping .0/.255 when asked, skipping held and foreign addresses.
 */
class FirstFreeProperties {

  record Scenario(List<String> entries, boolean avoidBuggy, List<int[]> ops) {}

  @Provide
  Arbitrary<Scenario> scenarios() {
    // Small entries near /24 boundaries, in any order, never overlapping: offsets within 10.0.0.0/22.
    Arbitrary<List<String>> entries = Arbitraries.integers().between(0, 7).list().ofMinSize(1).ofMaxSize(4).uniqueElements()
        .flatMap(slots -> Arbitraries.integers().between(1, 24).list().ofSize(slots.size()).map(lengths -> {
          List<String> out = new ArrayList<>();
          for (int i = 0; i < slots.size(); i++) {
            int base = slots.get(i) * 128 + 120; // straddles .255/.0 for odd slots
            int start = base;
            int end = base + lengths.get(i) - 1;
            out.add(addr(start) + "-" + addr(end));
          }
          return out;
        }));
    // op[0]: 0 assign, 1 release, 2 mark foreign, 3 clear foreign; op[1]: service or address index.
    Arbitrary<int[]> op = Arbitraries.integers().between(0, 3).flatMap(kind ->
        Arbitraries.integers().between(0, 40).map(n -> new int[] {kind, n}));
    Arbitrary<List<int[]>> ops = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, op.filter(o -> o[0] == 0)), net.jqwik.api.Tuple.of(3, op)).list().ofMaxSize(120);
    return net.jqwik.api.Combinators.combine(entries, Arbitraries.of(true, false), ops).as(Scenario::new);
  }

  static String addr(int offset) {
    return "10.0." + (offset / 256) + "." + (offset % 256);
  }

  @Property(tries = 400)
  void theFirstFreeAddressIsWhatANaiveWalkFinds(@ForAll("scenarios") Scenario s) {
    PoolSpec spec = pool("p", s.entries().toArray(String[]::new));
    if (s.avoidBuggy()) {
      spec = avoidBuggy(spec);
    }
    Pool pool = parsed(spec);
    Allocator a = new Allocator();
    a.setPools(List.of(pool));
    Set<InetAddress> held = new HashSet<>();
    Set<InetAddress> foreign = new HashSet<>();
    for (int[] op : s.ops()) {
      ServiceKey k = new ServiceKey("default", "s" + op[1]);
      switch (op[0]) {
        case 0 -> {
          a.allocationOf(k).ifPresent(al -> held.removeAll(al.ips()));
          a.release(k);
          InetAddress expected = naiveFirstFree(pool, held, foreign);
          AllocationResult r = a.assign(ServiceRequest.of(k), List.of());
          if (expected == null) {
            assertThat(r).isInstanceOf(AllocationResult.Failed.class);
          } else {
            assertThat(r).isEqualTo(new AllocationResult.Allocated("p", List.of(expected), true));
            held.add(expected);
          }
        }
        case 1 -> {
          a.allocationOf(k).ifPresent(al -> held.removeAll(al.ips()));
          a.release(k);
        }
        case 2 -> {
          InetAddress ip = ip(addr(op[1] * 25));
          a.markForeign(ip, "x");
          foreign.add(ip);
        }
        default -> {
          InetAddress ip = ip(addr(op[1] * 25));
          a.clearForeign(ip);
          foreign.remove(ip);
        }
      }
    }
  }

  @Property(tries = 200)
  void aBulkRestoreInAnyOrderLeavesTheSameFreeAddresses(@ForAll("scenarios") Scenario s, @ForAll long seed) {
    PoolSpec spec = pool("p", s.entries().toArray(String[]::new));
    if (s.avoidBuggy()) {
      spec = avoidBuggy(spec);
    }
    Pool pool = parsed(spec);
    List<InetAddress> all = new ArrayList<>();
    for (Pool.Entry e : pool.entriesInSpecOrder(IpFamily.IPV4)) {
      for (long v = e.start().lo(); v <= e.end().lo(); v++) {
        if (pool.assignable(Addr.v4(v).toInet())) {
          all.add(Addr.v4(v).toInet());
        }
      }
    }
    java.util.Random random = new java.util.Random(seed);
    java.util.Collections.shuffle(all, random);
    List<InetAddress> restored = all.subList(0, random.nextInt(all.size() + 1));
    Allocator a = new Allocator();
    a.setPools(List.of(pool));
    for (int i = 0; i < restored.size(); i++) {
      assertThat(a.restore(ServiceRequest.of(new ServiceKey("old", "s" + i)), List.of(restored.get(i))))
          .isInstanceOf(AllocationResult.Allocated.class);
    }
    Set<InetAddress> held = new HashSet<>(restored);
    for (int i = 0; i < 30; i++) {
      if (i % 4 == 3 && !restored.isEmpty()) {
        int victim = random.nextInt(restored.size());
        ServiceKey k = new ServiceKey("old", "s" + victim);
        if (a.allocationOf(k).isPresent()) {
          a.release(k);
          held.remove(restored.get(victim));
        }
      }
      InetAddress expected = naiveFirstFree(pool, held, Set.of());
      AllocationResult r = a.assign(ServiceRequest.of(new ServiceKey("new", "n" + i)), List.of());
      if (expected == null) {
        assertThat(r).isInstanceOf(AllocationResult.Failed.class);
      } else {
        assertThat(r).isEqualTo(new AllocationResult.Allocated("p", List.of(expected), true));
        held.add(expected);
      }
    }
  }

  record Claim(ServiceKey key, String sharingKey, TrafficPolicy policy, ServicePort port) {}

  @Provide
  Arbitrary<List<int[]>> sharingOps() {
    // op: [service 0..19, key 0..2 (none,k1,k2), port 0..2, policy 0..1, release?]
    return Arbitraries.integers().between(0, 19).flatMap(svc -> Arbitraries.integers().between(0, 2).flatMap(k ->
        Arbitraries.integers().between(0, 2).flatMap(port -> Arbitraries.integers().between(0, 5).flatMap(pol ->
            Arbitraries.integers().between(0, 4).map(rel -> new int[] {svc, k, port, pol == 0 ? 1 : 0, rel == 0 ? 1 : 0})))))
        .list().ofMaxSize(100);
  }

  @Property(tries = 300)
  void sharingServicesTakeWhatMetalLbsWalkWouldTake(@ForAll("scenarios") Scenario s, @ForAll("sharingOps") List<int[]> ops) {
    PoolSpec spec = pool("p", s.entries().toArray(String[]::new));
    if (s.avoidBuggy()) {
      spec = avoidBuggy(spec);
    }
    Pool pool = parsed(spec);
    Allocator a = new Allocator();
    a.setPools(List.of(pool));
    java.util.Map<InetAddress, List<Claim>> model = new java.util.HashMap<>();
    List<ServicePort> ports = ports("TCP/80", "TCP/443", "UDP/53");
    for (int[] op : ops) {
      ServiceKey k = new ServiceKey("default", "s" + op[0]);
      model.values().forEach(list -> list.removeIf(c -> c.key().equals(k)));
      model.values().removeIf(List::isEmpty);
      // Released first: what is checked here is the walk, not keeping a held address.
      a.release(k);
      if (op[4] == 1) {
        continue;
      }
      Claim claim = new Claim(k, op[1] == 0 ? null : "k" + op[1], op[3] == 1 ? TrafficPolicy.LOCAL : TrafficPolicy.CLUSTER,
          ports.get(op[2]));
      ServiceRequest r = ServiceRequest.of(k).withSharing(claim.sharingKey(), List.of(claim.port()), claim.policy(),
          java.util.Map.of("app", "x"));
      InetAddress expected = naiveWalk(pool, model, claim);
      AllocationResult result = a.assign(r, List.of());
      if (expected == null) {
        assertThat(result).isInstanceOf(AllocationResult.Failed.class);
      } else {
        assertThat(result).isEqualTo(new AllocationResult.Allocated("p", List.of(expected), true));
        model.computeIfAbsent(expected, x -> new ArrayList<>()).add(claim);
      }
    }
  }

  static InetAddress naiveWalk(Pool pool, java.util.Map<InetAddress, List<Claim>> model, Claim c) {
    for (Pool.Entry e : pool.entriesInSpecOrder(IpFamily.IPV4)) {
      for (long v = e.start().lo(); v <= e.end().lo(); v++) {
        InetAddress ip = Addr.v4(v).toInet();
        if (pool.avoidBuggyIPs() && (v % 256 == 0 || v % 256 == 255)) {
          continue;
        }
        List<Claim> holders = model.getOrDefault(ip, List.of());
        boolean ok = holders.stream().allMatch(h -> h.sharingKey() != null && h.sharingKey().equals(c.sharingKey())
            && h.policy() == c.policy() && !h.port().equals(c.port()));
        if (ok) {
          return ip;
        }
      }
    }
    return null;
  }

  static InetAddress naiveFirstFree(Pool pool, Set<InetAddress> held, Set<InetAddress> foreign) {
    for (Pool.Entry e : pool.entriesInSpecOrder(IpFamily.IPV4)) {
      for (long v = e.start().lo(); v <= e.end().lo(); v++) {
        InetAddress ip = Addr.v4(v).toInet();
        boolean buggy = pool.avoidBuggyIPs() && (v % 256 == 0 || v % 256 == 255);
        if (!buggy && !held.contains(ip) && !foreign.contains(ip)) {
          return ip;
        }
      }
    }
    return null;
  }
}
