package io.ironlb.bench;

import io.ironlb.ipam.Allocation;
import io.ironlb.ipam.AllocationResult;
import io.ironlb.ipam.Allocator;
import io.ironlb.ipam.FamilyPolicy;
import io.ironlb.ipam.IpFamily;
import io.ironlb.ipam.Pool;
import io.ironlb.ipam.PoolSpec;
import io.ironlb.ipam.PoolValidation;
import io.ironlb.ipam.ServicePort;
import io.ironlb.ipam.ServiceRequest;
import io.ironlb.ipam.TrafficPolicy;
import io.ironlb.model.ServiceKey;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Allocates N services over 10 pools (one an IPv6 /64; single-stack IPv4 and IPv6, dual-stack and
 * sharing services), then rebuilds N from their status into a fresh allocator, both with restore()
 * (the restart path) and with assign() alone, and checks that not one address changed.
 * Prints times (median, p90, max over repetitions after warm-up) and retained heap.
 *
 * <p>Usage: {@code AllocatorBench [--json FILE] [N ...]}, default 10000 100000. With {@code --json},
 * also writes every measured sample to FILE (rewritten after each N), for {@code bench/run}'s report:
 * <pre>
 * {"bench": "allocator", "jdk": "25.0.3+9-LTS", "cpus": 2, "targetMs": 1000,
 *  "runs": [{"services": 10000, "pools": 10, "allocated": 10000, "failed": 0, "warmups": 4, "repetitions": 9,
 *            "allocateMicros": [..], "rebuildRestoreMicros": [..], "rebuildAssignMicros": [..],
 *            "heapRetainedBytes": {"allocate": .., "rebuildRestore": .., "rebuildAssign": ..},
 *            "addressChanges": 0}]}
 * </pre>
 */
public final class AllocatorBench {

  private static final long TARGET_MS = 1_000;

  public static void main(String[] args) throws IOException {
    List<String> rest = new ArrayList<>(List.of(args));
    Path json = BenchJson.takeOption(rest, "--json");
    int[] sizes = rest.isEmpty() ? new int[] {10_000, 100_000} : rest.stream().mapToInt(Integer::parseInt).toArray();
    System.out.printf("JDK %s, %d CPUs, max heap %d MiB%n", Runtime.version(), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    List<Map<String, Object>> runs = new ArrayList<>();
    for (int n : sizes) {
      Map<String, Object> result = run(n);
      runs.add(result);
      if (json != null) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("bench", "allocator");
        doc.put("jdk", Runtime.version().toString());
        doc.put("cpus", Runtime.getRuntime().availableProcessors());
        doc.put("targetMs", TARGET_MS);
        doc.put("runs", runs);
        BenchJson.write(json, doc);
      }
      if (((Number) result.get("addressChanges")).longValue() != 0) {
        System.exit(1);
      }
    }
  }

  static List<Pool> pools() {
    List<PoolSpec> specs = new ArrayList<>();
    specs.add(new PoolSpec("v6-slash64", List.of("2001:db8:0:64::/64"), true, false, 10, List.of(), List.of(), List.of()));
    for (int i = 1; i <= 4; i++) {
      specs.add(new PoolSpec("dual-" + i, List.of("10." + i + ".0.0/18", "2001:db8:" + i + "::/112"), true, false,
          i <= 2 ? i : null, List.of(), List.of(), List.of()));
    }
    for (int i = 5; i <= 8; i++) {
      specs.add(new PoolSpec("v4-" + i, List.of("10." + i + ".0.0-10." + i + ".63.255"), true, false, null,
          i == 8 ? List.of("team") : List.of(), List.of(), List.of()));
    }
    specs.add(new PoolSpec("buggy", List.of("10.9.0.0/16"), true, true, 50, List.of(), List.of(), List.of()));
    List<Pool> out = new ArrayList<>();
    for (PoolSpec s : specs) {
      switch (Pool.parse(s)) {
        case PoolValidation.Valid v -> out.add(v.pool());
        case PoolValidation.Invalid i -> throw new IllegalStateException(i.errors().toString());
      }
    }
    return out;
  }

