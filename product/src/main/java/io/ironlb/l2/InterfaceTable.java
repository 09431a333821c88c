package io.ironlb.l2;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An immutable snapshot of a namespace's interfaces, looked up by index or name. */
public record InterfaceTable(List<NetInterface> all, Map<Integer, NetInterface> byIndex, Map<String, NetInterface> byName) {

  public static final InterfaceTable EMPTY = of(List.of());

  public InterfaceTable {
    all = List.copyOf(all);
    byIndex = Map.copyOf(byIndex);
    byName = Map.copyOf(byName);
  }

  public static InterfaceTable of(List<NetInterface> interfaces) {
    Map<Integer, NetInterface> byIndex = new HashMap<>();
    Map<String, NetInterface> byName = new HashMap<>();
    for (NetInterface i : interfaces) {
      byIndex.put(i.index(), i);
      byName.put(i.name(), i);
    }
    return new InterfaceTable(interfaces, byIndex, byName);
  }

  public Optional<NetInterface> index(int index) {
    return Optional.ofNullable(byIndex.get(index));
  }

  public Optional<NetInterface> name(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The interface this one is enslaved to, if any. */
  public Optional<NetInterface> master(NetInterface i) {
    return i.hasMaster() ? index(i.masterIndex()) : Optional.empty();
  }
}
