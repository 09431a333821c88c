package io.ironlb.ipam;

import static io.ironlb.ipam.Dsl.*;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Allocator rules as stories: each case is pools plus steps, every step with its expected outcome. */
class AllocatorTest {

  record Case(String name, List<PoolSpec> pools, List<Step> steps) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case story(String name, List<PoolSpec> pools, Step... steps) {
    return new Case(name, pools, List.of(steps));
  }

  static final PoolSpec LAN = pool("lan", "198.51.100.10-198.51.100.12");

  static Stream<Case> poolChoice() {
    return Stream.of(
        story("services get the lowest free address, one after the other", List.of(LAN),
            assign(svc("a"), gets("lan", "198.51.100.10")),
            assign(svc("b"), gets("lan", "198.51.100.11")),
            assign(svc("c"), gets("lan", "198.51.100.12")),
            assign(svc("d"), fails("no available IPs for IPv4 in any pool service default/d may use", "\"lan\""))),
        story("a released address is the next one handed out", List.of(LAN),
            assign(svc("a"), gets("lan", "198.51.100.10")),
            assign(svc("b"), gets("lan", "198.51.100.11")),
            release("a"),
            assign(svc("c"), gets("lan", "198.51.100.10"))),
        story("entries are used in the order the pool lists them, as MetalLB walks them",
            List.of(pool("lan", "198.51.100.200/31", "198.51.100.10/31")),
            assign(svc("a"), gets("lan", "198.51.100.200")),
            assign(svc("b"), gets("lan", "198.51.100.201")),
            assign(svc("c"), gets("lan", "198.51.100.10"))),
        story("a CIDR and a range mix in one pool", List.of(pool("lan", "198.51.100.8/31", " 198.51.100.20 - 198.51.100.20 ")),
            assign(svc("a"), gets("lan", "198.51.100.8")),
            assign(svc("b"), gets("lan", "198.51.100.9")),
            assign(svc("c"), gets("lan", "198.51.100.20"))),
        story("pools without a priority are tried by name", List.of(pool("zeta", "203.0.113.1/32"), pool("alpha", "198.51.100.1/32")),
            assign(svc("a"), gets("alpha", "198.51.100.1")),
            assign(svc("b"), gets("zeta", "203.0.113.1"))),
        story("a lower priority number is tried first and an unset priority last",
            List.of(pool("a-unset", "198.51.100.1/32"), priority(20, pool("b-twenty", "198.51.100.2/32")),
                priority(10, pool("c-ten", "198.51.100.3/32"))),
            assign(svc("s1"), gets("c-ten", "198.51.100.3")),
            assign(svc("s2"), gets("b-twenty", "198.51.100.2")),
            assign(svc("s3"), gets("a-unset", "198.51.100.1"))),
        story("priority 0 counts as unset, as in MetalLB",
            List.of(priority(0, pool("a", "198.51.100.1/32")), priority(5, pool("b", "198.51.100.2/32"))),
            assign(svc("s1"), gets("b", "198.51.100.2"))),
        story("the next pool serves once the first is full",
            List.of(priority(1, pool("small", "198.51.100.1/32")), priority(2, pool("big", "203.0.113.0/24"))),
            assign(svc("a"), gets("small", "198.51.100.1")),
            assign(svc("b"), gets("big", "203.0.113.0"))),
        story("a pool with autoAssign false serves only explicit requests",
            List.of(manual(pool("manual", "198.51.100.1/32")), pool("auto", "203.0.113.1/32")),
            assign(svc("a"), gets("auto", "203.0.113.1")),
            assign(svc("b"), fails("\"manual\" with autoAssign: false", "metallb.io/address-pool")),
            assign(inPool(svc("c"), "manual"), gets("manual", "198.51.100.1"))),
        story("a pool with autoAssign false hands out an address asked for by IP",
            List.of(manual(pool("manual", "198.51.100.0/30"))),
            assign(wants(svc("a"), "198.51.100.2"), gets("manual", "198.51.100.2"))),
        story("a pool reserved for a namespace comes before pools without serviceAllocation, even without a priority",
            List.of(pool("open", "203.0.113.0/24"), namespaces(pool("team", "198.51.100.0/24"), "team")),
            assign(svc("team/a"), gets("team", "198.51.100.0")),
            assign(svc("other/b"), gets("open", "203.0.113.0"))),
        story("a reserved pool that is full falls back to the open pools",
            List.of(pool("open", "203.0.113.0/24"), namespaces(pool("team", "198.51.100.1/32"), "team")),
            assign(svc("team/a"), gets("team", "198.51.100.1")),
            assign(svc("team/b"), gets("open", "203.0.113.0"))),
        story("reserved pools are ordered by priority among themselves",
            List.of(priority(9, namespaces(pool("team-b", "198.51.100.2/32"), "team")),
                priority(3, namespaces(pool("team-a", "198.51.100.3/32"), "team"))),
            assign(svc("team/a"), gets("team-a", "198.51.100.3")),
            assign(svc("team/b"), gets("team-b", "198.51.100.2"))),
        story("a pool with a service selector serves matching services only",
            List.of(pool("open", "203.0.113.0/24"), serviceSelector(pool("web", "198.51.100.0/24"), Map.of("tier", "web"))),
            assign(labels(svc("a"), Map.of("tier", "web"), Map.of()), gets("web", "198.51.100.0")),
            assign(labels(svc("b"), Map.of("tier", "db"), Map.of()), gets("open", "203.0.113.0"))),
        story("a pool with a namespace selector serves namespaces with matching labels",
            List.of(pool("open", "203.0.113.0/24"), namespaceSelector(pool("prod", "198.51.100.0/24"), Map.of("env", "prod"))),
            assign(labels(svc("shop/a"), Map.of(), Map.of("env", "prod")), gets("prod", "198.51.100.0")),
            assign(labels(svc("lab/b"), Map.of(), Map.of("env", "dev")), gets("open", "203.0.113.0"))),
        story("namespace and service restrictions must both hold (MetalLB's test5/test6)",
            List.of(priority(20, serviceSelector(namespaces(pool("p", "198.51.100.0/24"), "ns1"), Map.of("team", "metallb")))),
            assign(labels(svc("ns1/a"), Map.of("team", "metallb"), Map.of()), gets("p", "198.51.100.0")),
            assign(labels(svc("ns2/b"), Map.of("team", "metallb"), Map.of()), fails("reserved by serviceAllocation")),
            assign(labels(wants(svc("ns1/c"), "198.51.100.9"), Map.of("team", "red"), Map.of()),
                fails("pool \"p\" is reserved by its serviceAllocation for namespaces [ns1] and 1 service selector(s)",
                    "default/c".replace("default", "ns1")))),
        story("a service asking for another namespace's pool by name fails",
            List.of(namespaces(pool("team", "198.51.100.0/24"), "team")),
            assign(inPool(svc("other/a"), "team"), fails("pool \"team\" is reserved", "other/a does not match"))),
        story("asking for a pool that does not exist fails and names it",
            List.of(LAN),
            assign(inPool(svc("a"), "x"), fails("pool \"x\" does not exist", "\"lan\""))),
        story("asking for a full pool names the pool and the family",
            List.of(pool("lan", "198.51.100.1/32"), pool("other", "203.0.113.0/24")),
            assign(inPool(svc("a"), "lan"), gets("lan", "198.51.100.1")),
            assign(inPool(svc("b"), "lan"), fails("no available IPs in pool \"lan\" for IPv4"))),
        story("no pools at all is said plainly", List.of(),
            assign(svc("a"), fails("no usable IPAddressPool"))));
  }

