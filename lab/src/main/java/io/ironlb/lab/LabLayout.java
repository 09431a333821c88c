package io.ironlb.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The lab's topology as data, computed from its options alone (so every lab process derives the
 * same names and addresses from the state file): the seed's cluster, with documentation addresses.
 *
 * <pre>
 *   ns PREFIX+"mac" (client)  eth0 .2 ───┐
 *   ns PREFIX+"spark-2959"    lan0 .11 ──┤ br-lan   (ns PREFIX+"switch": LAN 198.51.100.0/24, 2001:db8:86::/64)
 *   ns PREFIX+"spark-ba63"    lan0 .12 ──┘
 *                             int0 .11/.12 ── br-int (same switch ns: internal 203.0.113.0/24, 2001:db8:203::/64)
 * </pre>
 *
 * Nodes are numbered from host .11 (node i has host number 11+i on both networks); the client is
 * .2; the pool is .200-.220 of the LAN. IPv6 host numbers read like their IPv4 twins: .12 is
 * {@code ::12}, the IPv6 pool {@code ::200-::220}. MACs are locally
 * administered and end in the host number, so {@code ip neigh} output reads at a glance:
 * {@code 02:1b:01:..} on the LAN, {@code 02:1b:02:..} on the internal link.
 */
public record LabLayout(String prefix, Cidr lan4, Cidr lan6, Cidr internal4, Cidr internal6, List<Node> nodes, Host client) {

  public static final String DEFAULT_PREFIX = "ilab-";
  public static final String DEFAULT_LAN4 = "198.51.100.0/24";
  public static final String DEFAULT_LAN6 = "2001:db8:86::/64";
  public static final String INTERNAL4 = "203.0.113.0/24";
  public static final String INTERNAL6 = "2001:db8:203::/64";
  public static final String CONTROL_PLANE = "spark-2959";
  public static final String WORKER = "spark-ba63";
  public static final String CLIENT = "mac";
  public static final String SWITCH = "switch";
  public static final String LAN_BRIDGE = "br-lan";
  public static final String INTERNAL_BRIDGE = "br-int";
  public static final String NODE_LAN_IF = "lan0";
  public static final String NODE_INTERNAL_IF = "int0";
  public static final String CLIENT_IF = "eth0";
  public static final int FIRST_NODE_HOST = 11;
  public static final int CLIENT_HOST = 2;
  public static final int POOL_FIRST = 200;
  public static final int POOL_LAST = 220;
  /**
   * The VIP keepalived holds in {@code lab failover --keepalived}: outside the pool, the nodes
   * (.11-.50) and the client, so IronLB never hands it out.
   */
  public static final int KEEPALIVED_VIP_HOST = 250;
  /** The port the lab's apps serve their Services on (each Service's targetPort). */
  public static final int APP_PORT = 8080;
  /**
   * The port the apps also serve a yardstick's Service on (keepalived's, beside IronLB's): the
   * same app process, but a listening socket of its own, so that a connection to the yardstick's
   * VIP never meets a TIME_WAIT left by one to IronLB's. Both reach the app from the same node
   * address and source port after the node's SNAT, and the client's TCP timestamps differ per
   * destination, so the app's TIME_WAIT rejected such a SYN (PAWS): about one connection a second
   * in the 4-node soak, each costing a reset and a second SYN, now and then a failed request.
   */
  public static final int YARDSTICK_APP_PORT = 8081;
  public static final int MAX_NODES = 40;

  /** A cluster node: a namespace with a LAN link and an internal (pod traffic) link. */
  public record Node(String name, String namespace, boolean controlPlane, int host,
              String lan4, String lan6, String internal4, String internal6, String lanMac, String internalMac) {

    /** The switch-side port names of this node's links (each at most 15 characters). */
    public String lanPort() {
      return port("l-", name);
    }

    public String internalPort() {
      return port("i-", name);
    }
  }

  /** A host on the LAN only (the client, a rogue device). */
  public record Host(String name, String namespace, int host, String lan4, String lan6, String mac) {

    public String lanPort() {
      return port("l-", name);
    }
  }

