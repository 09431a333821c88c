package io.ironlb.l2.packet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Jazzer targets, one per decoder. Without {@code JAZZER_FUZZ=1} (as in CI) each runs its
 * committed seed corpus ({@code src/test/resources/io/ironlb/l2/packet/DecoderFuzzTestInputs/})
 * as a plain test; with it, Jazzer fuzzes, e.g.
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=DecoderFuzzTest#frame -Djazzer.max_duration=60s}.
 * A target fails if a decoder throws, or if it accepts bytes it cannot re-encode to the same value.
 */
class DecoderFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void frame(byte[] data) {
    if (Frame.decode(ByteBuffer.wrap(data)) instanceof Decoded.Ok<Frame>(Frame f)) {
      switch (f) {
        case Frame.Arp arp -> assertThat(Frame.decode(ByteBuffer.wrap(arp.encode()))).isEqualTo(Decoded.ok(arp));
        case Frame.Ndp ndp -> assertThat(Frame.decode(ByteBuffer.wrap(ndp.encode()))).isEqualTo(Decoded.ok(ndp));
        case Frame.Other other -> { }
      }
    }
  }

  @FuzzTest(maxDuration = "30s")
  void ethernetHeader(byte[] data) {
    if (EthernetHeader.decode(ByteBuffer.wrap(data)) instanceof Decoded.Ok<EthernetHeader>(EthernetHeader h)) {
      ByteBuffer out = ByteBuffer.allocate(h.length());
      h.encode(out);
      assertThat(EthernetHeader.decode(out.flip())).isEqualTo(Decoded.ok(h));
    }
  }

  @FuzzTest(maxDuration = "30s")
  void arpPacket(byte[] data) {
    if (ArpPacket.decode(ByteBuffer.wrap(data)) instanceof Decoded.Ok<ArpPacket>(ArpPacket p)) {
      ByteBuffer out = ByteBuffer.allocate(ArpPacket.LENGTH);
      p.encode(out);
      assertThat(ArpPacket.decode(out.flip())).isEqualTo(Decoded.ok(p));
    }
  }

  @FuzzTest(maxDuration = "30s")
  void ipv6Header(byte[] data) {
    Ipv6Header.decode(ByteBuffer.wrap(data));
  }

  /** The first 32 bytes are the pseudo-header's source and destination, the rest the ICMPv6 message. */
  @FuzzTest(maxDuration = "30s")
  void ndpMessage(byte[] data) {
    if (data.length < 32) {
      return;
    }
    ByteBuffer in = ByteBuffer.wrap(data);
    var src = Addresses.readInet6(in);
    var dst = Addresses.readInet6(in);
    if (NdpMessage.decode(in.slice(), src, dst) instanceof Decoded.Ok<NdpMessage>(NdpMessage m)) {
      ByteBuffer out = ByteBuffer.allocate(m.length());
      m.encode(out, src, dst);
      assertThat(NdpMessage.decode(out.flip(), src, dst)).isEqualTo(Decoded.ok(m));
    }
  }
}