  /**
   * serviceAllocation with only a priority (or empty) matches every service and is ranked together
   * with the reserved pools: the expected pools are MetalLB's (allocator.go pinnedPoolsForService,
   * sortPools and the fallback; notes section 1). Ties, which MetalLB leaves to map and sort order,
   * go by name here.
   */
  static Stream<Case> serviceAllocationRanking() {
    PoolSpec a = priority(5, namespaces(pool("a", "198.51.100.1/32"), "ns1"));
    PoolSpec b = priority(1, pool("b", "198.51.100.2/32"));
    Map<String, String> team = Map.of("team", "metallb");
    // MetalLB's controller_test.go pools 6 to 12 (addresses moved into documentation ranges).
    List<PoolSpec> metallbFixture = List.of(
        priority(10, namespaces(pool("pool6", "198.51.100.0/31"), "test-ns1")),
        priority(11, namespaces(pool("pool7", "198.51.100.2/31"), "test-ns1")),
        priority(9, serviceSelector(pool("pool8", "198.51.100.4/31"), team)),
        namespaces(pool("pool9", "198.51.100.6/31"), "test-ns2"),
        priority(8, serviceSelector(pool("pool10", "198.51.100.8/31"), team)),
        priority(8, serviceSelector(namespaces(pool("pool11", "198.51.100.10/31"), "test-ns1"), team)),
        priority(5, serviceSelector(namespaces(pool("pool12", "198.51.100.12/31"), "test-ns1"), team)),
        pool("pool1", "203.0.113.0/31"));
    return Stream.of(
        story("issue 13's example: a priority-only pool beats a namespace pool of a higher number", List.of(a, b),
            assign(svc("ns1/s1"), gets("b", "198.51.100.2")),
            assign(svc("ns1/s2"), gets("a", "198.51.100.1")),
            assign(svc("ns1/s3"), fails("no available IPs for IPv4"))),
        story("a priority-only pool serves every namespace; another namespace's pool is never its fallback", List.of(a, b),
            assign(svc("ns2/s1"), gets("b", "198.51.100.2")),
            assign(svc("ns2/s2"), fails("no available IPs for IPv4", "reserved by serviceAllocation"))),
        story("a priority-only pool comes before a namespace pool without priority (set beats unset)",
            List.of(namespaces(pool("a", "198.51.100.1/32"), "ns1"), b),
            assign(svc("ns1/s1"), gets("b", "198.51.100.2")),
            assign(svc("ns1/s2"), gets("a", "198.51.100.1"))),
        story("pools with a serviceAllocation are all tried before any pool without one",
            List.of(pool("open", "203.0.113.0/24"), b, priority(7, pool("c", "198.51.100.3/32"))),
            assign(svc("s1"), gets("b", "198.51.100.2")),
            assign(svc("s2"), gets("c", "198.51.100.3")),
            assign(svc("s3"), gets("open", "203.0.113.0"))),
        story("an empty serviceAllocation matches every service, after the positive priorities and before the rest",
            List.of(pool("open", "203.0.113.0/24"), emptyServiceAllocation(pool("empty", "198.51.100.5/32")), b),
            assign(svc("s1"), gets("b", "198.51.100.2")),
            assign(svc("s2"), gets("empty", "198.51.100.5")),
            assign(svc("s3"), gets("open", "203.0.113.0"))),
        story("serviceAllocation with priority 0 is present but unset: after positive priorities, before the rest",
            List.of(pool("open", "203.0.113.0/24"), priority(0, pool("zero", "198.51.100.5/32")), b),
            assign(svc("s1"), gets("b", "198.51.100.2")),
            assign(svc("s2"), gets("zero", "198.51.100.5")),
            assign(svc("s3"), gets("open", "203.0.113.0"))),
        story("equal priorities and unset ones are tried by name (MetalLB: unspecified order)",
            List.of(priority(3, pool("m", "198.51.100.1/32")), priority(3, pool("k", "198.51.100.2/32")),
                emptyServiceAllocation(pool("z", "198.51.100.3/32")), emptyServiceAllocation(pool("y", "198.51.100.4/32"))),
            assign(svc("s1"), gets("k", "198.51.100.2")),
            assign(svc("s2"), gets("m", "198.51.100.1")),
            assign(svc("s3"), gets("y", "198.51.100.4")),
            assign(svc("s4"), gets("z", "198.51.100.3"))),
        story("a priority-only pool without the service's family is passed over for the next one",
            List.of(priority(1, pool("v6only", "2001:db8::/120")), priority(2, pool("v4", "198.51.100.0/24"))),
            assign(svc("s1"), gets("v4", "198.51.100.0")),
            assign(v6(svc("s2")), gets("v6only", "2001:db8::"))),
        story("a priority-only pool with autoAssign false is not tried automatically",
            List.of(manual(b), pool("open", "203.0.113.0/24")),
            assign(svc("s1"), gets("open", "203.0.113.0")),
            assign(inPool(svc("s2"), "b"), gets("b", "198.51.100.2"))),
        story("MetalLB controller_test: test-ns1 without labels gets pool6 (priority 10 beats 11)", metallbFixture,
            assign(svc("test-ns1/s"), gets("pool6", "198.51.100.0"))),
        story("MetalLB controller_test: test-ns2 gets pool9 (namespace pool without priority)", metallbFixture,
            assign(svc("test-ns2/s"), gets("pool9", "198.51.100.6"))),
        story("MetalLB controller_test: label team=metallb elsewhere gets pool10 (priority 8 beats pool8's 9)", metallbFixture,
            assign(labels(svc("s"), team, Map.of()), gets("pool10", "198.51.100.8"))),
        story("MetalLB controller_test: test-ns1 with team=metallb gets pool12 (priority 5)", metallbFixture,
            assign(labels(svc("test-ns1/s"), team, Map.of()), gets("pool12", "198.51.100.12"))),
        story("MetalLB controller_test: no namespace or label match falls back to pools without serviceAllocation",
            metallbFixture,
            assign(svc("other/s"), gets("pool1", "203.0.113.0"))));
  }

