package io.ironlb.l2;

import io.ironlb.model.IpText;
import java.net.Inet4Address;
import java.net.InetAddress;

/** An address on an interface with its prefix length, e.g. 198.51.100.11/24. */
public record InterfaceAddress(InetAddress address, int prefixLength) {

  public InterfaceAddress {
    int max = address.getAddress().length * 8;
    if (prefixLength < 0 || prefixLength > max) {
      throw new IllegalArgumentException("prefix length " + prefixLength + " out of 0.." + max + " for " + address.getHostAddress());
    }
  }

  /** True when {@code ip} is of the same family and inside this address's subnet. */
  public boolean subnetContains(InetAddress ip) {
    byte[] a = address.getAddress();
    byte[] b = ip.getAddress();
    if (a.length != b.length) {
      return false;
    }
    int bits = prefixLength;
    for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
      int mask = bits >= 8 ? 0xff : 0xff << (8 - bits) & 0xff;
      if ((a[i] & mask) != (b[i] & mask)) {
        return false;
      }
    }
    return true;
  }

  public boolean isIpv4() {
    return address instanceof Inet4Address;
  }

  @Override
  public String toString() {
    return IpText.format(address) + "/" + prefixLength;
  }
}