  /**
   * The layout for {@code nodeCount} nodes ({@value #CONTROL_PLANE}, {@value #WORKER}, then
   * {@code spark-w3}, ...) on the given LAN networks (null: the defaults).
   */
  public static LabLayout of(String prefix, int nodeCount, String lan4Text, String lan6Text) {
    if (nodeCount < 1 || nodeCount > MAX_NODES) {
      throw new IllegalArgumentException("--nodes must be 1-" + MAX_NODES + ", not " + nodeCount);
    }
    if (!prefix.matches("[a-z0-9-]{1,16}")) {
      throw new IllegalArgumentException("prefix must be 1-16 of a-z, 0-9 and '-', not '" + prefix + "'");
    }
    Cidr lan4 = Cidr.parse(lan4Text == null ? DEFAULT_LAN4 : lan4Text);
    Cidr lan6 = Cidr.parse(lan6Text == null ? DEFAULT_LAN6 : lan6Text);
    if (lan4.v6() || !lan6.v6()) {
      throw new IllegalArgumentException("the LAN needs one IPv4 and one IPv6 network, not " + lan4 + " and " + lan6);
    }
    if (!lan4.hasHost(POOL_LAST) || !lan6.hasHost(v6(POOL_LAST))) {
      throw new IllegalArgumentException("--lan " + (lan4.hasHost(POOL_LAST) ? lan6 : lan4)
          + " is too small: the lab uses host numbers up to ." + POOL_LAST + " (a /24 or larger for IPv4, /118 or larger for IPv6)");
    }
    Cidr int4 = Cidr.parse(INTERNAL4);
    Cidr int6 = Cidr.parse(INTERNAL6);
    if (int4.contains(lan4.host(1)) || lan4.contains(int4.host(1)) || int6.contains(lan6.host(1)) || lan6.contains(int6.host(1))) {
      throw new IllegalArgumentException("--lan " + lan4 + " / " + lan6 + " overlaps the internal network ("
          + INTERNAL4 + ", " + INTERNAL6 + "): choose another LAN");
    }
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < nodeCount; i++) {
      String name = switch (i) {
        case 0 -> CONTROL_PLANE;
        case 1 -> WORKER;
        default -> "spark-w" + (i + 1);
      };
      int h = FIRST_NODE_HOST + i;
      nodes.add(new Node(name, prefix + name, i == 0, h, lan4.host(h), lan6.host(v6(h)), int4.host(h), int6.host(v6(h)),
          mac(1, h), mac(2, h)));
    }
    Host client = new Host(CLIENT, prefix + CLIENT, CLIENT_HOST, lan4.host(CLIENT_HOST), lan6.host(v6(CLIENT_HOST)), mac(1, CLIENT_HOST));
    return new LabLayout(prefix, lan4, lan6, int4, int6, List.copyOf(nodes), client);
  }

  public String switchNamespace() {
    return prefix + SWITCH;
  }

  /** Every namespace of the base topology, switch first (it must exist before the links). */
  public List<String> namespaces() {
    List<String> all = new ArrayList<>();
    all.add(switchNamespace());
    all.add(client.namespace());
    nodes.forEach(n -> all.add(n.namespace()));
    return List.copyOf(all);
  }

  public Optional<Node> node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
  }

  /** The namespace of a host name as the user types it (a node, "mac", "switch", a rogue), if known. */
  public Optional<String> namespaceOf(String host, List<String> rogues) {
    if (host.equals(CLIENT)) {
      return Optional.of(client.namespace());
    }
    if (host.equals(SWITCH)) {
      return Optional.of(switchNamespace());
    }
    if (rogues.contains(host)) {
      return Optional.of(prefix + host);
    }
    return node(host).map(Node::namespace);
  }

  public String poolRange4() {
    return lan4.host(POOL_FIRST) + "-" + lan4.host(POOL_LAST);
  }

  public String poolRange6() {
    return lan6.host(v6(POOL_FIRST)) + "-" + lan6.host(v6(POOL_LAST));
  }

  /** A rogue device: a LAN host owning {@code ip}, with a MAC that belongs to no cluster node. */
  public Host rogue(int index, String ip) {
    String name = "rogue" + index;
    boolean v6 = ip.contains(":");
    Cidr net = v6 ? lan6 : lan4;
    if (!net.contains(ip)) {
      throw new IllegalArgumentException(ip + " is not on the lab's LAN (" + lan4 + ", " + lan6 + ")");
    }
    String canonical = Cidr.canonical(ip);
    return new Host(name, prefix + name, 0, v6 ? null : canonical, v6 ? canonical : null,
        String.format("02:1b:66:00:00:%02x", index & 0xff));
  }

  /** IPv6 host numbers read like their IPv4 twins: .12 is ::12 (hex 0x12), .200 is ::200. */
  public static long v6(int host) {
    return Long.parseLong(Integer.toString(host), 16);
  }

  public static String mac(int net, int host) {
    return String.format("02:1b:%02d:00:00:%02d", net, host % 100);
  }

  private static String port(String kind, String name) {
    String p = kind + name;
    return p.length() <= 15 ? p : p.substring(0, 15);
  }
}
