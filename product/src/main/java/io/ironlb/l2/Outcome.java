package io.ironlb.l2;

import java.net.InetAddress;
import java.util.EnumMap;
import java.util.Map;

/** What the responder did with one frame. */
public sealed interface Outcome {

  record Answered(InetAddress ip, String interfaceName) implements Outcome {}

  record Dropped(DropReason reason) implements Outcome {}

  static Dropped dropped(DropReason reason) {
    return Cache.DROPPED.get(reason);
  }

  /** One instance per reason: a flood of dropped frames allocates nothing for its outcomes. */
  final class Cache {
    private static final Map<DropReason, Dropped> DROPPED = new EnumMap<>(DropReason.class);

    static {
      for (DropReason r : DropReason.values()) {
        DROPPED.put(r, new Dropped(r));
      }
    }

    private Cache() {}
  }
}
