package io.ironlb.ipam;

import java.net.InetAddress;
import java.util.List;

/** The addresses a service holds (IPv4 first) and the pool they come from. */
public record Allocation(String pool, List<InetAddress> ips) {
  public Allocation {
    ips = List.copyOf(ips);
  }
}
