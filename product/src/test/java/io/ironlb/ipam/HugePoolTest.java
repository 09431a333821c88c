package io.ironlb.ipam;

import static io.ironlb.ipam.Dsl.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pools far too large to enumerate: cost must follow what is allocated, not the pool size. */
class HugePoolTest {

  static final int N = 5_000;

  @Test
  void anIpv6Slash64HandsOutThousandsOfAddressesQuicklyAndCountsThem() {
    Allocator a = new Allocator();
    a.setPools(parsed(List.of(pool("v6", "2001:db8::/64"))));
    long start = System.nanoTime();
    AllocationResult last = null;
    for (int i = 0; i < N; i++) {
      last = a.assign(v6(svc("s" + i)), List.of());
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(last).isEqualTo(new AllocationResult.Allocated("v6", ips("2001:db8::1387"), true));
    assertThat(a.usage("v6")).isEqualTo(new PoolUsage(0, N, 0, Long.MAX_VALUE));
    assertThat(millis).as("ms for %d allocations", N).isLessThan(2_000);

    a.release(key("s100"));
    assertThat(a.assign(v6(svc("late")), List.of())).isEqualTo(new AllocationResult.Allocated("v6", ips("2001:db8::64"), true));
  }

  @Test
  void anIpv4Slash8AvoidingBuggyAddressesHandsOutThousandsQuicklyAndCountsThem() {
    Allocator a = new Allocator();
    a.setPools(parsed(List.of(avoidBuggy(pool("big", "10.0.0.0/8")))));
    long start = System.nanoTime();
    AllocationResult last = null;
    for (int i = 0; i < N; i++) {
      last = a.assign(svc("s" + i), List.of());
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    // 254 usable addresses per /24: the 5,000th is the 175th of the 20th /24.
    assertThat(last).isEqualTo(new AllocationResult.Allocated("big", ips("10.0.19.174"), true));
    long size = (1L << 24) - 2 * (1L << 16);
    assertThat(a.usage("big")).isEqualTo(new PoolUsage(N, 0, size - N, 0));
    assertThat(millis).as("ms for %d allocations", N).isLessThan(2_000);
  }

  @Test
  void allOfIpv6IsAPoolLikeAnyOther() {
    Allocator a = new Allocator();
    a.setPools(parsed(List.of(pool("all", "::/0"))));
    assertThat(a.assign(v6(svc("a")), List.of())).isEqualTo(new AllocationResult.Allocated("all", ips("::"), true));
    assertThat(a.assign(wants(v6(svc("top")), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), List.of()))
        .isInstanceOf(AllocationResult.Allocated.class);
    assertThat(parsed(pool("all", "::/0")).size(IpFamily.IPV6)).isEqualTo(BigInteger.ONE.shiftLeft(128));
    assertThat(a.usage("all").availableIPv6()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aPoolFullOfScatteredHolesStillFindsTheFirstHoleFast() {
    Allocator a = new Allocator();
    a.setPools(parsed(List.of(pool("big", "10.0.0.0/8"))));
    for (int i = 0; i < 20_000; i++) {
      a.assign(svc("s" + i), List.of());
    }
    for (int i = 1; i < 20_000; i += 2) {
      a.release(key("s" + i));
    }
    long start = System.nanoTime();
    for (int i = 0; i < 10_000; i++) {
      assertThat(a.assign(svc("n" + i), List.of())).isInstanceOf(AllocationResult.Allocated.class);
    }
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
    assertThat(a.usage("big").assignedIPv4()).isEqualTo(20_000);
    assertThat(a.assign(svc("next"), List.of())).isEqualTo(new AllocationResult.Allocated("big", ips("10.0.78.32"), true));
  }

  @Test
  void aClusterWideSharingKeyOnThousandsOfSamePortServicesStaysFast() {
    Allocator a = new Allocator();
    a.setPools(parsed(List.of(pool("big", "10.0.0.0/8"))));
    long start = System.nanoTime();
    for (int i = 0; i < N; i++) {
      assertThat(a.assign(shared(svc("web" + i), "everyone", "TCP/80"), List.of())).isInstanceOf(AllocationResult.Allocated.class);
    }
    // A newcomer on another port joins the first address; one on port 80 gets the next free one.
    assertThat(a.assign(shared(svc("dns"), "everyone", "UDP/53"), List.of()))
        .isEqualTo(new AllocationResult.Allocated("big", ips("10.0.0.0"), true));
    assertThat(a.assign(shared(svc("web-late"), "everyone", "TCP/80"), List.of()))
        .isEqualTo(new AllocationResult.Allocated("big", ips("10.0.19.136"), true));
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
  }
}
