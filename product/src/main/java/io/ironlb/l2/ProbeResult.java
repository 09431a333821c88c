package io.ironlb.l2;

import io.ironlb.l2.packet.MacAddress;
import java.util.List;

/** What a conflict probe found out about an address before first use. */
public sealed interface ProbeResult {

  /** No foreign host answered on {@code interfaces}. */
  record Free(List<String> interfaces) implements ProbeResult {
    public Free {
      interfaces = List.copyOf(interfaces);
    }
  }

  /** A host that is not a cluster node answered for the address (or probed for it at the same time). */
  record Taken(MacAddress mac, String interfaceName, String evidence) implements ProbeResult {}

  /** Nothing was probed: no interface qualifies for the address, or no probe could be sent. */
  record NotProbed(String reason) implements ProbeResult {}
}
