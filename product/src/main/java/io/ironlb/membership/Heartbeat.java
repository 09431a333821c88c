package io.ironlb.membership;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One UDP heartbeat of {@link UdpHeartbeat}: who sends it, the view it is in, and its sequence
 * number, signed with a key derived from the shared secret. A value with {@link Signer#encode} and
 * {@link Signer#decode}; nothing here touches a socket.
 *
 * <p>Wire format, 70 bytes, big-endian:
 *
 * <pre>
 *  0  4  magic "ILHB"
 *  4  1  version (1)
 *  5  1  reserved (0)
 *  6 16  sender: its JGroups UUID (most, then least significant bits)
 * 22 16  creator of the sender's current view (the coordinator that installed it)
 * 38  8  that view's number
 * 46  8  sequence number, one more for every heartbeat the sender sends
 * 54 16  HMAC-SHA256 of bytes 0-53, truncated to 16 bytes, keyed by HMAC-SHA256(secret, "ironlb membership heartbeat v1")
 * </pre>
 *
 * <p>Only a holder of the secret can make a heartbeat, so nobody else can keep a dead node alive;
 * the sequence number lets receivers refuse replayed ones ({@link ReplayWindow}).
 *
 * @param sender the sending member
 * @param viewCreator the member that installed the sender's current view
 * @param viewId the number of that view
 * @param sequence the sender's sequence number
 */
record Heartbeat(MemberId sender, MemberId viewCreator, long viewId, long sequence) {

  static final int LENGTH = 70;
  private static final int SIGNED = 54;
  private static final int TAG = 16;
  private static final byte[] MAGIC = {'I', 'L', 'H', 'B'};
  private static final byte VERSION = 1;
  private static final byte[] CONTEXT = "ironlb membership heartbeat v1".getBytes(StandardCharsets.US_ASCII);

  /** A member's JGroups UUID as two longs, free of JGroups types. */
  record MemberId(long high, long low) {}

  /** Why bytes were not taken as a heartbeat. */
  enum Rejection {
    WRONG_LENGTH,
    NOT_A_HEARTBEAT,
    UNKNOWN_VERSION,
    BAD_SIGNATURE
  }

  /** What {@link Signer#decode} found: a heartbeat, or the reason it is none. */
  sealed interface Decoded {
    record Valid(Heartbeat heartbeat) implements Decoded {}

    record Rejected(Rejection reason) implements Decoded {}
  }

  /**
   * Signs and checks heartbeats with the key derived from the shared secret. Not thread-safe (it
   * holds a {@link Mac}): one per thread.
   */
  static final class Signer {

    private final Mac mac;
    private final byte[] tag = new byte[32];

    Signer(byte[] sharedSecret) {
      try {
        Mac derive = Mac.getInstance("HmacSHA256");
        derive.init(new SecretKeySpec(sharedSecret, "HmacSHA256"));
        byte[] key = derive.doFinal(CONTEXT);
        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
      } catch (NoSuchAlgorithmException | InvalidKeyException e) {
        throw new IllegalStateException("HmacSHA256 is part of every JDK: " + e, e);
      }
    }

    /** Writes {@code h} into {@code out} (cleared first, {@value #LENGTH} bytes, flipped for sending). */
    ByteBuffer encode(Heartbeat h, ByteBuffer out) {
      out.clear();
      out.put(MAGIC).put(VERSION).put((byte) 0);
      out.putLong(h.sender().high()).putLong(h.sender().low());
      out.putLong(h.viewCreator().high()).putLong(h.viewCreator().low());
      out.putLong(h.viewId()).putLong(h.sequence());
      sign(out.array(), out.arrayOffset());
      out.put(tag, 0, TAG);
      return out.flip();
    }

    /** Reads {@code in} (position to limit) as a heartbeat; never throws for any bytes. */
    Decoded decode(ByteBuffer in) {
      if (in.remaining() != LENGTH) {
        return new Decoded.Rejected(Rejection.WRONG_LENGTH);
      }
      byte[] b = new byte[LENGTH];
      in.get(b);
      if (!Arrays.equals(b, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
        return new Decoded.Rejected(Rejection.NOT_A_HEARTBEAT);
      }
      if (b[4] != VERSION) {
        return new Decoded.Rejected(Rejection.UNKNOWN_VERSION);
      }
      sign(b, 0);
      if (!MessageDigest.isEqual(Arrays.copyOf(tag, TAG), Arrays.copyOfRange(b, SIGNED, LENGTH))) {
        return new Decoded.Rejected(Rejection.BAD_SIGNATURE);
      }
      ByteBuffer f = ByteBuffer.wrap(b, 6, SIGNED - 6);
      return new Decoded.Valid(new Heartbeat(new MemberId(f.getLong(), f.getLong()), new MemberId(f.getLong(), f.getLong()), f.getLong(),
          f.getLong()));
    }

    private void sign(byte[] b, int offset) {
      mac.update(b, offset, SIGNED);
      try {
        mac.doFinal(tag, 0);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HMAC output buffer too small", e);
      }
    }
  }
}
