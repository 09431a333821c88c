package io.ironlb.netns;

/**
 * One entry of a namespace's neighbour table ({@code ip neigh}): ARP for IPv4, NDP for IPv6.
 *
 * @param ip the address as {@code ip} prints it
 * @param device the interface
 * @param mac the link-layer address, lower case, or null when unresolved (INCOMPLETE, FAILED)
 * @param state the NUD state ({@code REACHABLE}, {@code STALE}, {@code FAILED}, ...)
 */
public record Neighbour(String ip, String device, String mac, String state) {

  public boolean resolved() {
    return mac != null;
  }

  /** Parses one line of {@code ip neigh show} output, e.g. {@code 198.51.100.12 dev lan0 lladdr 02:..:12 REACHABLE}. */
  static Neighbour parse(String line) {
    String[] t = line.strip().split("\\s+");
    if (t.length == 0 || t[0].isEmpty()) {
      return null;
    }
    String dev = null;
    String mac = null;
    String state = t.length > 1 ? t[t.length - 1] : "";
    for (int i = 1; i < t.length - 1; i++) {
      switch (t[i]) {
        case "dev" -> dev = t[i + 1];
        case "lladdr" -> mac = t[i + 1].toLowerCase(java.util.Locale.ROOT);
        default -> { }
      }
    }
    return new Neighbour(t[0], dev, mac, state);
  }
}
