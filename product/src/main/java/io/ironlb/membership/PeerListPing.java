package io.ironlb.membership;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jgroups.Address;
import org.jgroups.PhysicalAddress;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.TCPPING;
import org.jgroups.stack.IpAddress;
import org.jgroups.util.Responses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovery from the API: TCPPING whose host list is re-read from the peers supplier at every
 * discovery round (the join, and every MERGE3 probe, since TCP cannot multicast).
 *
 * <p>Why not KUBE_PING: it would open a second API client in the speaker with its own credentials,
 * pod label conventions and polling; the speaker already watches its peers through fabric8
 * informers, so handing their endpoints over costs one supplier call and keeps one API client per
 * process. Why subclass TCPPING rather than {@code Discovery}: TCPPING already sends point-to-point
 * discovery requests to a host list and keeps the physical addresses of members it has seen, and
 * only its list needs to change.
 */
final class PeerListPing extends TCPPING {

  private static final Logger log = LoggerFactory.getLogger(PeerListPing.class);

  /**
   * JGroups keys a protocol's headers by an ID from its registry; subclasses are not in it. Every
   * speaker must use the same number, so it is fixed here (custom IDs start at 512).
   */
  static final short PROTOCOL_ID = 1771;

  static {
    if (ClassConfigurator.getProtocolId(PeerListPing.class) == 0) {
      ClassConfigurator.addProtocol(PROTOCOL_ID, PeerListPing.class);
    }
  }
  private final Supplier<List<InetSocketAddress>> peers;

  PeerListPing(Supplier<List<InetSocketAddress>> peers) {
    this.peers = peers;
    initial_hosts_set_programmatically = true;
    port_range = 0;
  }

  @Override
  public void findMembers(List<Address> members, boolean initialDiscovery, Responses responses) {
    List<PhysicalAddress> hosts = new ArrayList<>();
    for (InetSocketAddress peer : current()) {
      if (peer.getAddress() != null) { // unresolved names are skipped: the API gives IPs
        hosts.add(new IpAddress(peer.getAddress(), peer.getPort()));
      }
    }
    initial_hosts = hosts;
    super.findMembers(members, initialDiscovery, responses);
  }

  private List<InetSocketAddress> current() {
    try {
      List<InetSocketAddress> list = peers.get();
      return list == null ? List.of() : list;
    } catch (RuntimeException e) {
      // Discovery must go on with the members already known; the next round asks again.
      log.warn("membership peers supplier failed: {}", e.toString());
      return List.of();
    }
  }
}
