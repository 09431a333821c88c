package io.ironlb.ops;

import static io.ironlb.ops.Finding.Check.NODE_INTERFACES;

import io.fabric8.kubernetes.api.model.Node;
import io.ironlb.election.AdvertisementFacts;
import io.ironlb.election.AnnouncementPlanner;
import io.ironlb.election.NodeFacts;
import io.ironlb.ipam.IpFamily;
import io.ironlb.ipam.Pool;
import io.ironlb.k8s.IPAddressPool;
import io.ironlb.k8s.L2Advertisement;
import io.ironlb.k8s.NodeInterfacesAnnotation;
import io.ironlb.k8s.NodeInterfacesAnnotation.PublishedInterface;
import io.ironlb.k8s.SpeakerFacts;
import io.ironlb.l2.InterfaceAddress;
import io.ironlb.l2.InterfaceSelection;
import io.ironlb.l2.InterfaceSelection.Basis;
import io.ironlb.l2.InterfaceSelection.Exclusion;
import io.ironlb.l2.InterfaceSelection.Selection;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.packet.MacAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The checks that need a node's interfaces, which {@code ironlb check} cannot see from the
 * operator's machine: it reads what each speaker published on its Node
 * ({@link NodeInterfacesAnnotation}) and applies the speakers' own rules to it (which advertisements
 * select the node and cover a pool, {@link AnnouncementPlanner#interfaces}; which interfaces
 * announce an address, {@link InterfaceSelection#choose}).
 */
final class NodeInterfaceChecks {
  private NodeInterfaceChecks() {}

  /** An advertisement the speakers can read, with the facts they take from it. */
  private record Advertisement(String name, AdvertisementFacts facts) {}

  static List<Finding> check(ClusterSnapshot snap) {
    List<Advertisement> ads = new ArrayList<>();
    for (L2Advertisement ad : snap.advertisements()) {
      if (Checks.unreadable(ad).isEmpty()) {
        ads.add(new Advertisement(ad.getMetadata().getName(), SpeakerFacts.advertisement(ad)));
      }
    }
    Map<String, Map<String, String>> poolLabels = new LinkedHashMap<>();
    for (IPAddressPool p : snap.pools()) {
      poolLabels.put(p.getMetadata().getName(), p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels());
    }
    List<Pool> pools = Checks.validPools(snap);
    List<Finding> out = new ArrayList<>();
    List<String> unpublished = new ArrayList<>();
    int checked = 0;
    for (Node n : snap.nodes()) {
      NodeFacts node = SpeakerFacts.node(n);
      List<Advertisement> selecting = ads.stream().filter(a -> a.facts().selectsNode(node)).toList();
      if (node.excluded() || selecting.isEmpty()) {
        continue; // it never announces anything
      }
      Optional<List<PublishedInterface>> published = NodeInterfacesAnnotation.read(n.getMetadata().getAnnotations());
      if (published.isEmpty()) {
        unpublished.add(node.name());
        continue;
      }
      checked++;
      out.addAll(members(snap, node.name(), selecting, published.get()));
      for (Pool pool : pools) {
        Map<String, String> labels = poolLabels.getOrDefault(pool.name(), Map.of());
        List<Advertisement> covering = selecting.stream().filter(a -> a.facts().coversPool(pool.name(), labels)).toList();
        if (!covering.isEmpty()) {
          out.addAll(poolOnNode(snap, node, pool, covering, published.get()));
        }
      }
    }
    if (!unpublished.isEmpty()) {
      out.add(Finding.note(NODE_INTERFACES, (unpublished.size() == 1 ? "node " : "nodes ") + String.join(", ", unpublished),
          "not checked: no " + NodeInterfacesAnnotation.KEY + " annotation (its speaker is older than this check, or has not "
              + "started yet), so Wi-Fi links, bond or bridge members and subnets are unknown there"));
    }
    if (out.stream().noneMatch(f -> f.level() != Finding.Level.NOTE) && checked > 0) {
      out.add(Finding.ok(NODE_INTERFACES, "on " + checked + " node" + (checked == 1 ? "" : "s") + " (as their speakers published "
          + "them): no pool announced on a Wi-Fi link, no advertisement lists a bond or bridge member, every pool in a subnet "
          + "of each node that announces it, none only on links without the node's default route"));
    }
    return out;
  }

  /** Interfaces that an advertisement lists and that are, on this node, enslaved to a bond or bridge. */
  private static List<Finding> members(ClusterSnapshot snap, String node, List<Advertisement> selecting, List<PublishedInterface> published) {
    List<Finding> out = new ArrayList<>();
    for (Advertisement ad : selecting) {
      for (String listed : ad.facts().interfaces()) {
        published.stream().filter(i -> i.name().equals(listed) && !i.master().isEmpty()).findFirst().ifPresent(i -> {
          String master = i.master() + published.stream().filter(m -> m.name().equals(i.master())).findFirst()
              .filter(m -> !m.kind().isEmpty()).map(m -> " (a " + m.kind() + ")").orElse("");
          out.add(Finding.problem(NODE_INTERFACES, "L2Advertisement " + ad.name(), "lists interface " + listed + ", which on node "
                  + node + " is a member of " + master + ": IronLB never announces on a bond or bridge member (the bond or bridge "
                  + "answers for it), so this node announces nothing there",
              "list " + i.master() + " in spec.interfaces instead of " + listed + " (kubectl -n " + snap.namespace()
                  + " edit l2advertisement " + ad.name() + "), or leave spec.interfaces out to announce on the interfaces whose "
                  + "subnet holds the address"));
        });
      }
    }
    return out;
  }

  /**
   * A pool on one node that announces it: Wi-Fi links it would use, spans outside every subnet,
   * and spans announced only on links without the node's default route.
   */
  private static List<Finding> poolOnNode(ClusterSnapshot snap, NodeFacts node, Pool pool, List<Advertisement> covering,
      List<PublishedInterface> published) {
    List<String> explicit = AnnouncementPlanner.interfaces(covering.stream().map(Advertisement::facts).toList(), node);
    String ads = covering.stream().map(Advertisement::name).collect(Collectors.joining(", "));
    String adsText = (covering.size() == 1 ? "L2Advertisement " : "L2Advertisements ") + ads;
    // Interfaces whose exclusion this version cannot name take no part, as for a speaker that never reported them.
    List<PublishedInterface> known = published.stream().filter(i -> i.mayAnnounce() || i.exclusion().isPresent()).toList();
    List<NetInterface> all = new ArrayList<>();
    Map<String, Exclusion> ineligible = new LinkedHashMap<>();
    for (PublishedInterface i : known) {
      all.add(new NetInterface(i.name(), all.size() + 1, MacAddress.ZERO, true, true, false, false, i.kind(), 0, i.subnets()));
      i.exclusion().ifPresent(why -> ineligible.put(i.name(), why));
    }
    Set<String> wireless = new LinkedHashSet<>();
    List<String> outside = new ArrayList<>();
    for (Pool.Span span : pool.spans()) {
      for (InetAddress ip : List.of(span.first(), span.last())) {
        InterfaceSelection.choose(ip, all, ineligible, explicit).interfaces().stream()
            .filter(i -> i.kind().equals(NetInterface.KIND_WIRELESS)).forEach(i -> wireless.add(i.name()));
      }
      if (explicit.isEmpty() && outsideEverySubnet(span, published)) {
        outside.add(span.text());
      }
    }
    List<Finding> out = new ArrayList<>();
    String subject = "node " + node.name();
    String edit = "kubectl -n " + snap.namespace() + " edit l2advertisement " + covering.getFirst().name();
    if (!wireless.isEmpty()) {
      out.add(Finding.warning(NODE_INTERFACES, subject, "would announce IPAddressPool " + pool.name() + " (" + adsText + ") on Wi-Fi "
              + "interface" + (wireless.size() == 1 ? " " : "s ") + String.join(", ", wireless) + ": many Wi-Fi drivers and access "
              + "points answer or filter ARP themselves (ARP offload, proxy ARP; MetalLB issue #253), so clients may never reach "
              + "the address",
          "announce on a wired interface: give the node one in the LAN, or keep the Wi-Fi link out with spec.interfaces ("
              + edit + ") or MetalLB's ConfigMap metallb-excludel2 (docs/configuration.md), then restart the speakers"));
    }
    if (!outside.isEmpty()) {
      String subnets = published.stream().filter(i -> !i.subnets().isEmpty()).map(i -> i.name() + " " + i.subnets().stream()
          .map(InterfaceAddress::toString).collect(Collectors.joining(" "))).collect(Collectors.joining(", "));
      out.add(Finding.warning(NODE_INTERFACES, subject, "no interface has a subnet that holds IPAddressPool " + pool.name() + "'s "
              + String.join(", ", outside) + " (" + adsText + " names no interfaces; its subnets: " + (subnets.isEmpty() ? "none"
              : subnets) + "): IronLB announces an address on the interfaces whose subnet holds it, and when none does, on "
              + "every interface it may use, where clients in other subnets send to their router instead of asking ARP/NDP",
          "give the node's LAN interface an address in that subnet (or move the pool into the LAN's subnet), or name the "
              + "interface in spec.interfaces (" + edit + ") and have the router send that range to the LAN"));
    }
    for (IpFamily family : IpFamily.values()) {
      offDefaultRoute(snap, node, pool, family, adsText, all, ineligible, explicit, outside, published).ifPresent(out::add);
    }
    return out;
  }

  /**
   * The seed's classic mistake: a pool in the internal link's subnet. By subnet, its addresses go
   * to that link only, where no LAN client asks for them. The link that carries the node's default
   * route is the one its clients' traffic leaves by: a pool announced only elsewhere, on a node
   * that has one, is most likely on an internal link. Silent when the speaker published no default
   * route of that family (an older speaker, or none), when the advertisements name interfaces (the
   * choice is then the operator's), and for spans outside every subnet (warned about above).
   */
  private static Optional<Finding> offDefaultRoute(ClusterSnapshot snap, NodeFacts node, Pool pool, IpFamily family, String adsText,
      List<NetInterface> all, Map<String, Exclusion> ineligible, List<String> explicit, List<String> outside,
      List<PublishedInterface> published) {
    List<PublishedInterface> gateways = published.stream().filter(i -> i.carriesDefaultRoute(family)).toList();
    if (gateways.isEmpty()) {
      return Optional.empty();
    }
    Set<String> gatewayNames = gateways.stream().map(PublishedInterface::name).collect(Collectors.toSet());
    List<String> spans = new ArrayList<>();
    Map<String, NetInterface> landsOn = new LinkedHashMap<>();
    for (Pool.Span span : pool.spans()) {
      if (IpFamily.of(span.first()) != family || outside.contains(span.text())) {
        continue;
      }
      for (InetAddress ip : List.of(span.first(), span.last())) {
        Selection chosen = InterfaceSelection.choose(ip, all, ineligible, explicit);
        if (chosen.basis() == Basis.SUBNET && !chosen.interfaces().isEmpty()
            && chosen.interfaces().stream().noneMatch(i -> gatewayNames.contains(i.name()))) {
          if (!spans.contains(span.text())) {
            spans.add(span.text());
          }
          chosen.interfaces().forEach(i -> landsOn.putIfAbsent(i.name(), i));
        }
      }
    }
    if (spans.isEmpty()) {
      return Optional.empty();
    }
    String links = landsOn.values().stream().map(i -> i.name() + " (" + subnets(i.addresses(), family) + ")")
        .collect(Collectors.joining(", "));
    String gatewayText = gateways.stream().map(i -> i.name() + (subnets(i.subnets(), family).isEmpty() ? ""
        : " (" + subnets(i.subnets(), family) + ")")).collect(Collectors.joining(", "));
    PublishedInterface lan = gateways.getFirst();
    String lanSubnet = subnets(lan.subnets(), family);
    return Optional.of(Finding.warning(NODE_INTERFACES, "node " + node.name(), "would announce IPAddressPool " + pool.name() + "'s "
            + String.join(", ", spans) + " (" + adsText + ") only on " + links + ", which " + (landsOn.size() == 1 ? "does" : "do")
            + " not carry the node's " + family + " default route; " + gatewayText + (gateways.size() == 1 ? " does" : " do")
            + ": a link without the default route is most often an internal one (a node-to-node link, such as a direct 200G "
            + "cable between two nodes), where no client of the LAN asks ARP/NDP for the address",
        "move the pool into the LAN's subnet, e.g. " + lan.name() + "'s" + (lanSubnet.isEmpty() ? "" : " " + lanSubnet) + " (kubectl -n "
            + snap.namespace() + " edit ipaddresspool " + pool.name() + "); if the pool is meant for clients on "
            + String.join(", ", landsOn.keySet()) + ", ignore this warning"));
  }

  private static String subnets(List<InterfaceAddress> addresses, IpFamily family) {
    return addresses.stream().filter(a -> IpFamily.of(a.address()) == family).map(InterfaceAddress::toString)
        .collect(Collectors.joining(" "));
  }

  /** No subnet of any published interface (usable or not) holds an address of the span. */
  private static boolean outsideEverySubnet(Pool.Span span, List<PublishedInterface> published) {
    for (PublishedInterface i : published) {
      for (InterfaceAddress a : i.subnets()) {
        // The span overlaps the subnet when the subnet holds one of its ends or the span holds the subnet.
        if (a.subnetContains(span.first()) || a.subnetContains(span.last()) || within(a.address(), span)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean within(InetAddress ip, Pool.Span span) {
    byte[] a = ip.getAddress();
    return a.length == span.first().getAddress().length && Arrays.compareUnsigned(span.first().getAddress(), a) <= 0
        && Arrays.compareUnsigned(a, span.last().getAddress()) <= 0;
  }
}
