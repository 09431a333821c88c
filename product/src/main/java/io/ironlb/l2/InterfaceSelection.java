package io.ironlb.l2;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which interfaces announce a VIP. A pure function of the VIP, the interfaces, and the
 * L2Advertisement's {@code interfaces} list.
 *
 * <p>By default only interfaces whose own subnet contains the VIP (the LAN, never an internal link
 * on another subnet). When none does, every eligible interface announces, as MetalLB does, so a
 * pool outside the node subnets still works; {@link Basis} says which rule applied. An interface
 * that is down or excluded by the operator still owns its subnet: while the LAN link is down, a LAN VIP
 * is announced nowhere. An explicit
 * list replaces the subnet rule. Some interfaces are never used, listed or not: loopback, down,
 * NOARP, bridge and bond members (the bridge or bond itself announces), container or proxy
 * devices by name ({@code veth*}, {@code cali*}, {@code docker*}, {@code kube-ipvs0}), and those the
 * operator excludes by name (MetalLB's {@code metallb-excludel2} ConfigMap, {@link ExcludedInterfaces}).
 */
public final class InterfaceSelection {

  private InterfaceSelection() {}

  public enum Basis {
    /** Interfaces whose subnet contains the VIP. */
    SUBNET,
    /** The L2Advertisement's {@code interfaces} list. */
    EXPLICIT,
    /** No interface's subnet contains the VIP: all eligible interfaces. */
    NO_SUBNET_MATCH
  }

  /** Why an interface does not announce a VIP. */
  public enum Exclusion {
    LOOPBACK,
    DOWN,
    NOARP,
    BRIDGE_OR_BOND_MEMBER,
    CONTAINER_OR_PROXY_DEVICE,
    /** A pattern of the {@code metallb-excludel2} ConfigMap matches its name. */
    EXCLUDED_BY_CONFIGMAP,
    NO_MAC,
    SUBNET_DOES_NOT_CONTAIN_VIP,
    NOT_LISTED
  }

  public record Selection(List<NetInterface> interfaces, Basis basis, Map<String, Exclusion> excluded) {
    public Selection {
      interfaces = List.copyOf(interfaces);
      excluded = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(excluded));
    }

    public List<String> names() {
      return interfaces.stream().map(NetInterface::name).toList();
    }
  }

  private static final List<String> NEVER_PREFIXES = List.of("veth", "cali", "docker", "kube-ipvs0");

  /** Why {@code i} can never announce, or empty when it may. */
  public static Optional<Exclusion> ineligible(NetInterface i, InterfaceTable table, ExcludedInterfaces configured) {
    if (i.loopback()) {
      return Optional.of(Exclusion.LOOPBACK);
    }
    String kind = table.master(i).map(NetInterface::kind).orElse("");
    if (i.hasMaster() && !kind.equals("vrf")) {
      return Optional.of(Exclusion.BRIDGE_OR_BOND_MEMBER);
    }
    // By name, not by kind: a lab node's (or a VM's) LAN link may well be a veth named lan0.
    if (NEVER_PREFIXES.stream().anyMatch(p -> i.name().startsWith(p))) {
      return Optional.of(Exclusion.CONTAINER_OR_PROXY_DEVICE);
    }
    if (configured.matching(i.name()).isPresent()) {
      return Optional.of(Exclusion.EXCLUDED_BY_CONFIGMAP);
    }
    if (i.noArp()) {
      return Optional.of(Exclusion.NOARP);
    }
    if (i.mac().bits() == 0) {
      return Optional.of(Exclusion.NO_MAC);
    }
    if (!i.operational()) {
      return Optional.of(Exclusion.DOWN);
    }
    return Optional.empty();
  }

  /**
   * @param explicit the L2Advertisement's interface names; empty means "by subnet"
   * @param configured interface names the operator excludes, on top of the built-in exclusions
   */
  public static Selection select(InetAddress vip, InterfaceTable table, List<String> explicit, ExcludedInterfaces configured) {
    Map<String, Exclusion> ineligible = new LinkedHashMap<>();
    for (NetInterface i : table.all()) {
      ineligible(i, table, configured).ifPresent(why -> ineligible.put(i.name(), why));
    }
    return choose(vip, table.all(), ineligible, explicit);
  }

  /**
   * The rule of {@link #select} once each interface's eligibility is known: also what {@code ironlb
   * check} applies to the eligibility a speaker published.
   *
   * @param ineligible why each interface that never announces does not, by name
   */
  public static Selection choose(InetAddress vip, List<NetInterface> all, Map<String, Exclusion> ineligible, List<String> explicit) {
    Map<String, Exclusion> excluded = new LinkedHashMap<>();
    List<NetInterface> eligible = new ArrayList<>();
    for (NetInterface i : all) {
      Exclusion why = ineligible.get(i.name());
      if (why != null) {
        excluded.put(i.name(), why);
      } else {
        eligible.add(i);
      }
    }
    if (!explicit.isEmpty()) {
      List<NetInterface> chosen = new ArrayList<>();
      for (NetInterface i : eligible) {
        if (explicit.contains(i.name())) {
          chosen.add(i);
        } else {
          excluded.put(i.name(), Exclusion.NOT_LISTED);
        }
      }
      return new Selection(chosen, Basis.EXPLICIT, excluded);
    }
    List<NetInterface> bySubnet = new ArrayList<>();
    for (NetInterface i : eligible) {
      if (i.addresses().stream().anyMatch(a -> a.subnetContains(vip))) {
        bySubnet.add(i);
      }
    }
    if (bySubnet.isEmpty() && !onUnusableLink(vip, all, excluded)) {
      return new Selection(eligible, Basis.NO_SUBNET_MATCH, excluded);
    }
    for (NetInterface i : eligible) {
      if (!bySubnet.contains(i)) {
        excluded.put(i.name(), Exclusion.SUBNET_DOES_NOT_CONTAIN_VIP);
      }
    }
    return new Selection(bySubnet, Basis.SUBNET, excluded);
  }

  /**
   * Whether the VIP's subnet is on an interface that is down or that the operator excluded. Then
   * nothing announces it: falling back to every other interface would announce a LAN VIP on the
   * internal link when the LAN link fails (or is excluded), where no client is and where the other
   * nodes take the claims for a split brain.
   */
  private static boolean onUnusableLink(InetAddress vip, List<NetInterface> all, Map<String, Exclusion> excluded) {
    Set<Exclusion> holdsItsSubnet = EnumSet.of(Exclusion.DOWN, Exclusion.EXCLUDED_BY_CONFIGMAP);
    return all.stream().anyMatch(i -> holdsItsSubnet.contains(excluded.get(i.name()))
        && i.addresses().stream().anyMatch(a -> a.subnetContains(vip)));
  }
}
