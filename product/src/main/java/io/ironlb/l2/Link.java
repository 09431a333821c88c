package io.ironlb.l2;

import io.ironlb.l2.packet.MacAddress;
import java.io.IOException;
import java.nio.ByteBuffer;

/** The only way the data-plane logic touches the network: so it can be tested with a fake. */
public interface Link {

  /** Sends a whole Ethernet frame out of {@code ifindex}. Any thread. */
  void send(int ifindex, ByteBuffer frame) throws IOException;

  /** Makes {@code ifindex} accept frames to multicast {@code group} (IPv6 solicited-node groups). */
  void joinMulticast(int ifindex, MacAddress group) throws IOException;

  void leaveMulticast(int ifindex, MacAddress group) throws IOException;
}
