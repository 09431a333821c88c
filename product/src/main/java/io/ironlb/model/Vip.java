package io.ironlb.model;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * A Service's virtual IP: the address, and its canonical text (IPv6 compressed, as the election
 * hashes it and as users read it), computed once. Equal when the addresses are equal.
 */
public final class Vip implements Comparable<Vip> {
  private final InetAddress address;
  private final String text;

  private Vip(InetAddress address) {
    this.address = Objects.requireNonNull(address, "address");
    this.text = IpText.format(address);
  }

  public static Vip of(InetAddress address) {
    return new Vip(address);
  }

  /** A strict parse (no host names, no zones); empty when {@code text} is not an IP address. */
  public static Optional<Vip> parse(String text) {
    return IpText.parse(text).map(Vip::new);
  }

  /** Like {@link #parse}, for text the program itself produced: throws when it is not an IP. */
  public static Vip of(String text) {
    return parse(text).orElseThrow(() -> new IllegalArgumentException("\"" + text + "\" is not an IP address"));
  }

  public InetAddress address() {
    return address;
  }

  /** Canonical text: dotted quad, or RFC 5952 compressed IPv6. */
  public String text() {
    return text;
  }

  public boolean v6() {
    return IpText.isV6(address);
  }

  /** IPv4 before IPv6, then by text: the order of a dual-stack Service's addresses. */
  @Override
  public int compareTo(Vip o) {
    int c = Boolean.compare(v6(), o.v6());
    return c != 0 ? c : text.compareTo(o.text);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Vip v && text.equals(v.text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }
}
