package io.ironlb.bench;

import java.util.ArrayList;
import java.util.List;

/** The benchmarks' {@code --name value} options, taken out of the argument list as they are read. */
final class BenchArgs {
  private BenchArgs() {}

  /** The value after {@code name}, removed with it from {@code args}; {@code fallback} when absent. */
  static String option(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    if (i < 0) {
      return fallback;
    }
    if (i + 1 >= args.size()) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    String v = args.get(i + 1);
    args.subList(i, i + 2).clear();
    return v;
  }

  /** Every value of the repeatable option {@code name}, removed from {@code args}, in order. */
  static List<String> options(List<String> args, String name) {
    List<String> out = new ArrayList<>();
    for (String v; (v = option(args, name, null)) != null; ) {
      out.add(v);
    }
    return out;
  }

  /** As {@link #option}, but the option must be there. */
  static String required(List<String> args, String name) {
    String v = option(args, name, null);
    if (v == null) {
      throw new IllegalArgumentException(name + " is required");
    }
    return v;
  }
}
