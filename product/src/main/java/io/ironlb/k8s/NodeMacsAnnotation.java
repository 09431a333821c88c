package io.ironlb.k8s;

import io.ironlb.l2.packet.MacAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code ironlb.io/mac-addresses} on a Node: {@code "lan0=02:00:00:00:00:0a,int0=02:00:00:00:00:1a"},
 * the MAC of each interface its speaker may announce on, so other speakers tell cluster MACs from
 * foreign ones and {@code ironlb status} shows the one MAC a client's {@code arp -n} shows for an
 * address (that of the interface in the address's ServiceL2Status). Interfaces without a MAC (tun,
 * WireGuard) are left out. Bare MACs without {@code name=} (speakers before interface names were
 * published) are read too, with an empty interface name.
 */
public final class NodeMacsAnnotation {
  public static final String KEY = IronLb.ANNOTATION_NODE_MACS;

  /** One interface and its MAC; {@code interfaceName} is empty when an older speaker did not say. */
  public record InterfaceMac(String interfaceName, MacAddress mac) {}

  private NodeMacsAnnotation() {}

  public static String format(Collection<InterfaceMac> macs) {
    return macs.stream().filter(m -> m.mac().bits() != 0).distinct()
        .sorted(Comparator.comparing(InterfaceMac::interfaceName).thenComparing(m -> m.mac().toString()))
        .map(m -> m.interfaceName().isEmpty() ? m.mac().toString() : m.interfaceName() + "=" + m.mac())
        .collect(Collectors.joining(","));
  }

  /** What the Node says; entries that cannot be read are skipped (a hand-edited value must not break anyone). */
  public static List<InterfaceMac> read(Map<String, String> annotations) {
    String value = annotations == null ? null : annotations.get(KEY);
    List<InterfaceMac> out = new ArrayList<>();
    if (value == null || value.isBlank()) {
      return out;
    }
    for (String part : value.split(",")) {
      String entry = part.strip();
      int eq = entry.indexOf('=');
      String name = eq < 0 ? "" : entry.substring(0, eq).strip();
      try {
        MacAddress mac = MacAddress.parse(entry.substring(eq + 1).strip());
        if (mac.bits() != 0) {
          out.add(new InterfaceMac(name, mac));
        }
      } catch (IllegalArgumentException e) {
        // skipped: that MAC is just not known as a cluster MAC
      }
    }
    return out;
  }
}
