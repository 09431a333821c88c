package io.ironlb.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HeartbeatTest {

  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();
  private final Heartbeat.Signer signer = new Heartbeat.Signer(SECRET);
  private final Heartbeat beat = new Heartbeat(new Heartbeat.MemberId(1, 2), new Heartbeat.MemberId(3, 4), 17, 42);

  private byte[] encoded() {
    ByteBuffer b = signer.encode(beat, ByteBuffer.allocate(Heartbeat.LENGTH));
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  @Test
  void aHeartbeatReadsBackAsItWasWritten() {
    byte[] wire = encoded();
    assertThat(wire).hasSize(Heartbeat.LENGTH);
    assertThat(new Heartbeat.Signer(SECRET).decode(ByteBuffer.wrap(wire))).isEqualTo(new Heartbeat.Decoded.Valid(beat));
  }

  @Test
  void aHeartbeatSignedWithAnotherSecretIsRefused() {
    Heartbeat.Signer other = new Heartbeat.Signer("another secret, also 32 bytes ok".getBytes());
    ByteBuffer forged = other.encode(beat, ByteBuffer.allocate(Heartbeat.LENGTH));
    assertThat(signer.decode(forged)).isEqualTo(new Heartbeat.Decoded.Rejected(Heartbeat.Rejection.BAD_SIGNATURE));
  }

  @Test
  void aChangedByteAnywhereIsRefused() {
    byte[] wire = encoded();
    for (int i = 6; i < wire.length; i++) {
      byte[] changed = wire.clone();
      changed[i] ^= 1;
      assertThat(signer.decode(ByteBuffer.wrap(changed))).as("byte %d", i)
          .isEqualTo(new Heartbeat.Decoded.Rejected(Heartbeat.Rejection.BAD_SIGNATURE));
    }
  }

  @Test
  void otherDatagramsAreRefusedWithTheirReasonAndNeverThrow() {
    assertThat(signer.decode(ByteBuffer.wrap(new byte[10]))).isEqualTo(new Heartbeat.Decoded.Rejected(Heartbeat.Rejection.WRONG_LENGTH));
    assertThat(signer.decode(ByteBuffer.wrap(new byte[Heartbeat.LENGTH])))
        .isEqualTo(new Heartbeat.Decoded.Rejected(Heartbeat.Rejection.NOT_A_HEARTBEAT));
    byte[] v2 = encoded();
    v2[4] = 2;
    assertThat(signer.decode(ByteBuffer.wrap(v2))).isEqualTo(new Heartbeat.Decoded.Rejected(Heartbeat.Rejection.UNKNOWN_VERSION));
    Random r = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      byte[] junk = new byte[r.nextInt(100)];
      r.nextBytes(junk);
      if (junk.length >= 4) {
        System.arraycopy("ILHB".getBytes(), 0, junk, 0, 4);
      }
      assertThat(signer.decode(ByteBuffer.wrap(junk))).isInstanceOf(Heartbeat.Decoded.Rejected.class);
    }
    assertThat(Arrays.equals(encoded(), encoded())).as("deterministic").isTrue();
  }
}
