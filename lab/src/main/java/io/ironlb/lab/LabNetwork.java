package io.ironlb.lab;

import io.ironlb.netns.Commands;
import io.ironlb.netns.Netns;
import io.ironlb.netns.VethEnd;
import java.time.Duration;

/**
 * Builds and changes the lab's links: a switch namespace with two bridges (LAN, internal), veth
 * pairs from every host into it, addresses, sysctls. All inside the lab's namespaces; every
 * namespace is recorded in the state file before it is created.
 */
public final class LabNetwork {

  private LabNetwork() {}

  public static void build(LabLayout layout, LabState state) {
    for (String ns : layout.namespaces()) {
      state.recordNamespace(ns);
      Netns.create(ns);
    }
    String sw = layout.switchNamespace();
    // The switch is layer 2 only: no IPv6 link-local chatter of its own on the wire.
    Netns.sysctl(sw, "net.ipv6.conf.all.disable_ipv6", "1");
    Netns.sysctl(sw, "net.ipv6.conf.default.disable_ipv6", "1");
    Netns.bridge(sw, LabLayout.LAN_BRIDGE);
    Netns.bridge(sw, LabLayout.INTERNAL_BRIDGE);

    LabLayout.Host c = layout.client();
    plug(sw, LabLayout.LAN_BRIDGE, new VethEnd(c.namespace(), LabLayout.CLIENT_IF, c.mac()), c.lanPort());
    Netns.addAddress(c.namespace(), LabLayout.CLIENT_IF, c.lan4() + "/" + layout.lan4().prefix());
    Netns.addAddress(c.namespace(), LabLayout.CLIENT_IF, c.lan6() + "/" + layout.lan6().prefix());

    for (LabLayout.Node n : layout.nodes()) {
      plug(sw, LabLayout.LAN_BRIDGE, new VethEnd(n.namespace(), LabLayout.NODE_LAN_IF, n.lanMac()), n.lanPort());
      plug(sw, LabLayout.INTERNAL_BRIDGE, new VethEnd(n.namespace(), LabLayout.NODE_INTERNAL_IF, n.internalMac()), n.internalPort());
      Netns.addAddress(n.namespace(), LabLayout.NODE_LAN_IF, n.lan4() + "/" + layout.lan4().prefix());
      Netns.addAddress(n.namespace(), LabLayout.NODE_LAN_IF, n.lan6() + "/" + layout.lan6().prefix());
      Netns.addAddress(n.namespace(), LabLayout.NODE_INTERNAL_IF, n.internal4() + "/" + layout.internal4().prefix());
      Netns.addAddress(n.namespace(), LabLayout.NODE_INTERNAL_IF, n.internal6() + "/" + layout.internal6().prefix());
      // kube-proxy's stand-in forwards VIP traffic to endpoints on other nodes over the internal link.
      Netns.sysctl(n.namespace(), "net.ipv4.ip_forward", "1");
      Netns.sysctl(n.namespace(), "net.ipv6.conf.all.forwarding", "1");
    }
  }

  /** A veth from {@code host} into the switch, enslaved to {@code bridge}; both ends up. */
  private static void plug(String sw, String bridge, VethEnd host, String port) {
    Netns.veth(host, VethEnd.of(sw, port));
    Netns.attach(sw, bridge, port);
    Netns.setLink(host.namespace(), host.name(), true);
  }

  /** Sets a node's switch ports down (a pulled cable; the node sees NO-CARRIER) or up again. */
  public static void setNodeLinks(LabLayout layout, LabLayout.Node n, String which, boolean up) {
    String sw = layout.switchNamespace();
    if (which.equals("lan") || which.equals("all")) {
      Netns.setLink(sw, n.lanPort(), up);
    }
    if (which.equals("internal") || which.equals("all")) {
      Netns.setLink(sw, n.internalPort(), up);
    }
  }

  /** Whether the switch port of {@code port} is administratively up. */
  public static boolean portUp(LabLayout layout, String port) {
    var r = Commands.run(Netns.TIMEOUT, "ip", "-n", layout.switchNamespace(), "-o", "link", "show", "dev", port);
    return r.ok() && r.stdout().matches("(?s).*<[^>]*\\bUP\\b[^>]*>.*");
  }

  /** A foreign device on the LAN that owns {@code h}'s address (the seed's ".50" story). */
  public static void addRogue(LabLayout layout, LabState state, LabLayout.Host h) {
    state.recordNamespace(h.namespace());
    Netns.create(h.namespace());
    plug(layout.switchNamespace(), LabLayout.LAN_BRIDGE, new VethEnd(h.namespace(), LabLayout.CLIENT_IF, h.mac()), h.lanPort());
    if (h.lan4() != null) {
      Netns.addAddress(h.namespace(), LabLayout.CLIENT_IF, h.lan4() + "/" + layout.lan4().prefix());
      if (Commands.onPath("arping")) {
        // Tell the LAN, as a device that just took an address does.
        Netns.exec(h.namespace(), Duration.ofSeconds(3), "arping", "-U", "-c", "1", "-I", LabLayout.CLIENT_IF, h.lan4());
      }
    } else {
      Netns.addAddress(h.namespace(), LabLayout.CLIENT_IF, h.lan6() + "/" + layout.lan6().prefix());
    }
  }
}
