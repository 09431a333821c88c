package io.ironlb.netns;

/**
 * One end of a veth pair: the namespace it lives in, its interface name there (at most 15
 * characters) and, optionally, its MAC address ({@code null}: the kernel picks one).
 */
public record VethEnd(String namespace, String name, String mac) {

  public VethEnd {
    Commands.requireNotBlank(namespace, "veth namespace");
    Commands.requireNotBlank(name, "veth interface name");
    if (name.length() > 15) {
      throw new IllegalArgumentException("interface name " + name + " is longer than Linux's 15 characters");
    }
  }

  public static VethEnd of(String namespace, String name) {
    return new VethEnd(namespace, name, null);
  }
}