  static Stream<Case> requestedAddresses() {
    return Stream.of(
        story("a requested address is handed out from the pool holding it",
            List.of(LAN, pool("other", "203.0.113.0/24")),
            assign(wants(svc("a"), "203.0.113.7"), gets("other", "203.0.113.7"))),
        story("an address outside every pool is refused and named", List.of(LAN),
            assign(wants(svc("a"), "198.51.100.7"), fails("IP 198.51.100.7 is not in any pool", "\"lan\""))),
        story("a requested address must be in the requested pool",
            List.of(LAN, pool("other", "203.0.113.0/24")),
            assign(inPool(wants(svc("a"), "203.0.113.7"), "lan"),
                fails("203.0.113.7 is not compatible with requested address pool lan", "in pool \"other\""))),
        story("a requested address in the requested pool is fine",
            List.of(LAN, pool("other", "203.0.113.0/24")),
            assign(inPool(wants(svc("a"), "203.0.113.7"), "other"), gets("other", "203.0.113.7"))),
        story("a requested address held by a service that does not share is refused, naming the holder",
            List.of(LAN),
            assign(svc("a"), gets("lan", "198.51.100.10")),
            assign(wants(svc("b"), "198.51.100.10"), fails("IP 198.51.100.10 is in use by default/a", "does not allow sharing")),
            holds("a", "lan", "198.51.100.10"),
            holds("b", null, null)),
        story("two requested addresses from different pools are refused",
            List.of(pool("v4", "198.51.100.0/24"), pool("v6", "2001:db8::/120")),
            assign(wants(requireDual(svc("a")), "198.51.100.1", "2001:db8::1"), fails("different pools", "\"v4\"", "\"v6\""))),
        story("requested addresses must match the service's families",
            List.of(pool("dual", "198.51.100.0/24", "2001:db8::/120")),
            assign(wants(svc("a"), "2001:db8::1"), fails("does not match the ipFamily of the service")),
            assign(wants(requireDual(svc("b")), "198.51.100.1"), fails("does not match the ipFamily")),
            assign(wants(preferDual(svc("c")), "198.51.100.1"), gets("dual", "198.51.100.1")),
            assign(wants(requireDual(svc("d")), "2001:db8::4", "198.51.100.4"), gets("dual", "198.51.100.4 2001:db8::4"))));
  }

