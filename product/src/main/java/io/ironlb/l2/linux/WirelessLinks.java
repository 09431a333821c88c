package io.ironlb.l2.linux;

import io.ironlb.l2.NetInterface;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tells Wi-Fi links apart, which rtnetlink gives no link kind: sysfs has {@code wireless} (the
 * wireless extensions) or {@code phy80211} (cfg80211 drivers) under {@code /sys/class/net/NAME}.
 *
 * <p>Sysfs shows the interfaces of the namespace that mounted it, not necessarily the caller's: a
 * speaker runs in the host's namespace, where both agree, but a thread that entered another
 * namespace reads the mounting one's. So a sysfs entry counts only when its {@code ifindex} is
 * the interface's own; an interface of the same name and index in another namespace can still
 * fool it, which costs at most a wrong warning from {@code ironlb check}.
 */
final class WirelessLinks {
  static final Path SYS_CLASS_NET = Path.of("/sys/class/net");

  private WirelessLinks() {}

  /** The interfaces, those without a kind that sysfs shows as Wi-Fi given {@link NetInterface#KIND_WIRELESS}. */
  static List<NetInterface> mark(List<NetInterface> interfaces, Path classNet) {
    List<NetInterface> out = new ArrayList<>(interfaces.size());
    for (NetInterface i : interfaces) {
      out.add(i.kind().isEmpty() && !i.loopback() && wireless(classNet, i) ? i.withKind(NetInterface.KIND_WIRELESS) : i);
    }
    return out;
  }

  private static boolean wireless(Path classNet, NetInterface i) {
    // A name with a path separator cannot be an interface's; never let one walk out of sysfs.
    if (i.name().isEmpty() || i.name().contains("/") || i.name().equals(".") || i.name().equals("..")) {
      return false;
    }
    Path dir = classNet.resolve(i.name());
    if (!Files.exists(dir.resolve("wireless")) && !Files.exists(dir.resolve("phy80211"))) {
      return false;
    }
    try {
      return Integer.parseInt(Files.readString(dir.resolve("ifindex")).strip()) == i.index();
    } catch (IOException | NumberFormatException e) {
      return false;
    }
  }
}
