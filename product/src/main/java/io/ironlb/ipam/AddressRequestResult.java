package io.ironlb.ipam;

import java.net.InetAddress;
import java.util.List;

/** The outcome of {@link AddressRequest#parse}. {@code Ok} with an empty list means "any address". */
public sealed interface AddressRequestResult {
  record Ok(List<InetAddress> ips) implements AddressRequestResult {
    public Ok {
      ips = List.copyOf(ips);
    }
  }

  record Error(String message) implements AddressRequestResult {}
}
