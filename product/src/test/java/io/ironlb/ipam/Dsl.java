package io.ironlb.ipam;

import io.ironlb.model.IpText;
import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.model.LabelSelector;
import io.ironlb.model.ServiceKey;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A small vocabulary for allocator stories: pools, services, steps and what each step must give. */
final class Dsl {

  private Dsl() {}

  // ----- values

  static InetAddress ip(String text) {
    return IpText.parse(text).orElseThrow(() -> new IllegalArgumentException("bad IP in test: " + text));
  }

  static List<InetAddress> ips(String... texts) {
    return Arrays.stream(texts).map(Dsl::ip).toList();
  }

  static String text(List<InetAddress> ips) {
    return String.join(" ", ips.stream().map(IpText::format).toList());
  }

  static ServiceKey key(String nsSlashName) {
    return nsSlashName.contains("/") ? ServiceKey.parse(nsSlashName) : new ServiceKey("default", nsSlashName);
  }

  // ----- pools

  static PoolSpec pool(String name, String... addresses) {
    return PoolSpec.of(name, addresses);
  }

  static PoolSpec manual(PoolSpec p) {
    return new PoolSpec(p.name(), p.addresses(), false, p.avoidBuggyIPs(), p.priority(), p.namespaces(),
        p.namespaceSelectors(), p.serviceSelectors(), p.hasServiceAllocation());
  }

  static PoolSpec avoidBuggy(PoolSpec p) {
    return new PoolSpec(p.name(), p.addresses(), p.autoAssign(), true, p.priority(), p.namespaces(),
        p.namespaceSelectors(), p.serviceSelectors(), p.hasServiceAllocation());
  }

  static PoolSpec priority(int priority, PoolSpec p) {
    return new PoolSpec(p.name(), p.addresses(), p.autoAssign(), p.avoidBuggyIPs(), priority, p.namespaces(),
        p.namespaceSelectors(), p.serviceSelectors(), p.hasServiceAllocation());
  }

  /** {@code serviceAllocation: {}}: present, but with nothing set. */
  static PoolSpec emptyServiceAllocation(PoolSpec p) {
    return new PoolSpec(p.name(), p.addresses(), p.autoAssign(), p.avoidBuggyIPs(), p.priority(), p.namespaces(),
        p.namespaceSelectors(), p.serviceSelectors(), true);
  }

  static PoolSpec namespaces(PoolSpec p, String... namespaces) {
    return new PoolSpec(p.name(), p.addresses(), p.autoAssign(), p.avoidBuggyIPs(), p.priority(),
        List.of(namespaces), p.namespaceSelectors(), p.serviceSelectors(), p.hasServiceAllocation());
  }

  static PoolSpec namespaceSelector(PoolSpec p, Map<String, String> labels) {
    return new PoolSpec(p.name(), p.addresses(), p.autoAssign(), p.avoidBuggyIPs(), p.priority(), p.namespaces(),
        List.of(LabelSelector.ofLabels(labels)), p.serviceSelectors(), p.hasServiceAllocation());
  }

  static PoolSpec serviceSelector(PoolSpec p, Map<String, String> labels) {
    return new PoolSpec(p.name(), p.addresses(), p.autoAssign(), p.avoidBuggyIPs(), p.priority(), p.namespaces(),
        p.namespaceSelectors(), List.of(LabelSelector.ofLabels(labels)), p.hasServiceAllocation());
  }

  static Pool parsed(PoolSpec spec) {
    return switch (Pool.parse(spec)) {
      case PoolValidation.Valid v -> v.pool();
      case PoolValidation.Invalid i -> throw new IllegalArgumentException("test pool invalid: " + i.errors());
    };
  }

  static List<Pool> parsed(List<PoolSpec> specs) {
    return specs.stream().map(Dsl::parsed).toList();
  }

  // ----- services

  static ServiceRequest svc(String name) {
    return ServiceRequest.of(key(name));
  }

  static ServiceRequest v6(ServiceRequest r) {
    return r.withFamilies(FamilyPolicy.SINGLE_STACK, IpFamily.IPV6);
  }

