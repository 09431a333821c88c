package io.ironlb.l2.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.ironlb.l2.NetInterface;
import io.ironlb.l2.packet.MacAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wi-Fi from sysfs's layout, laid out in a temp dir: no test host has a Wi-Fi link, and creating one
 * (mac80211_hwsim) would add interfaces to the host's own namespace.
 */
class WirelessLinksTest {

  private static NetInterface link(String name, int index, String kind) {
    return new NetInterface(name, index, new MacAddress(0x0200_0000_0000L + index), true, true, false, false, kind, 0, List.of());
  }

  private static void sysfs(Path classNet, String name, int ifindex, String marker) throws IOException {
    Path dir = Files.createDirectories(classNet.resolve(name));
    Files.writeString(dir.resolve("ifindex"), ifindex + "\n");
    if (!marker.isEmpty()) {
      Files.createDirectories(dir.resolve(marker));
    }
  }

  @Test
  void linksWithAWirelessOrPhy80211EntryBecomeWireless(@TempDir Path classNet) throws IOException {
    sysfs(classNet, "wlan0", 3, "wireless");
    sysfs(classNet, "wlp2s0", 4, "phy80211");
    sysfs(classNet, "eth0", 2, "");

    List<NetInterface> marked = WirelessLinks.mark(List.of(link("eth0", 2, ""), link("wlan0", 3, ""), link("wlp2s0", 4, "")), classNet);

    assertThat(marked).extracting(NetInterface::kind).containsExactly("", NetInterface.KIND_WIRELESS, NetInterface.KIND_WIRELESS);
  }

  @Test
  void anEntryOfAnotherNamespaceWithTheSameNameButAnotherIndexDoesNotCount(@TempDir Path classNet) throws IOException {
    sysfs(classNet, "wlan0", 9, "wireless");

    assertThat(WirelessLinks.mark(List.of(link("wlan0", 3, "")), classNet)).extracting(NetInterface::kind).containsExactly("");
  }

  @Test
  void aKindFromRtnetlinkIsKeptAndNamesNeverLeaveSysfs(@TempDir Path classNet) throws IOException {
    sysfs(classNet, "br0", 5, "wireless");
    Files.createDirectories(classNet.resolve("wireless"));

    List<NetInterface> marked = WirelessLinks.mark(List.of(link("br0", 5, "bridge"), link("..", 6, ""), link("", 7, "")), classNet);

    assertThat(marked).extracting(NetInterface::kind).containsExactly("bridge", "", "");
  }
}
