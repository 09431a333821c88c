package io.ironlb.l2;

import io.ironlb.l2.packet.MacAddress;
import java.net.Inet6Address;
import java.util.List;
import java.util.Optional;

/**
 * A network interface as the kernel reports it.
 *
 * @param kind the link kind ({@code veth}, {@code bridge}, {@code bond}, {@code vlan}, ...),
 *     {@link #KIND_WIRELESS} for Wi-Fi, or "" for a plain device
 * @param masterIndex the index of the bridge/bond/VRF it is enslaved to, 0 when none
 * @param mac the hardware address, {@link MacAddress#ZERO} when it has none
 */
public record NetInterface(String name, int index, MacAddress mac, boolean up, boolean lowerUp, boolean loopback, boolean noArp,
    String kind, int masterIndex, List<InterfaceAddress> addresses) {

  /**
   * The kind of a Wi-Fi link: rtnetlink gives it none, so the reader of interfaces tells it from
   * sysfs (l2.linux).
   */
  public static final String KIND_WIRELESS = "wireless";

  public NetInterface {
    addresses = List.copyOf(addresses);
  }

  public boolean hasMaster() {
    return masterIndex != 0;
  }

  /** Usable for sending: administratively up and with carrier. */
  public boolean operational() {
    return up && lowerUp;
  }

  /** The first IPv6 link-local address, the proper source of neighbour advertisements. */
  public Optional<Inet6Address> linkLocal() {
    return addresses.stream()
        .map(InterfaceAddress::address)
        .filter(a -> a instanceof Inet6Address && a.isLinkLocalAddress())
        .map(a -> (Inet6Address) a)
        .findFirst();
  }

  public NetInterface withKind(String newKind) {
    return new NetInterface(name, index, mac, up, lowerUp, loopback, noArp, newKind, masterIndex, addresses);
  }

  public NetInterface withAddresses(List<InterfaceAddress> newAddresses) {
    return new NetInterface(name, index, mac, up, lowerUp, loopback, noArp, kind, masterIndex, newAddresses);
  }

  @Override
  public String toString() {
    return name + "#" + index + "(" + mac + (up ? ",up" : ",down") + (lowerUp ? "" : ",no-carrier") + (loopback ? ",loopback" : "")
        + (noArp ? ",noarp" : "") + (kind.isEmpty() ? "" : "," + kind) + (hasMaster() ? ",master#" + masterIndex : "") + " " + addresses + ")";
  }
}