  static Stream<Case> buggyAddresses() {
    return Stream.of(
        story("avoidBuggyIPs skips .0 and .255 and pools without it use them (MetalLB's TestBuggyIPs)",
            List.of(pool("test", "1.2.3.0/31"), pool("test2", "1.2.3.254/31"), avoidBuggy(pool("test3", "1.2.4.0/31")),
                avoidBuggy(pool("test4", "1.2.4.254/31"))),
            assign(svc("s1"), gets("test", "1.2.3.0")),
            assign(svc("s2"), gets("test", "1.2.3.1")),
            assign(svc("s3"), gets("test2", "1.2.3.254")),
            assign(svc("s4"), gets("test2", "1.2.3.255")),
            assign(svc("s5"), gets("test3", "1.2.4.1")),
            assign(svc("s6"), gets("test4", "1.2.4.254")),
            assign(svc("s7"), fails("no available IPs"))),
        story("avoidBuggyIPs steps over the .255/.0 boundary inside a range",
            List.of(avoidBuggy(pool("lan", "198.51.100.254-198.51.101.2"))),
            assign(svc("a"), gets("lan", "198.51.100.254")),
            assign(svc("b"), gets("lan", "198.51.101.1")),
            assign(svc("c"), gets("lan", "198.51.101.2")),
            usage("lan", 3, 0, 0, 0)),
        story("a .0 address cannot be requested from a pool that avoids buggy IPs",
            List.of(avoidBuggy(pool("lan", "198.51.100.0/24"))),
            assign(wants(svc("a"), "198.51.100.0"), fails("IP 198.51.100.0 ends in .0", "avoidBuggyIPs")),
            assign(wants(svc("b"), "198.51.100.255"), fails("ends in .255")),
            assign(wants(svc("c"), "198.51.100.254"), gets("lan", "198.51.100.254"))),
        story("IPv6 has no buggy addresses", List.of(avoidBuggy(pool("v6", "2001:db8::/127"))),
            assign(v6(svc("a")), gets("v6", "2001:db8::")),
            assign(v6(svc("b")), gets("v6", "2001:db8::1"))));
  }

