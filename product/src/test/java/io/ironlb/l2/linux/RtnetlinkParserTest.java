package io.ironlb.l2.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ironlb.l2.InterfaceAddress;
import io.ironlb.l2.NetInterface;
import io.ironlb.l2.packet.MacAddress;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** rtnetlink dump replies built by hand, in host byte order as the kernel sends them. */
class RtnetlinkParserTest {

  @Test
  void aLinkDumpAndAnAddressDumpJoinIntoInterfacesWithMacKindMasterAndPrefixes() throws Exception {
    ByteBuffer links = messages(
        link(7, 3, RtnetlinkParser.IFF_UP | RtnetlinkParser.IFF_LOWER_UP, "lan0", new byte[] {2, 0, 0, 0, 0x0a, 1}, 4, "veth"),
        link(7, 4, RtnetlinkParser.IFF_UP | RtnetlinkParser.IFF_NOARP, "br0", new byte[] {2, 0, 0, 0, 0x0b, 1}, 0, "bridge"),
        link(6, 9, 0, "stale0", new byte[6], 0, ""), // late reply of an earlier dump
        done(7));
    ByteBuffer addrs = messages(addr(8, 2, 24, 3, new byte[] {(byte) 198, 51, 100, 11}), done(8));
    List<RtnetlinkParser.Link> l = new ArrayList<>();
    List<RtnetlinkParser.Addr> a = new ArrayList<>();
    assertThat(RtnetlinkParser.forEachMessage(links, 7, l, a)).isFalse();
    assertThat(RtnetlinkParser.forEachMessage(addrs, 8, l, a)).isFalse();

    List<NetInterface> out = RtnetlinkParser.join(l, a);
    assertThat(out).extracting(NetInterface::name).containsExactly("lan0", "br0");
    NetInterface lan = out.getFirst();
    assertThat(lan.mac()).isEqualTo(MacAddress.parse("02:00:00:00:0a:01"));
    assertThat(lan.kind()).isEqualTo("veth");
    assertThat(lan.masterIndex()).isEqualTo(4);
    assertThat(lan.operational()).isTrue();
    assertThat(lan.addresses()).containsExactly(new InterfaceAddress(InetAddress.getByName("198.51.100.11"), 24));
    assertThat(out.get(1).noArp()).isTrue();
    assertThat(out.get(1).operational()).isFalse();
  }

  @Test
  void aNetlinkErrorIsReportedWithTheKernelsReason() {
    ByteBuffer err = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
    err.putInt(20).putShort((short) RtnetlinkParser.NLMSG_ERROR).putShort((short) 0).putInt(1).putInt(0).putInt(-1).flip();
    assertThatThrownBy(() -> RtnetlinkParser.forEachMessage(err, 1, new ArrayList<>(), new ArrayList<>()))
        .hasMessageContaining("errno 1");
  }

