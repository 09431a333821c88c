package io.ironlb.l2;

import java.net.InetAddress;

/**
 * Where the data plane reports what it did, per announced IP, ready for the
 * {@code metallb_layer2_*} metrics. Passed in, never global; the metrics library implements it
 * later, {@link Layer2Counters} until then.
 */
public interface Layer2Stats {

  /** A request (ARP request or neighbour solicitation) for an IP this node announces. */
  void requestReceived(InetAddress ip);

  void responseSent(InetAddress ip);

  void gratuitousSent(InetAddress ip);

  void dropped(DropReason reason);
}