  static Stream<Case> dualStack() {
    PoolSpec dual = pool("dual", "198.51.100.0/31", "2001:db8::/127");
    return Stream.of(
        story("RequireDualStack gets one address of each family from one pool, IPv4 first", List.of(dual),
            assign(requireDual(svc("a")), gets("dual", "198.51.100.0 2001:db8::")),
            assign(requireDual(svc("b")).withFamilies(FamilyPolicy.REQUIRE_DUAL_STACK, IpFamily.IPV6, IpFamily.IPV4),
                gets("dual", "198.51.100.1 2001:db8::1")),
            assign(requireDual(svc("c")), fails("no available IPs for IPv4", "no available IPs for IPv6", "RequireDualStack"))),
        story("RequireDualStack fails when no single pool has both families",
            List.of(pool("v4", "198.51.100.0/24"), pool("v6", "2001:db8::/120")),
            assign(requireDual(svc("a")), fails("no single pool has both an IPv4 and an IPv6 address free",
                "needs an IPv4 and an IPv6 address from one pool"))),
        story("PreferDualStack takes a pool giving both over an earlier pool giving one",
            List.of(priority(1, pool("v4only", "203.0.113.0/24")), priority(2, dual)),
            assign(preferDual(svc("a")), gets("dual", "198.51.100.0 2001:db8::"))),
        story("PreferDualStack settles for the primary family when no pool gives both",
            List.of(pool("v4", "198.51.100.0/24"), pool("v6", "2001:db8::/120")),
            assign(preferDual(svc("a")), gets("v4", "198.51.100.0")),
            assign(preferDual(svc("b"), IpFamily.IPV6, IpFamily.IPV4), gets("v6", "2001:db8::"))),
        story("PreferDualStack on a single-stack cluster (one family listed) asks for one address", List.of(dual),
            assign(preferDual(svc("a"), IpFamily.IPV4), gets("dual", "198.51.100.0"))),
        story("an IPv6 single-stack service gets an IPv6 address", List.of(dual),
            assign(v6(svc("a")), gets("dual", "2001:db8::"))),
        story("a PreferDualStack service holding one family gains the other once the pool has it",
            List.of(pool("dual", "198.51.100.0/31", "2001:db8::/128")),
            assign(v6(svc("blocker")), gets("dual", "2001:db8::")),
            assign(preferDual(svc("a")), gets("dual", "198.51.100.0")),
            release("blocker"),
            assign(preferDual(svc("a")), ips("198.51.100.0"), getsNew("dual", "198.51.100.0 2001:db8::"))),
        story("the pool counts each family apart", List.of(dual),
            assign(requireDual(svc("a")), gets("dual", "198.51.100.0 2001:db8::")),
            usage("dual", 1, 1, 1, 1)));
  }