  @Test
  void anAttributeRunningPastItsMessageIsIgnoredNotFatal() {
    byte[] m = link(1, 2, 0, "x", new byte[6], 0, "");
    ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.nativeOrder());
    b.putShort(32, (short) 200); // first attribute claims 200 bytes
    List<RtnetlinkParser.Link> l = new ArrayList<>();
    RtnetlinkParser.forEachMessage(b, 1, l, new ArrayList<>());
    assertThat(l).singleElement().extracting(RtnetlinkParser.Link::index).isEqualTo(2);
  }

  @Test
  void notificationsCountLinksAddressesAndMainTableDefaultRoutesOnly() {
    byte[] linkUp = link(0, 3, RtnetlinkParser.IFF_UP, "lan0", new byte[6], 0, "");
    byte[] podRoute = route(RtnetlinkParser.RTM_NEWROUTE, 2, 32, RtnetlinkParser.RT_TABLE_MAIN);
    byte[] defaultGone = route(RtnetlinkParser.RTM_DELROUTE, 10, 0, RtnetlinkParser.RT_TABLE_MAIN);
    byte[] otherTableDefault = route(RtnetlinkParser.RTM_NEWROUTE, 2, 0, 100);

    assertThat(RtnetlinkParser.notified(messages(podRoute, otherTableDefault))).isEqualTo(new RtnetlinkParser.Notified(false, false));
    assertThat(RtnetlinkParser.notified(messages(podRoute, defaultGone))).isEqualTo(new RtnetlinkParser.Notified(false, true));
    assertThat(RtnetlinkParser.notified(messages(linkUp))).isEqualTo(new RtnetlinkParser.Notified(true, false));
    assertThat(RtnetlinkParser.notified(messages(addr(0, 2, 24, 3, new byte[] {(byte) 198, 51, 100, 11}), defaultGone)))
        .isEqualTo(new RtnetlinkParser.Notified(true, true));
    // A length past the datagram ends the reading with what was seen before it.
    ByteBuffer cut = messages(defaultGone, linkUp);
    cut.putInt(defaultGone.length, 4096);
    assertThat(RtnetlinkParser.notified(cut)).isEqualTo(new RtnetlinkParser.Notified(false, true));
  }

  static byte[] route(int type, int family, int dstLen, int table) {
    ByteBuffer body = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
    body.put((byte) family).put((byte) dstLen).put((byte) 0).put((byte) 0).put((byte) table).put((byte) 3).put((byte) 0)
        .put((byte) 1).putInt(0);
    return message(type, 0, body);
  }

  static ByteBuffer messages(byte[]... ms) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] m : ms) {
      out.writeBytes(m);
    }
    return ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.nativeOrder());
  }

  static byte[] link(int seq, int index, int flags, String name, byte[] mac, int master, String kind) {
    ByteBuffer body = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
    body.put((byte) 0).put((byte) 0).putShort((short) 1).putInt(index).putInt(flags).putInt(0);
    attr(body, RtnetlinkParser.IFLA_IFNAME, (name + "\0").getBytes(StandardCharsets.US_ASCII));
    attr(body, RtnetlinkParser.IFLA_ADDRESS, mac);
    if (master != 0) {
      attr(body, RtnetlinkParser.IFLA_MASTER, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(master).array());
    }
    if (!kind.isEmpty()) {
      ByteBuffer nested = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
      attr(nested, RtnetlinkParser.IFLA_INFO_KIND, (kind + "\0").getBytes(StandardCharsets.US_ASCII));
      byte[] n = new byte[nested.position()];
      nested.flip().get(n);
      attr(body, RtnetlinkParser.IFLA_LINKINFO, n);
    }
    return message(RtnetlinkParser.RTM_NEWLINK, seq, body);
  }

  static byte[] addr(int seq, int family, int prefix, int index, byte[] ip) {
    ByteBuffer body = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
    body.put((byte) family).put((byte) prefix).put((byte) 0).put((byte) 0).putInt(index);
    attr(body, RtnetlinkParser.IFA_LOCAL, ip);
    return message(RtnetlinkParser.RTM_NEWADDR, seq, body);
  }

  static byte[] done(int seq) {
    return message(RtnetlinkParser.NLMSG_DONE, seq, ByteBuffer.allocate(4));
  }

  static byte[] message(int type, int seq, ByteBuffer body) {
    int len = 16 + body.position();
    ByteBuffer m = ByteBuffer.allocate(RtnetlinkParser.align(len)).order(ByteOrder.nativeOrder());
    m.putInt(len).putShort((short) type).putShort((short) 2).putInt(seq).putInt(0);
    m.put(body.array(), 0, body.position());
    return m.array();
  }

  static void attr(ByteBuffer b, int type, byte[] data) {
    b.putShort((short) (4 + data.length)).putShort((short) type).put(data);
    while (b.position() % 4 != 0) {
      b.put((byte) 0);
    }
  }
}
