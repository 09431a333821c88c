package io.ironlb.l2.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A million random and mutated frames through every decoder: none may throw (DESIGN 6 aims at
 * 10^7 per decoder; {@code -Dironlb.torture.frames=10000000} runs that). Prints throughput.
 */
class DecoderTortureTest {

  static final int FRAMES = Integer.getInteger("ironlb.torture.frames", 1_000_000);

  @Test
  void noDecoderThrowsOnAMillionRandomAndMutatedFrames() {
    List<byte[]> seeds = seeds();
    var src = Addresses.inet6(new byte[16]);
    var dst = Addresses.IPV6_ALL_NODES;
    List<Consumer<ByteBuffer>> decoders = List.of(
        Frame::decode, EthernetHeader::decode, ArpPacket::decode, Ipv6Header::decode, b -> NdpMessage.decode(b, src, dst));
    List<String> names = List.of("Frame", "EthernetHeader", "ArpPacket", "Ipv6Header", "NdpMessage");
    for (int d = 0; d < decoders.size(); d++) {
      SplittableRandom random = new SplittableRandom(42 + d);
      long ok = 0;
      long start = System.nanoTime();
      for (int i = 0; i < FRAMES; i++) {
        byte[] f = mutate(seeds.get(random.nextInt(seeds.size())), random, d);
        ByteBuffer in = ByteBuffer.wrap(f);
        decoders.get(d).accept(in);
        ok++;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("%-15s %,d frames in %.2f s: %,.0f frames/s%n", names.get(d), ok, seconds, ok / seconds);
      assertThat(ok).isEqualTo(FRAMES);
    }
  }

  /** A seed with random bit flips, byte overwrites, truncation or extension, or plain random bytes. */
  static byte[] mutate(byte[] seed, SplittableRandom r, int decoder) {
    byte[] f;
    int mode = r.nextInt(6);
    if (mode == 0) {
      f = new byte[r.nextInt(128)];
      r.nextBytes(f);
      return f;
    }
    int skip = decoder == 2 ? Math.min(14, seed.length) : decoder == 3 ? Math.min(14, seed.length) : decoder == 4 ? Math.min(54, seed.length) : 0;
    f = java.util.Arrays.copyOfRange(seed, skip, seed.length);
    switch (mode) {
      case 1 -> {
        for (int i = 0, n = 1 + r.nextInt(4); i < n && f.length > 0; i++) {
          f[r.nextInt(f.length)] ^= (byte) (1 << r.nextInt(8));
        }
      }
      case 2 -> {
        for (int i = 0, n = 1 + r.nextInt(4); i < n && f.length > 0; i++) {
          f[r.nextInt(f.length)] = (byte) r.nextInt(256);
        }
      }
      case 3 -> f = java.util.Arrays.copyOf(f, r.nextInt(f.length + 1));
      case 4 -> {
        byte[] longer = java.util.Arrays.copyOf(f, f.length + r.nextInt(64));
        for (int i = f.length; i < longer.length; i++) {
          longer[i] = (byte) r.nextInt(256);
        }
        f = longer;
      }
      default -> {
        // interesting values at random positions: lengths, types, 0xff
        int[] interesting = {0, 1, 2, 0x7f, 0x80, 0xff, 58, 135, 136, 0x86, 0xdd, 0x08, 0x06, 0x81};
        for (int i = 0, n = 1 + r.nextInt(3); i < n && f.length > 0; i++) {
          f[r.nextInt(f.length)] = (byte) interesting[r.nextInt(interesting.length)];
        }
      }
    }
    return f;
  }

  static List<byte[]> seeds() {
    List<byte[]> seeds = new ArrayList<>();
    try (var s = java.nio.file.Files.walk(java.nio.file.Path.of("product/src/test/resources/io/ironlb/l2/packet/DecoderFuzzTestInputs/frame"))) {
      for (var p : s.filter(java.nio.file.Files::isRegularFile).toList()) {
        seeds.add(java.nio.file.Files.readAllBytes(p));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(seeds).isNotEmpty();
    return seeds;
  }
}