  static Stream<Case> sharing() {
    return Stream.of(
        story("services with one sharing key and distinct ports share the first address", List.of(LAN),
            assign(shared(svc("dns-tcp"), "dns", "TCP/53"), gets("lan", "198.51.100.10")),
            assign(shared(svc("dns-udp"), "dns", "UDP/53"), gets("lan", "198.51.100.10")),
            usage("lan", 1, 0, 2, 0)),
        story("an overlapping port sends the second service to the next address", List.of(LAN),
            assign(shared(svc("a"), "k", "TCP/80"), gets("lan", "198.51.100.10")),
            assign(shared(svc("b"), "k", "TCP/80", "TCP/443"), gets("lan", "198.51.100.11"))),
        story("different sharing keys never share", List.of(LAN),
            assign(shared(svc("a"), "k1", "TCP/80"), gets("lan", "198.51.100.10")),
            assign(shared(svc("b"), "k2", "TCP/443"), gets("lan", "198.51.100.11")),
            assign(shared(wants(svc("c"), "198.51.100.10"), "k2", "TCP/22"),
                fails("in use by default/a", "sharing key \"k2\" does not match existing sharing key \"k1\""))),
        story("a sharer joins an address shared under its key before a lower free one", List.of(LAN),
            assign(svc("x"), gets("lan", "198.51.100.10")),
            assign(shared(svc("a"), "k", "TCP/80"), gets("lan", "198.51.100.11")),
            release("x"),
            assign(shared(svc("b"), "k", "TCP/443"), gets("lan", "198.51.100.10"))),
        story("a requested shared address with a clashing port names the port and the holder", List.of(LAN),
            assign(shared(svc("a"), "k", "TCP/80"), gets("lan", "198.51.100.10")),
            assign(shared(wants(svc("b"), "198.51.100.10"), "k", "TCP/80"),
                fails("port TCP/80 is already in use on 198.51.100.10 by default/a"))),
        story("a service without a sharing key cannot join a shared address", List.of(LAN),
            assign(shared(svc("a"), "k", "TCP/80"), gets("lan", "198.51.100.10")),
            assign(wants(svc("b"), "198.51.100.10"),
                fails("in use by default/a (sharing key \"k\")", "default/b does not allow sharing", "allow-shared-ip: \"k\""))),
        story("Cluster and Local services never share", List.of(LAN),
            assign(shared(svc("a"), "k", "TCP/80"), gets("lan", "198.51.100.10")),
            assign(local(shared(wants(svc("b"), "198.51.100.10"), "k", "TCP/443"), Map.of("app", "web")),
                fails("externalTrafficPolicy Cluster", "default/b has Local"))),
        story("Local services share only with identical selectors", List.of(LAN),
            assign(local(shared(svc("a"), "k", "TCP/80"), Map.of("app", "web")), gets("lan", "198.51.100.10")),
            assign(local(shared(svc("b"), "k", "TCP/443"), Map.of("app", "web")), gets("lan", "198.51.100.10")),
            assign(local(shared(wants(svc("c"), "198.51.100.10"), "k", "TCP/22"), Map.of("app", "db")),
                fails("pod selector app=web", "selects app=db", "identical selectors"))),
        story("a service alone on its address changes its sharing key in place (MetalLB's s4)", List.of(LAN),
            assign(shared(wants(svc("s4"), "198.51.100.11"), "sharing", "TCP/80"), gets("lan", "198.51.100.11")),
            assign(shared(wants(svc("s4"), "198.51.100.11"), "share", "TCP/80"), ips("198.51.100.11"),
                keeps("lan", "198.51.100.11"))),
        story("a sharer cannot change its key while another service shares the address", List.of(LAN),
            assign(shared(svc("a"), "share", "TCP/80"), gets("lan", "198.51.100.10")),
            assign(shared(svc("b"), "share", "TCP/443"), gets("lan", "198.51.100.10")),
            assign(shared(wants(svc("b"), "198.51.100.10"), "othershare", "TCP/443"), ips("198.51.100.10"),
                fails("sharing key \"othershare\" does not match existing sharing key \"share\""))),
        story("a sharer may change its ports and keep the address", List.of(LAN),
            assign(shared(svc("a"), "share", "TCP/80"), gets("lan", "198.51.100.10")),
            assign(shared(svc("b"), "share", "TCP/443"), gets("lan", "198.51.100.10")),
            assign(shared(svc("b"), "share", "UDP/53"), ips("198.51.100.10"), keeps("lan", "198.51.100.10"))),
        story("a shared address is freed only when its last sharer leaves", List.of(LAN),
            assign(shared(svc("a"), "k", "TCP/80"), gets("lan", "198.51.100.10")),
            assign(shared(svc("b"), "k", "TCP/443"), gets("lan", "198.51.100.10")),
            release("a"),
            usage("lan", 1, 0, 2, 0),
            assign(svc("c"), gets("lan", "198.51.100.11")),
            release("b"),
            usage("lan", 1, 0, 2, 0),
            assign(svc("d"), gets("lan", "198.51.100.10"))),
        story("dual-stack sharers share both addresses", List.of(pool("dual", "198.51.100.0/31", "2001:db8::/127")),
            assign(shared(requireDual(svc("a")), "k", "TCP/80"), gets("dual", "198.51.100.0 2001:db8::")),
            assign(shared(requireDual(svc("b")), "k", "TCP/443"), gets("dual", "198.51.100.0 2001:db8::")),
            assign(requireDual(svc("c")), gets("dual", "198.51.100.1 2001:db8::1"))));
  }

