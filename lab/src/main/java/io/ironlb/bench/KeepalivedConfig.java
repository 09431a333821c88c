package io.ironlb.bench;

import io.ironlb.lab.Cidr;

/**
 * One node's keepalived configuration for the failover comparison: a single VRRP instance that
 * holds {@code vip} on {@code iface}, nothing else (no health checks, no scripts, no virtual
 * servers: the lab's kube-proxy stand-in forwards the VIP, as it does for IronLB).
 *
 * <ul>
 *   <li>VRRPv2 keeps keepalived's default {@code advert_int 1} and the customary simple-password
 *       authentication; VRRPv3 advertises every 0.1 s and has no authentication (RFC 5798 dropped it).
 *   <li>Every node starts as BACKUP; the home node has the highest priority and preemption (on by
 *       default) gives it the VIP back after each trial. A backup takes over after RFC 5798's
 *       Master_Down_Interval, {@code 3 * advert_int + (256 - priority) / 256 * advert_int}: with
 *       priority 100, 3.61 s for VRRPv2 and 0.361 s for VRRPv3.
 *   <li>The VIP is a /32 on the LAN interface: it adds no route, and the kernel answers ARP for it
 *       while it is there (also after keepalived was killed).
 * </ul>
 *
 * @param version 2 or 3
 * @param node the node's name (keepalived's {@code router_id})
 * @param iface the LAN interface
 * @param routerId the VRRP virtual router id, the same on every node (1-255)
 * @param priority 1-254, the home node highest
 * @param vip the IPv4 address the instance holds
 */
record KeepalivedConfig(int version, String node, String iface, int routerId, int priority, String vip) {

  static final int HOME_PRIORITY = 150;
  static final int BACKUP_PRIORITY = 100;
  static final String V2_PASSWORD = "ironlb";

  KeepalivedConfig {
    if (version != 2 && version != 3) {
      throw new IllegalArgumentException("VRRP version must be 2 or 3, not " + version);
    }
    if (routerId < 1 || routerId > 255) {
      throw new IllegalArgumentException("virtual_router_id must be 1-255, not " + routerId);
    }
    if (priority < 1 || priority > 254) {
      throw new IllegalArgumentException("priority must be 1-254, not " + priority);
    }
    if (!Cidr.isIp(vip) || vip.contains(":")) {
      throw new IllegalArgumentException("the VIP must be an IPv4 address, not '" + vip + "'");
    }
  }

  /** The advertisement interval in seconds, as keepalived's config spells it. */
  String advertInterval() {
    return advertInterval(version);
  }

  static String advertInterval(int version) {
    return version == 2 ? "1" : "0.1";
  }

  /** The configured target name in results and tables: {@code keepalived-vrrp2}, {@code keepalived-vrrp3}. */
  static String target(int version) {
    return "keepalived-vrrp" + version;
  }

  String render() {
    StringBuilder s = new StringBuilder();
    s.append("# Written by ironlb lab failover --keepalived ").append(version).append(" for ").append(node).append(".\n");
    s.append("global_defs {\n");
    s.append("  router_id ").append(node).append('\n');
    s.append("  vrrp_version ").append(version).append('\n');
    s.append("}\n\n");
    s.append("vrrp_instance ironlb_lab {\n");
    s.append("  state BACKUP\n");
    s.append("  interface ").append(iface).append('\n');
    s.append("  virtual_router_id ").append(routerId).append('\n');
    s.append("  priority ").append(priority).append('\n');
    s.append("  advert_int ").append(advertInterval()).append('\n');
    if (version == 2) {
      s.append("  authentication {\n    auth_type PASS\n    auth_pass ").append(V2_PASSWORD).append("\n  }\n");
    }
    s.append("  virtual_ipaddress {\n    ").append(vip).append("/32 dev ").append(iface).append("\n  }\n");
    s.append("}\n");
    return s.toString();
  }
}