  /** 70% IPv4, 10% IPv6, 10% RequireDualStack, 10% sharing in groups of three; a few pinned to a pool. */
  static List<ServiceRequest> services(int n) {
    List<ServiceRequest> out = new ArrayList<>(n);
    List<ServicePort> groupPorts = List.of(new ServicePort("TCP", 80), new ServicePort("TCP", 443), new ServicePort("UDP", 53));
    for (int i = 0; i < n; i++) {
      ServiceKey key = new ServiceKey(i % 7 == 0 ? "team" : "ns" + (i % 50), "svc-" + i);
      ServiceRequest r = ServiceRequest.of(key).withSharing(null, List.of(new ServicePort("TCP", 8080)), TrafficPolicy.CLUSTER, Map.of());
      int kind = i % 10;
      if (kind == 7) {
        r = r.withFamilies(FamilyPolicy.SINGLE_STACK, IpFamily.IPV6);
      } else if (kind == 8) {
        r = r.withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK, IpFamily.IPV4, IpFamily.IPV6);
      } else if (kind == 9) {
        r = r.withSharing("share-" + (i / 30), List.of(groupPorts.get((i / 10) % 3)), TrafficPolicy.CLUSTER, Map.of());
      }
      if (i % 100 == 1) {
        r = r.withRequestedPool("v4-6");
      }
      out.add(r);
    }
    return out;
  }

  record Sample(double ms, long heapBytes) {}

  static Map<String, Object> run(int n) {
    List<Pool> pools = pools();
    List<ServiceRequest> requests = services(n);
    int warmups = n >= 100_000 ? 2 : 4;
    int reps = n >= 100_000 ? 5 : 9;

    List<Sample> alloc = new ArrayList<>();
    List<Sample> restore = new ArrayList<>();
    List<Sample> reassign = new ArrayList<>();
    long failed = 0;
    long changedOnRebuild = 0;
    Map<ServiceKey, Allocation> reference = null;
    for (int rep = 0; rep < warmups + reps; rep++) {
      boolean measured = rep >= warmups;

      // 1. allocate everything
      long heap0 = usedHeap();
      long t0 = System.nanoTime();
      Allocator a = new Allocator();
      a.setPools(pools);
      int fails = 0;
      for (ServiceRequest r : requests) {
        if (a.assign(r, List.of()) instanceof AllocationResult.Failed) {
          fails++;
        }
      }
      long t1 = System.nanoTime();
      long heapAlloc = usedHeap() - heap0;
      Map<ServiceKey, Allocation> status = a.allocations();
      if (reference == null) {
        reference = status;
        failed = fails;
      } else if (!reference.equals(status)) {
        throw new IllegalStateException("allocation is not deterministic");
      }

      // 2. rebuild from status with restore(), in an order unlike the original one
      List<ServiceRequest> replay = new ArrayList<>(requests);
      Collections.shuffle(replay, new Random(rep));
      Map<ServiceKey, List<InetAddress>> statusIps = new HashMap<>();
      status.forEach((k, v) -> statusIps.put(k, v.ips()));
      a = null;
      long heap1 = usedHeap();
      long t2 = System.nanoTime();
      Allocator b = new Allocator();
      b.setPools(pools);
      for (ServiceRequest r : replay) {
        List<InetAddress> ips = statusIps.get(r.key());
        if (ips != null) {
          AllocationResult res = b.restore(r, ips);
          if (!(res instanceof AllocationResult.Allocated al) || al.changed()) {
            changedOnRebuild++;
          }
        }
      }
      for (ServiceRequest r : replay) {
        if (!statusIps.containsKey(r.key())) {
          b.assign(r, List.of());
        }
      }
      long t3 = System.nanoTime();
      long heapRestore = usedHeap() - heap1;
      changedOnRebuild += diff(status, b.allocations());
      b = null;

      // 3. rebuild from status with assign() alone (services with addresses first)
      long heap2 = usedHeap();
      long t4 = System.nanoTime();
      Allocator c = new Allocator();
      c.setPools(pools);
      for (ServiceRequest r : replay) {
        List<InetAddress> ips = statusIps.get(r.key());
        if (ips != null) {
          AllocationResult res = c.assign(r, ips);
          if (!(res instanceof AllocationResult.Allocated al) || al.changed()) {
            changedOnRebuild++;
          }
        }
      }
      long t5 = System.nanoTime();
      long heapAssign = usedHeap() - heap2;
      changedOnRebuild += diff(status, c.allocations());
      c = null;

      if (measured) {
        alloc.add(new Sample((t1 - t0) / 1e6, heapAlloc));
        restore.add(new Sample((t3 - t2) / 1e6, heapRestore));
        reassign.add(new Sample((t5 - t4) / 1e6, heapAssign));
      }
    }
    System.out.printf("%n== %,d services over %d pools (%,d allocated, %,d failed), %d runs after %d warm-ups%n",
        n, pools.size(), reference.size(), failed, reps, warmups);
    report("allocate", alloc);
    report("rebuild with restore()", restore);
    report("rebuild with assign()", reassign);
    System.out.printf("address changes on rebuild: %d%s%n", changedOnRebuild, changedOnRebuild == 0 ? " (none)" : "  <-- FAIL");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("services", n);
    out.put("pools", pools.size());
    out.put("allocated", reference.size());
    out.put("failed", failed);
    out.put("warmups", warmups);
    out.put("repetitions", reps);
    out.put("allocateMicros", micros(alloc));
    out.put("rebuildRestoreMicros", micros(restore));
    out.put("rebuildAssignMicros", micros(reassign));
    out.put("heapRetainedBytes", Map.of("allocate", medianHeap(alloc), "rebuildRestore", medianHeap(restore), "rebuildAssign",
        medianHeap(reassign)));
    out.put("addressChanges", changedOnRebuild);
    return out;
  }

  static List<Long> micros(List<Sample> samples) {
    return samples.stream().map(s -> Math.round(s.ms() * 1000)).toList();
  }

  static long medianHeap(List<Sample> samples) {
    return samples.stream().mapToLong(Sample::heapBytes).sorted().skip(samples.size() / 2).findFirst().orElse(0);
  }

  static long diff(Map<ServiceKey, Allocation> expected, Map<ServiceKey, Allocation> actual) {
    long d = 0;
    for (var e : expected.entrySet()) {
      if (!e.getValue().equals(actual.get(e.getKey()))) {
        d++;
      }
    }
    return d;
  }

  static void report(String what, List<Sample> samples) {
    double[] ms = samples.stream().mapToDouble(Sample::ms).sorted().toArray();
    long heap = (long) samples.stream().mapToLong(Sample::heapBytes).sorted().skip(samples.size() / 2).findFirst().orElse(0);
    double median = ms[ms.length / 2];
    double p90 = ms[Math.min(ms.length - 1, (int) Math.ceil(ms.length * 0.9) - 1)];
    double max = ms[ms.length - 1];
    System.out.printf("%-24s median %8.1f ms  p90 %8.1f ms  max %8.1f ms  (%.2fx of the %d ms target)  heap retained %6.1f MiB%n",
        what, median, p90, max, median / TARGET_MS, TARGET_MS, heap / (1024.0 * 1024.0));
  }

  static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