  static ServiceRequest requireDual(ServiceRequest r) {
    return r.withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK, IpFamily.IPV4, IpFamily.IPV6);
  }

  static ServiceRequest preferDual(ServiceRequest r, IpFamily... families) {
    IpFamily[] f = families.length == 0 ? new IpFamily[] {IpFamily.IPV4, IpFamily.IPV6} : families;
    return r.withFamilies(FamilyPolicy.PREFER_DUAL_STACK, f);
  }

  static ServiceRequest wants(ServiceRequest r, String... addresses) {
    return r.withRequestedIps(ips(addresses));
  }

  static ServiceRequest inPool(ServiceRequest r, String pool) {
    return r.withRequestedPool(pool);
  }

  /** Sharing key and ports like "TCP/80", "UDP/53"; Cluster policy. */
  static ServiceRequest shared(ServiceRequest r, String sharingKey, String... ports) {
    return r.withSharing(sharingKey, ports(ports), TrafficPolicy.CLUSTER, Map.of());
  }

  static ServiceRequest local(ServiceRequest r, Map<String, String> selector) {
    return r.withSharing(r.sharingKey(), r.ports(), TrafficPolicy.LOCAL, selector);
  }

  static ServiceRequest labels(ServiceRequest r, Map<String, String> serviceLabels, Map<String, String> nsLabels) {
    return r.withLabels(serviceLabels, nsLabels);
  }

  static List<ServicePort> ports(String... ports) {
    List<ServicePort> out = new ArrayList<>();
    for (String p : ports) {
      String[] parts = p.split("/");
      out.add(new ServicePort(parts[0], Integer.parseInt(parts[1])));
    }
    return out;
  }

  // ----- steps

  sealed interface Step {}

  /** assign(request, current) must give the expectation. */
  record Assign(ServiceRequest request, List<InetAddress> current, Expect expect) implements Step {}

  /** restore(request, current) must give the expectation. */
  record Restore(ServiceRequest request, List<InetAddress> current, Expect expect) implements Step {}

  record Release(ServiceKey key) implements Step {}

  record MarkForeign(InetAddress ip, String owner) implements Step {}

  record ClearForeign(InetAddress ip) implements Step {}

  /** setPools(pools) must release exactly these services. */
  record SetPools(List<PoolSpec> pools, List<String> released) implements Step {}

  record Usage(String pool, PoolUsage usage) implements Step {}

  record Holds(String service, String pool, String ips) implements Step {}

  record MoveReason(String service, String fragment) implements Step {}

  sealed interface Expect {}

  /** Allocated from the pool, these addresses in this order; changed checked when not null. */
  record Gets(String pool, String ips, Boolean changed) implements Expect {}

  record Fails(List<String> fragments) implements Expect {}

  static Step assign(ServiceRequest r, Expect e) {
    return new Assign(r, List.of(), e);
  }

  static Step assign(ServiceRequest r, List<InetAddress> current, Expect e) {
    return new Assign(r, current, e);
  }

  static Step restore(ServiceRequest r, List<InetAddress> current, Expect e) {
    return new Restore(r, current, e);
  }

  static Step release(String name) {
    return new Release(key(name));
  }

  static Step markForeign(String ip, String owner) {
    return new MarkForeign(ip(ip), owner);
  }

  static Step clearForeign(String ip) {
    return new ClearForeign(ip(ip));
  }

  static Step setPools(List<PoolSpec> pools, String... released) {
    return new SetPools(pools, List.of(released));
  }

  static Step usage(String pool, long assigned4, long assigned6, long available4, long available6) {
    return new Usage(pool, new PoolUsage(assigned4, assigned6, available4, available6));
  }

  static Step holds(String service, String pool, String ips) {
    return new Holds(service, pool, ips);
  }

  static Step moveReason(String service, String fragment) {
    return new MoveReason(service, fragment);
  }

  static Expect gets(String pool, String ips) {
    return new Gets(pool, ips, null);
  }

  static Expect getsNew(String pool, String ips) {
    return new Gets(pool, ips, true);
  }

  static Expect keeps(String pool, String ips) {
    return new Gets(pool, ips, false);
  }

  static Expect fails(String... fragments) {
    return new Fails(List.of(fragments));
  }

  // ----- running

  static Allocator run(List<PoolSpec> pools, List<Step> steps) {
    Allocator a = new Allocator();
    a.setPools(parsed(pools));
    for (int i = 0; i < steps.size(); i++) {
      runStep(a, steps.get(i), "step " + (i + 1) + " " + steps.get(i));
    }
    return a;
  }

  private static void runStep(Allocator a, Step step, String where) {
    switch (step) {
      case Assign s -> check(a.assign(s.request(), s.current()), s.expect(), where);
      case Restore s -> check(a.restore(s.request(), s.current()), s.expect(), where);
      case Release s -> a.release(s.key());
      case MarkForeign s -> a.markForeign(s.ip(), s.owner());
      case ClearForeign s -> a.clearForeign(s.ip());
      case SetPools s -> assertThat(a.setPools(parsed(s.pools())).stream().map(ServiceKey::name).toList())
          .as(where).containsExactlyInAnyOrderElementsOf(s.released());
      case Usage s -> assertThat(a.usage(s.pool())).as(where).isEqualTo(s.usage());
      case Holds s -> {
        if (s.pool() == null) {
          assertThat(a.allocationOf(key(s.service()))).as(where).isEmpty();
        } else {
          Allocation al = a.allocationOf(key(s.service())).orElseThrow(() -> new AssertionError(where + ": holds nothing"));
          assertThat(al.pool() + " " + text(al.ips())).as(where).isEqualTo(s.pool() + " " + s.ips());
        }
      }
      case MoveReason s -> assertThat(a.lastMoveReason(key(s.service()))).as(where).hasValueSatisfying(
          r -> assertThat(r).contains(s.fragment()));
    }
  }

  private static void check(AllocationResult result, Expect expect, String where) {
    switch (expect) {
      case Gets g -> {
        assertThat(result).as(where).isInstanceOf(AllocationResult.Allocated.class);
        var al = (AllocationResult.Allocated) result;
        assertThat(al.pool() + " " + text(al.ips())).as(where).isEqualTo(g.pool() + " " + g.ips());
        if (g.changed() != null) {
          assertThat(al.changed()).as(where + " changed").isEqualTo(g.changed());
        }
      }
      case Fails f -> {
        assertThat(result).as(where).isInstanceOf(AllocationResult.Failed.class);
        String reason = ((AllocationResult.Failed) result).reason();
        for (String fragment : f.fragments()) {
          assertThat(reason).as(where).contains(fragment);
        }
      }
    }
  }
}