  static Stream<Case> keepingCurrent() {
    return Stream.of(
        story("a valid current address is kept and assign is idempotent", List.of(LAN),
            assign(svc("a"), gets("lan", "198.51.100.10")),
            assign(svc("a"), ips("198.51.100.10"), keeps("lan", "198.51.100.10")),
            assign(svc("a"), ips("198.51.100.10"), keeps("lan", "198.51.100.10")),
            usage("lan", 1, 0, 2, 0)),
        story("a restarted allocator keeps addresses from status even if they are not the lowest", List.of(LAN),
            assign(svc("b"), ips("198.51.100.12"), keeps("lan", "198.51.100.12")),
            assign(svc("a"), ips("198.51.100.10"), keeps("lan", "198.51.100.10")),
            assign(svc("c"), gets("lan", "198.51.100.11"))),
        story("a status address outside every pool is replaced and the reason kept", List.of(LAN),
            assign(svc("a"), ips("203.0.113.5"), getsNew("lan", "198.51.100.10")),
            moveReason("a", "IP 203.0.113.5 is not in any pool")),
        story("a status address from another pool than the requested one moves into it",
            List.of(LAN, pool("other", "203.0.113.0/24")),
            assign(inPool(svc("a"), "other"), ips("198.51.100.11"), getsNew("other", "203.0.113.0")),
            moveReason("a", "requests pool \"other\"")),
        story("a status address that differs from the requested one moves to it", List.of(LAN),
            assign(wants(svc("a"), "198.51.100.12"), ips("198.51.100.10"), getsNew("lan", "198.51.100.12"))),
        story("an address from an autoAssign false pool is kept", List.of(manual(LAN)),
            assign(svc("a"), ips("198.51.100.11"), keeps("lan", "198.51.100.11"))),
        story("an address in a pool now reserved for another namespace moves",
            List.of(namespaces(pool("team", "198.51.100.0/24"), "team"), pool("open", "203.0.113.0/24")),
            assign(svc("other/a"), ips("198.51.100.4"), getsNew("open", "203.0.113.0")),
            moveReason("other/a", "reserved by its serviceAllocation")),
        story("status addresses in IPv6-first order are kept and reported IPv4 first",
            List.of(pool("dual", "198.51.100.0/31", "2001:db8::/127")),
            assign(requireDual(svc("a")), ips("2001:db8::1", "198.51.100.1"), getsNew("dual", "198.51.100.1 2001:db8::1")),
            holds("a", "dual", "198.51.100.1 2001:db8::1")),
        story("an empty status stands for what the allocator already gave", List.of(LAN),
            assign(svc("a"), gets("lan", "198.51.100.10")),
            assign(svc("b"), gets("lan", "198.51.100.11")),
            release("a"),
            assign(svc("b"), getsNew("lan", "198.51.100.11"))),
        story("a status address a non-sharing service already holds is replaced", List.of(LAN),
            assign(svc("a"), ips("198.51.100.10"), keeps("lan", "198.51.100.10")),
            assign(svc("b"), ips("198.51.100.10"), getsNew("lan", "198.51.100.11")),
            moveReason("b", "in use by default/a")),
        story("a status address of the wrong family is replaced", List.of(pool("dual", "198.51.100.0/31", "2001:db8::/127")),
            assign(svc("a"), ips("2001:db8::1"), getsNew("dual", "198.51.100.0")),
            moveReason("a", "do not match the service's IP families")),
        story("restore keeps valid status addresses and allocates nothing for invalid ones", List.of(LAN),
            restore(svc("a"), ips("198.51.100.11"), keeps("lan", "198.51.100.11")),
            restore(svc("b"), ips("203.0.113.1"), fails("IP 203.0.113.1 is not in any pool")),
            holds("b", null, null),
            assign(svc("b"), ips("203.0.113.1"), getsNew("lan", "198.51.100.10"))));
  }

  static Stream<Case> foreignAddresses() {
    return Stream.of(
        story("an address marked foreign is never handed out", List.of(LAN),
            markForeign("198.51.100.10", "aa:bb:cc:dd:ee:ff"),
            assign(svc("a"), gets("lan", "198.51.100.11")),
            usage("lan", 1, 0, 1, 0)),
        story("an auto-assigned service on a newly marked address moves on its next assign", List.of(LAN),
            assign(svc("a"), gets("lan", "198.51.100.10")),
            markForeign("198.51.100.10", "aa:bb:cc:dd:ee:ff"),
            assign(svc("a"), ips("198.51.100.10"), getsNew("lan", "198.51.100.11")),
            moveReason("a", "in use by a device outside the cluster (MAC aa:bb:cc:dd:ee:ff)"),
            usage("lan", 1, 0, 1, 0)),
        story("asking for a foreign address fails naming the device", List.of(LAN),
            markForeign("198.51.100.12", "aa:bb:cc:dd:ee:ff"),
            assign(wants(svc("a"), "198.51.100.12"),
                fails("IP 198.51.100.12 is in use by a device outside the cluster (MAC aa:bb:cc:dd:ee:ff)"))),
        story("clearing the mark makes the address available again", List.of(LAN),
            markForeign("198.51.100.10", "aa:bb:cc:dd:ee:ff"),
            clearForeign("198.51.100.10"),
            assign(svc("a"), gets("lan", "198.51.100.10")),
            usage("lan", 1, 0, 2, 0)),
        story("a mark outside every pool is remembered for when a pool covers it", List.of(LAN),
            markForeign("203.0.113.1", "device"),
            setPools(List.of(LAN, pool("other", "203.0.113.1-203.0.113.2"))),
            assign(inPool(svc("a"), "other"), gets("other", "203.0.113.2")),
            usage("other", 1, 0, 0, 0)),
        story("a full pool says how many addresses devices outside the cluster hold",
            List.of(pool("lan", "198.51.100.1/32")),
            markForeign("198.51.100.1", "aa:bb:cc:dd:ee:ff"),
            assign(inPool(svc("a"), "lan"), fails("no available IPs in pool \"lan\" for IPv4 (1 marked in use by devices outside the cluster)"))));
  }

