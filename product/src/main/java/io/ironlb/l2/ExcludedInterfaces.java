package io.ironlb.l2;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Interface-name patterns an operator excludes from announcing, on top of the built-in exclusions
 * of {@link InterfaceSelection}: MetalLB's {@code announcedInterfacesToExclude}. Each pattern is an
 * RE2 regular expression (MetalLB compiles them with Go's regexp, which is RE2) that excludes an
 * interface when it matches anywhere in the name: {@code ^docker.*} is anchored, {@code eth} is
 * not.
 */
public final class ExcludedInterfaces {
  private static final ExcludedInterfaces NONE = new ExcludedInterfaces(List.of(), List.of());

  private final List<String> sources;
  private final List<Pattern> patterns;

  private ExcludedInterfaces(List<String> sources, List<Pattern> patterns) {
    this.sources = sources;
    this.patterns = patterns;
  }

  public static ExcludedInterfaces none() {
    return NONE;
  }

  /** Throws IllegalArgumentException naming the first pattern RE2 cannot compile, and why. */
  public static ExcludedInterfaces of(List<String> patterns) {
    List<Pattern> compiled = new ArrayList<>();
    for (int i = 0; i < patterns.size(); i++) {
      String p = patterns.get(i);
      if (p == null) {
        throw new IllegalArgumentException("entry " + i + " is empty; write a pattern or remove the entry");
      }
      try {
        compiled.add(Pattern.compile(p));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("entry " + i + " \"" + p + "\" is not a valid RE2 regular expression: " + e.getDescription(), e);
      }
    }
    return new ExcludedInterfaces(List.copyOf(patterns), List.copyOf(compiled));
  }

  public List<String> patterns() {
    return sources;
  }

  public boolean isEmpty() {
    return sources.isEmpty();
  }

  /** The first pattern that matches {@code interfaceName}, if any. */
  public Optional<String> matching(String interfaceName) {
    for (int i = 0; i < patterns.size(); i++) {
      if (patterns.get(i).matcher(interfaceName).find()) {
        return Optional.of(sources.get(i));
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExcludedInterfaces other && sources.equals(other.sources);
  }

  @Override
  public int hashCode() {
    return sources.hashCode();
  }

  @Override
  public String toString() {
    return "ExcludedInterfaces" + sources;
  }
}
