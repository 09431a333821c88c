package io.ironlb.l2.packet;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/** A neighbour discovery option (RFC 4861 4.6). Only link-layer addresses matter to a responder. */
public sealed interface NdpOption {

  int TYPE_SOURCE_LINK_LAYER = 1;
  int TYPE_TARGET_LINK_LAYER = 2;

  /** Bytes on the wire, a multiple of 8. */
  int length();

  void encode(ByteBuffer out);

  record SourceLinkLayer(MacAddress mac) implements NdpOption {
    @Override
    public int length() {
      return 8;
    }

    @Override
    public void encode(ByteBuffer out) {
      out.put((byte) TYPE_SOURCE_LINK_LAYER).put((byte) 1);
      mac.write(out);
    }
  }

  record TargetLinkLayer(MacAddress mac) implements NdpOption {
    @Override
    public int length() {
      return 8;
    }

    @Override
    public void encode(ByteBuffer out) {
      out.put((byte) TYPE_TARGET_LINK_LAYER).put((byte) 1);
      mac.write(out);
    }
  }

  /** Any other option, kept as bytes (after type and length) so that a message re-encodes as it came. */
  record Other(int type, byte[] body) implements NdpOption {
    public Other {
      if (type < 0 || type > 0xff || type == TYPE_SOURCE_LINK_LAYER || type == TYPE_TARGET_LINK_LAYER) {
        throw new IllegalArgumentException("option type must be a byte other than 1 and 2: " + type);
      }
      if ((body.length + 2) % 8 != 0 || body.length + 2 > 255 * 8) {
        throw new IllegalArgumentException("option body + 2 must be a multiple of 8 up to 2040 bytes: " + body.length);
      }
      body = body.clone();
    }

    @Override
    public byte[] body() {
      return body.clone();
    }

    @Override
    public int length() {
      return body.length + 2;
    }

    @Override
    public void encode(ByteBuffer out) {
      out.put((byte) type).put((byte) (length() / 8)).put(body);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Other other && other.type == type && Arrays.equals(other.body, body);
    }

    @Override
    public int hashCode() {
      return 31 * type + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
      return "Other[type=" + type + ", body=" + HexFormat.of().formatHex(body) + "]";
    }
  }
}