  static Stream<Case> poolChanges() {
    PoolSpec test = pool("test", "1.2.3.0/30", "1000::/126");
    PoolSpec unused = pool("unused", "1.2.4.0/30", "1001::/126");
    Step s1 = assign(wants(svc("s1"), "1.2.3.0"), gets("test", "1.2.3.0"));
    Step s2 = assign(wants(v6(svc("s2")), "1000::"), gets("test", "1000::"));
    return Stream.of(
        story("setting the same pools moves nothing (MetalLB's TestConfigReload)", List.of(test, unused), s1, s2,
            setPools(List.of(test, unused)), holds("s1", "test", "1.2.3.0"), holds("s2", "test", "1000::")),
        story("growing a pool moves nothing", List.of(test, unused), s1, s2,
            setPools(List.of(pool("test", "1.2.3.0/24", "1000::/120"))), holds("s1", "test", "1.2.3.0")),
        story("shrinking a pool releases only the services left outside", List.of(test, unused), s1, s2,
            setPools(List.of(pool("test", "1.2.3.2/31", "1000::/126")), "s1"),
            holds("s1", null, null), holds("s2", "test", "1000::")),
        story("shrinking the IPv6 side releases only the IPv6 service", List.of(test, unused), s1, s2,
            setPools(List.of(pool("test", "1.2.3.0/30", "1000::2/127")), "s2"), holds("s1", "test", "1.2.3.0")),
        story("renaming a pool keeps every address under the new name", List.of(test, unused), s1, s2,
            setPools(List.of(pool("test2", "1.2.3.0/30", "1000::/126"))),
            holds("s1", "test2", "1.2.3.0"), holds("s2", "test2", "1000::"),
            usage("test2", 1, 1, 3, 3)),
        story("splitting a pool keeps every address in the part holding it", List.of(test, unused), s1, s2,
            setPools(List.of(pool("test", "1.2.3.0/31", "1000::2/127"), pool("test2", "1.2.3.2/31", "1000::/127"))),
            holds("s1", "test", "1.2.3.0"), holds("s2", "test2", "1000::")),
        story("turning on avoidBuggyIPs releases the holder of a .0 address", List.of(test, unused), s1, s2,
            setPools(List.of(avoidBuggy(pool("test2", "1.2.3.0/31", "1000::/127"))), "s1"), holds("s2", "test2", "1000::")),
        story("deleting a pool releases its services and the freed state is reusable", List.of(test, unused), s1, s2,
            setPools(List.of(unused), "s1", "s2"),
            usage("test", 0, 0, 0, 0),
            setPools(List.of(test)),
            usage("test", 0, 0, 4, 4)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("poolChoice")
  void poolsAreChosenAsMetalLbChoosesThem(Case c) {
    run(c.pools(), c.steps());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("serviceAllocationRanking")
  void poolsWithAServiceAllocationAreRankedByPriorityBeforeTheOthers(Case c) {
    run(c.pools(), c.steps());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requestedAddresses")
  void requestedAddressesAreHonouredOrRefusedWithTheReason(Case c) {
    run(c.pools(), c.steps());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("buggyAddresses")
  void avoidBuggyIpsSkipsDotZeroAndDot255(Case c) {
    run(c.pools(), c.steps());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dualStack")
  void dualStackServicesGetOneAddressPerFamilyFromOnePool(Case c) {
    run(c.pools(), c.steps());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sharing")
  void servicesShareAnAddressOnlyUnderMetalLbsRules(Case c) {
    run(c.pools(), c.steps());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keepingCurrent")
  void currentAddressesAreKeptWhileValid(Case c) {
    run(c.pools(), c.steps());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("foreignAddresses")
  void addressesOwnedOutsideTheClusterAreNeverHandedOut(Case c) {
    run(c.pools(), c.steps());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("poolChanges")
  void poolChangesReleaseOnlyWhatFallsOutside(Case c) {
    run(c.pools(), c.steps());
  }
}
