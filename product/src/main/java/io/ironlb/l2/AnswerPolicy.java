package io.ironlb.l2;

import java.net.InetAddress;

/** The responder's only question: "should I answer for this IP on this interface?" */
@FunctionalInterface
public interface AnswerPolicy {
  boolean shouldAnswer(InetAddress ip, NetInterface ingress);
}
