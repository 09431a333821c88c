package io.ironlb.l2;

import java.util.List;

/**
 * Which interfaces carry the node's default route, per family: where the node sends what is for
 * no subnet of its own, which on a node with a LAN and an internal link is the LAN. Both lists
 * empty when there is none or it could not be read; either way nobody concludes anything from it.
 */
public record DefaultRoutes(List<String> ipv4, List<String> ipv6) {
  public static final DefaultRoutes NONE = new DefaultRoutes(List.of(), List.of());

  public DefaultRoutes {
    ipv4 = List.copyOf(ipv4);
    ipv6 = List.copyOf(ipv6);
  }
}
