package io.ironlb.l2.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class PacketRoundTripTest {

  @Property
  void anArpFrameDecodesToWhatWasEncoded(@ForAll("arpFrames") Frame.Arp frame) {
    assertThat(Frame.decode(ByteBuffer.wrap(frame.encode()))).isEqualTo(Decoded.ok(frame));
  }

  @Property
  void anArpFramePaddedToTheEthernetMinimumStillDecodes(@ForAll("arpFrames") Frame.Arp frame) {
    byte[] padded = new byte[Math.max(60, frame.encode().length)];
    System.arraycopy(frame.encode(), 0, padded, 0, frame.encode().length);
    assertThat(Frame.decode(ByteBuffer.wrap(padded))).isEqualTo(Decoded.ok(frame));
  }

  @Property
  void aNeighborDiscoveryFrameDecodesToWhatWasEncoded(@ForAll("ndpFrames") Frame.Ndp frame) {
    assertThat(Frame.decode(ByteBuffer.wrap(frame.encode()))).isEqualTo(Decoded.ok(frame));
  }

  @Property
  void aNeighborDiscoveryFrameWithTrailingPaddingStillDecodes(@ForAll("ndpFrames") Frame.Ndp frame) {
    byte[] enc = frame.encode();
    byte[] padded = new byte[enc.length + 7];
    System.arraycopy(enc, 0, padded, 0, enc.length);
    assertThat(Frame.decode(ByteBuffer.wrap(padded))).isEqualTo(Decoded.ok(frame));
  }

  @Property
  void flippingAnyBitOfANeighborDiscoveryMessageIsCaught(@ForAll("ndpFrames") Frame.Ndp frame, @ForAll int seed) {
    byte[] enc = frame.encode();
    int icmpStart = frame.ethernet().length() + Ipv6Header.LENGTH;
    int bit = Math.floorMod(seed, (enc.length - icmpStart) * 8);
    enc[icmpStart + bit / 8] ^= (byte) (1 << (bit % 8));
    assertThat(Frame.decode(ByteBuffer.wrap(enc))).isNotEqualTo(Decoded.ok(frame));
  }

  @Property
  void aMacAddressPrintsAndParsesBack(@ForAll("macs") MacAddress mac) {
    assertThat(MacAddress.parse(mac.toString())).isEqualTo(mac);
    assertThat(MacAddress.of(mac.toBytes())).isEqualTo(mac);
  }

  @Provide
  Arbitrary<Frame.Arp> arpFrames() {
    return PacketArbitraries.arpFrames();
  }

  @Provide
  Arbitrary<Frame.Ndp> ndpFrames() {
    return PacketArbitraries.ndpFrames();
  }

  @Provide
  Arbitrary<MacAddress> macs() {
    return PacketArbitraries.macs();
  }
}
