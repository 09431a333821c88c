package io.ironlb.netns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Member addresses for tests on one host: a random 127.a.b.0/24 block per test (all of 127/8 is
 * loopback on Linux), so tests of several engineers on one machine never share an address.
 */
public record Loopback(String prefix, int port) {

  public static Loopback random() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return new Loopback("127." + r.nextInt(100, 250) + "." + r.nextInt(1, 250) + ".", 7800);
  }

  public InetAddress address(int host) {
    try {
      return InetAddress.getByName(prefix + host);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  public InetSocketAddress endpoint(int host) {
    return new InetSocketAddress(address(host), port);
  }

  /** Endpoints of hosts 1..n. */
  public List<InetSocketAddress> endpoints(int n) {
    List<InetSocketAddress> all = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      all.add(endpoint(i));
    }
    return List.copyOf(all);
  }

  public static byte[] newSecret() {
    byte[] s = new byte[32];
    new SecureRandom().nextBytes(s);
    return s;
  }
}
