package io.ironlb.model;

import java.util.Objects;

/** Identifies a Kubernetes Service; {@code toString()} is {@code namespace/name}, as kubectl prints it. */
public record ServiceKey(String namespace, String name) implements Comparable<ServiceKey> {

  public ServiceKey {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  /** Parses {@code namespace/name}. */
  public static ServiceKey parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("service key \"" + text + "\" is not namespace/name");
    }
    return new ServiceKey(text.substring(0, slash), text.substring(slash + 1));
  }

  @Override
  public int compareTo(ServiceKey o) {
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
