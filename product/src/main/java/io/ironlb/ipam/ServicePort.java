package io.ironlb.ipam;

import java.util.Locale;
import java.util.Objects;

/** One (protocol, port) pair of a Service; the protocol is kept upper-case ({@code TCP}, {@code UDP}, {@code SCTP}). */
public record ServicePort(String protocol, int port) {
  public ServicePort {
    Objects.requireNonNull(protocol, "protocol");
    protocol = protocol.toUpperCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return protocol + "/" + port;
  }
}
