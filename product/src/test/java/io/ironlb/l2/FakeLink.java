package io.ironlb.l2;

import io.ironlb.l2.packet.Decoded;
import io.ironlb.l2.packet.Frame;
import io.ironlb.l2.packet.MacAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what the logic sends, decoded, so tests assert on packets rather than bytes. */
final class FakeLink implements Link {

  record Sent(int ifindex, Frame frame) {}

  final List<Sent> sent = new CopyOnWriteArrayList<>();
  final List<String> memberships = new CopyOnWriteArrayList<>();
  volatile boolean failSends;

  @Override
  public void send(int ifindex, ByteBuffer frame) throws IOException {
    if (failSends) {
      throw new IOException("link down");
    }
    ByteBuffer copy = ByteBuffer.allocate(frame.remaining()).put(frame.duplicate()).flip();
    if (!(Frame.decode(copy) instanceof Decoded.Ok<Frame>(Frame f))) {
      throw new AssertionError("sent a frame that does not decode");
    }
    sent.add(new Sent(ifindex, f));
  }

  @Override
  public void joinMulticast(int ifindex, MacAddress group) {
    memberships.add("+" + ifindex + " " + group);
  }

  @Override
  public void leaveMulticast(int ifindex, MacAddress group) {
    memberships.add("-" + ifindex + " " + group);
  }
}
