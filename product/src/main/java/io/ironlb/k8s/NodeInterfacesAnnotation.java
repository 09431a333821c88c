package io.ironlb.k8s;

import io.ironlb.ipam.IpFamily;
import io.ironlb.l2.DefaultRoutes;
import io.ironlb.l2.ExcludedInterfaces;
import io.ironlb.l2.InterfaceAddress;
import io.ironlb.l2.InterfaceSelection;
import io.ironlb.l2.InterfaceSelection.Exclusion;
import io.ironlb.l2.InterfaceTable;
import io.ironlb.l2.NetInterface;
import io.ironlb.model.IpText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code ironlb.io/interfaces} on a Node: what its speaker sees of the node's interfaces, for
 * {@code ironlb check}, which runs on the operator's machine and cannot look. One entry per
 * interface, entries separated by {@code ", "}, fields by spaces:
 * {@code "br0 kind=bridge default=ipv4 198.51.100.11/24, eth1 master=br0 skip=member, wlan0 kind=wireless 192.0.2.7/24"}:
 * the name, {@code kind=} (rtnetlink's link kind, or {@code wireless}) and {@code master=} when
 * there is one, {@code skip=REASON} when IronLB never announces on it ({@code member}, {@code down},
 * {@code noarp}, {@code nomac}, {@code excludel2}: see {@link #text}), {@code default=ipv4} and
 * {@code default=ipv6} when the node's default route of that family goes out through it, then its
 * addresses with their prefix length (the subnets). Readers skip a {@code key=} they do not know,
 * so a value without {@code default=} (an older speaker) reads as "default routes unknown". Left out to keep it small and unchanged while pods come and go:
 * loopback, container and proxy devices by name ({@code veth*}, {@code cali*}, ...; never used,
 * whatever the node), and IPv6 link-local addresses (on every link, in no pool).
 */
public final class NodeInterfacesAnnotation {
  public static final String KEY = IronLb.ANNOTATION_NODE_INTERFACES;

  /**
   * One interface as its speaker published it.
   *
   * @param kind {@code bond}, {@code bridge}, {@code vlan}, {@code veth}, {@code wireless}, ..., or "" for a plain device
   * @param master the bond or bridge it is enslaved to, "" when none
   * @param skip why IronLB never announces on it (an {@link Exclusion} as {@link #text} writes it), "" when it may
   * @param subnets its addresses with their prefix length
   * @param defaultRoute the families whose default route goes out through it; empty when none does or it is unknown
   */
  public record PublishedInterface(String name, String kind, String master, String skip, List<InterfaceAddress> subnets,
      Set<IpFamily> defaultRoute) {
    public PublishedInterface {
      subnets = List.copyOf(subnets);
      defaultRoute = Set.copyOf(defaultRoute);
    }

    /** An interface that carries no default route (or whose speaker did not say). */
    public PublishedInterface(String name, String kind, String master, String skip, List<InterfaceAddress> subnets) {
      this(name, kind, master, skip, subnets, Set.of());
    }

    public boolean carriesDefaultRoute(IpFamily family) {
      return defaultRoute.contains(family);
    }

    public boolean mayAnnounce() {
      return skip.isEmpty();
    }

    public boolean wireless() {
      return kind.equals(NetInterface.KIND_WIRELESS);
    }

    /** Why it never announces, when the speaker said so in a form this version knows. */
    public Optional<Exclusion> exclusion() {
      return Arrays.stream(Exclusion.values()).filter(e -> text(e).equals(skip)).findFirst();
    }
  }

  private NodeInterfacesAnnotation() {}

  /** Short, so that a node with many interfaces keeps a small annotation. */
  static String text(Exclusion e) {
    return switch (e) {
      case LOOPBACK -> "loopback";
      case DOWN -> "down";
      case NOARP -> "noarp";
      case BRIDGE_OR_BOND_MEMBER -> "member";
      case CONTAINER_OR_PROXY_DEVICE -> "container";
      case EXCLUDED_BY_CONFIGMAP -> "excludel2";
      case NO_MAC -> "nomac";
      case SUBNET_DOES_NOT_CONTAIN_VIP -> "subnet";
      case NOT_LISTED -> "unlisted";
    };
  }

  /** What a speaker publishes: its interfaces, judged with the exclusions it loaded, and which carry its default routes. */
  public static List<PublishedInterface> describe(InterfaceTable table, ExcludedInterfaces excluded, DefaultRoutes routes) {
    List<PublishedInterface> out = new ArrayList<>();
    for (NetInterface i : table.all()) {
      Optional<Exclusion> why = InterfaceSelection.ineligible(i, table, excluded);
      if (why.filter(w -> w == Exclusion.LOOPBACK || w == Exclusion.CONTAINER_OR_PROXY_DEVICE).isPresent()) {
        continue;
      }
      out.add(new PublishedInterface(i.name(), i.kind(), table.master(i).map(NetInterface::name).orElse(""),
          why.map(NodeInterfacesAnnotation::text).orElse(""),
          i.addresses().stream().filter(a -> !a.address().isLinkLocalAddress()).toList(), defaultRoute(i.name(), routes)));
    }
    return out;
  }

  private static Set<IpFamily> defaultRoute(String name, DefaultRoutes routes) {
    Set<IpFamily> out = EnumSet.noneOf(IpFamily.class);
    if (routes.ipv4().contains(name)) {
      out.add(IpFamily.IPV4);
    }
    if (routes.ipv6().contains(name)) {
      out.add(IpFamily.IPV6);
    }
    return out;
  }

  private static String text(IpFamily f) {
    return f == IpFamily.IPV4 ? "ipv4" : "ipv6";
  }

  public static String format(Collection<PublishedInterface> interfaces) {
    return interfaces.stream().sorted(Comparator.comparing(PublishedInterface::name)).map(i -> {
      StringBuilder b = new StringBuilder(i.name());
      field(b, "kind", i.kind());
      field(b, "master", i.master());
      field(b, "skip", i.skip());
      Arrays.stream(IpFamily.values()).filter(i::carriesDefaultRoute).forEach(f -> field(b, "default", text(f)));
      i.subnets().forEach(a -> b.append(' ').append(a));
      return b.toString();
    }).collect(Collectors.joining(", "));
  }

  private static void field(StringBuilder b, String key, String value) {
    if (!value.isEmpty()) {
      b.append(' ').append(key).append('=').append(value);
    }
  }

  /**
   * What the Node says; empty when it says nothing (an older speaker, or none yet). A hand-edited
   * value must not break anyone: an entry without a name is skipped, and so is a token that cannot
   * be read (an unknown {@code key=}, an address that does not parse), the rest of its entry kept.
   */
  public static Optional<List<PublishedInterface>> read(Map<String, String> annotations) {
    String value = annotations == null ? null : annotations.get(KEY);
    if (value == null) {
      return Optional.empty();
    }
    List<PublishedInterface> out = new ArrayList<>();
    for (String entry : value.split(",")) {
      String[] tokens = entry.strip().split("\\s+");
      String name = tokens[0];
      if (name.isEmpty() || name.contains("=") || name.contains("/")) {
        continue;
      }
      String kind = "";
      String master = "";
      String skip = "";
      Set<IpFamily> defaultRoute = EnumSet.noneOf(IpFamily.class);
      List<InterfaceAddress> subnets = new ArrayList<>();
      for (int t = 1; t < tokens.length; t++) {
        String token = tokens[t];
        if (token.startsWith("kind=")) {
          kind = token.substring(5);
        } else if (token.startsWith("master=")) {
          master = token.substring(7);
        } else if (token.startsWith("skip=")) {
          skip = token.substring(5);
        } else if (token.startsWith("default=")) {
          String family = token.substring(8);
          Arrays.stream(IpFamily.values()).filter(f -> text(f).equals(family)).forEach(defaultRoute::add);
        } else {
          subnet(token).ifPresent(subnets::add);
        }
      }
      out.add(new PublishedInterface(name, kind, master, skip, subnets, defaultRoute));
    }
    return Optional.of(out);
  }

  private static Optional<InterfaceAddress> subnet(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      return Optional.empty();
    }
    try {
      int prefix = Integer.parseInt(cidr.substring(slash + 1));
      return IpText.parse(cidr.substring(0, slash)).map(ip -> new InterfaceAddress(ip, prefix));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // not a number, or a prefix too long for the family
    }
  }
}
