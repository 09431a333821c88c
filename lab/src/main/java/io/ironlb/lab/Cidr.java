package io.ironlb.lab;

import io.ironlb.model.IpText;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 network ({@code 198.51.100.0/24}, {@code 2001:db8:86::/64}) that hands out host
 * addresses by offset, in canonical text (IPv6 compressed as RFC 5952 says).
 */
public record Cidr(boolean v6, BigInteger network, int prefix) {

  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("'" + text + "' is not a CIDR: expected ADDRESS/PREFIX, e.g. 198.51.100.0/24");
    }
    String addr = text.substring(0, slash);
    byte[] bytes = IpText.parse(addr).orElseThrow(() -> new IllegalArgumentException("'" + text + "': '" + addr + "' is not an IP address"))
        .getAddress();
    int bits = bytes.length * 8;
    int prefix;
    try {
      prefix = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "': prefix length is not a number", e);
    }
    if (prefix < 0 || prefix > bits) {
      throw new IllegalArgumentException("'" + text + "': prefix length must be 0-" + bits);
    }
    BigInteger value = new BigInteger(1, bytes);
    BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
        .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
    return new Cidr(bytes.length == 16, value.and(mask), prefix);
  }

  public int bits() {
    return v6 ? 128 : 32;
  }

  /** True when offset {@code n} is a usable host address of this network (not the network or broadcast address). */
  public boolean hasHost(long n) {
    BigInteger size = BigInteger.ONE.shiftLeft(bits() - prefix);
    BigInteger last = v6 ? size : size.subtract(BigInteger.ONE);
    return n > 0 && BigInteger.valueOf(n).compareTo(last) < 0;
  }

  /** The address at offset {@code n} from the network address, in canonical text. */
  public String host(long n) {
    if (!hasHost(n)) {
      throw new IllegalArgumentException(this + " has no host number " + n);
    }
    return format(network.add(BigInteger.valueOf(n)), v6);
  }

  /** {@code host(n)/prefix}, for {@code ip addr add}. */
  public String hostCidr(long n) {
    return host(n) + "/" + prefix;
  }

  /** Whether {@code ip} (canonical or not) lies in this network. */
  public boolean contains(String ip) {
    byte[] b = IpText.parse(ip).map(InetAddress::getAddress).orElse(null);
    if (b == null || (b.length == 16) != v6) {
      return false;
    }
    return new BigInteger(1, b).shiftRight(bits() - prefix).equals(network.shiftRight(bits() - prefix));
  }

  @Override
  public String toString() {
    return format(network, v6) + "/" + prefix;
  }

  /** Canonical text of an address literal ({@code 2001:DB8:0::1} becomes {@code 2001:db8::1}). */
  public static String canonical(String ip) {
    return IpText.format(IpText.parse(ip).orElseThrow(() -> new IllegalArgumentException("'" + ip + "' is not an IP address")));
  }

  public static boolean isIp(String text) {
    return text != null && IpText.parse(text).isPresent();
  }

  public static String format(BigInteger value, boolean v6) {
    byte[] raw = value.toByteArray();
    byte[] b = new byte[v6 ? 16 : 4];
    int n = Math.min(raw.length, b.length);
    System.arraycopy(raw, raw.length - n, b, b.length - n, n);
    try {
      return IpText.format(InetAddress.getByAddress(b));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("a 4- or 16-byte array is always an address", e);
    }
  }

}
