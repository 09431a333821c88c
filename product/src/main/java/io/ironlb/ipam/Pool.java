package io.ironlb.ipam;

import io.ironlb.model.IpText;
import io.ironlb.model.LabelSelector;
import io.ironlb.model.SelectorDuplicates;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A validated, immutable {@code IPAddressPool}. Build one with {@link #parse}.
 *
 * <p>Addresses are handed out in the order the user listed the entries of {@code spec.addresses},
 * lowest first inside each entry: that is MetalLB's order (it walks {@code pool.CIDR} in spec order).
 */
public final class Pool {

  /** One entry of {@code spec.addresses}: a CIDR or an {@code a-b} range, as an inclusive interval. */
  record Entry(String text, int index, Addr start, Addr end) {
    IpFamily family() {
      return start.family();
    }

    boolean contains(Addr a) {
      return a.v6() == start.v6() && !start.isAfter(a) && !a.isAfter(end);
    }

    boolean overlaps(Entry o) {
      return start.v6() == o.start.v6() && !start.isAfter(o.end) && !o.start.isAfter(end);
    }
  }

  private final PoolSpec spec;
  private final Integer priority;
  private final List<Entry> entries;
  /** Per family (index = ordinal), the entries in spec order and sorted by start address. */
  private final Entry[][] inSpecOrder = new Entry[2][];
  private final Entry[][] sorted = new Entry[2][];
  private final BigInteger[] size = new BigInteger[2];
  /** Per family: whether spec order is also address order, so "first in spec order" is "lowest". */
  private final boolean[] ascending = new boolean[2];

  private Pool(PoolSpec spec, Integer priority, List<Entry> entries) {
    this.spec = spec;
    this.priority = priority;
    this.entries = List.copyOf(entries);
    for (IpFamily f : IpFamily.values()) {
      Entry[] of = entries.stream().filter(e -> e.family() == f).toArray(Entry[]::new);
      inSpecOrder[f.ordinal()] = of;
      Entry[] s = of.clone();
      Arrays.sort(s, Comparator.comparing(Entry::start));
      sorted[f.ordinal()] = s;
      ascending[f.ordinal()] = Arrays.equals(of, s);
      BigInteger total = BigInteger.ZERO;
      for (Entry e : of) {
        total = total.add(Addr.count(e.start(), e.end()));
        if (spec.avoidBuggyIPs() && f == IpFamily.IPV4) {
          total = total.subtract(BigInteger.valueOf(buggyCount(e.start().lo(), e.end().lo())));
        }
      }
      size[f.ordinal()] = total;
    }
  }

  /** Validates one pool on its own; cross-pool and node-IP checks are {@link PoolSet}'s. */
  public static PoolValidation parse(PoolSpec spec) {
    String name = spec.name() == null ? "" : spec.name().strip();
    String who = "IPAddressPool " + (name.isEmpty() ? "(no name)" : name) + ": ";
    List<String> errors = new ArrayList<>();
    if (name.isEmpty()) {
      errors.add(who + "metadata.name is empty; give the pool a name");
    }
    if (spec.addresses().isEmpty()) {
      errors.add(who + "spec.addresses is empty; list at least one CIDR (192.168.1.240/28) or range (192.168.1.240-192.168.1.250)");
    }
    List<Entry> entries = new ArrayList<>();
    for (String raw : spec.addresses()) {
      String text = raw == null ? "" : raw.strip();
      // MetalLB trims each end of a range but parses a CIDR as written, so " 10.0.0.0/8" is refused there.
      String problem = text.indexOf('-') < 0 && !text.isEmpty() && raw.chars().anyMatch(Character::isWhitespace)
          ? "spec.addresses entry \"" + raw + "\" is not a valid CIDR: it contains spaces; write it as \""
              + text.replaceAll("\\s+", "") + "\""
          : parseEntry(text, entries.size(), entries);
      if (problem != null) {
        errors.add(who + problem);
      }
    }
    for (int i = 0; i < entries.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (entries.get(i).overlaps(entries.get(j))) {
          errors.add(who + "spec.addresses entry " + entries.get(i).text() + " overlaps " + entries.get(j).text()
              + " of the same pool; list each address once");
        }
      }
    }
    Integer priority = spec.priority();
    if (priority != null && priority < 0) {
      errors.add(who + "spec.serviceAllocation.priority " + priority
          + " is negative; use 1 or more (lower is tried first) or leave it unset (tried last)");
    }
    // MetalLB treats priority 0 as unset.
    if (priority != null && priority == 0) {
      priority = null;
    }
    Set<String> seen = new HashSet<>();
    for (String ns : spec.namespaces()) {
      if (ns == null || ns.isBlank()) {
        errors.add(who + "spec.serviceAllocation.namespaces has an empty entry; remove it");
      } else if (!seen.add(ns)) {
        errors.add(who + "spec.serviceAllocation.namespaces: duplicate definition of namespace \"" + ns + "\"; list each namespace once");
      }
    }
    SelectorDuplicates.find(spec.namespaceSelectors())
        .ifPresent(d -> errors.add(who + d.describe("spec.serviceAllocation.namespaceSelectors")));
    SelectorDuplicates.find(spec.serviceSelectors())
        .ifPresent(d -> errors.add(who + d.describe("spec.serviceAllocation.serviceSelectors")));
    if (!errors.isEmpty()) {
      return new PoolValidation.Invalid(errors);
    }
    PoolSpec normalized = new PoolSpec(name, spec.addresses().stream().map(String::strip).toList(), spec.autoAssign(),
        spec.avoidBuggyIPs(), priority, spec.namespaces(), spec.namespaceSelectors(), spec.serviceSelectors(),
        spec.hasServiceAllocation());
    return new PoolValidation.Valid(new Pool(normalized, priority, entries));
  }

  /** Parses one {@code spec.addresses} entry into {@code out}; returns a problem or null. */
  private static String parseEntry(String text, int index, List<Entry> out) {
    String quoted = "spec.addresses entry \"" + text + "\"";
    if (text.isEmpty()) {
      return quoted + " is empty; write a CIDR (192.168.1.240/28) or a range (192.168.1.240-192.168.1.250)";
    }
    int dash = text.indexOf('-');
    if (dash >= 0) {
      String a = text.substring(0, dash).strip();
      String b = text.substring(dash + 1).strip();
      Optional<InetAddress> from = IpText.parse(a);
      Optional<InetAddress> to = IpText.parse(b);
      if (from.isEmpty()) {
        return quoted + " is not a valid range: start \"" + a + "\" is not an IP address";
      }
      if (to.isEmpty()) {
        return quoted + " is not a valid range: end \"" + b + "\" is not an IP address";
      }
      Addr s = Addr.of(from.get());
      Addr e = Addr.of(to.get());
      if (s.v6() != e.v6()) {
        return "range " + text + " mixes an " + s.family() + " and an " + e.family()
            + " address; a range stays inside one family";
      }
      if (s.isAfter(e)) {
        return "range " + text + " starts after it ends; write it as " + e + "-" + s;
      }
      out.add(new Entry(text, index, s, e));
      return null;
    }
    int slash = text.indexOf('/');
    if (slash < 0) {
      Optional<InetAddress> single = IpText.parse(text);
      return single
          .map(ip -> quoted + " is a single address, not a CIDR or range; write " + IpText.format(ip)
              + (IpText.isV6(ip) ? "/128" : "/32"))
          .orElse(quoted + " is not a CIDR (192.168.1.240/28) or a range (192.168.1.240-192.168.1.250)");
    }
    String ipText = text.substring(0, slash).strip();
    String bitsText = text.substring(slash + 1).strip();
    Optional<InetAddress> ip = IpText.parse(ipText);
    if (ip.isEmpty()) {
      return quoted + " is not a valid CIDR: \"" + ipText + "\" is not an IP address";
    }
    Addr base = Addr.of(ip.get());
    int max = base.v6() ? 128 : 32;
    int bits;
    try {
      if (bitsText.isEmpty() || !bitsText.chars().allMatch(Character::isDigit) || bitsText.length() > 3) {
        throw new NumberFormatException();
      }
      bits = Integer.parseInt(bitsText);
    } catch (NumberFormatException ex) {
      bits = -1;
    }
    if (bits < 0 || bits > max) {
      return quoted + " is not a valid CIDR: prefix length \"" + bitsText + "\" must be 0 to " + max;
    }
    // Like Go's net.ParseCIDR (and so MetalLB), host bits are dropped: 192.168.1.5/24 is 192.168.1.0/24.
    out.add(new Entry(text, index, base.networkOf(bits), base.broadcastOf(bits)));
    return null;
  }

  /** How many of [from, to] (IPv4 as numbers) end in .0 or .255. */
  static long buggyCount(long from, long to) {
    long zeros = Math.floorDiv(to, 256) - Math.floorDiv(from - 1, 256);
    long twoFiftyFives = Math.floorDiv(to + 1, 256) - Math.floorDiv(from, 256);
    return zeros + twoFiftyFives;
  }

  public String name() {
    return spec.name();
  }

  public PoolSpec spec() {
    return spec;
  }

  public boolean autoAssign() {
    return spec.autoAssign();
  }

  public boolean avoidBuggyIPs() {
    return spec.avoidBuggyIPs();
  }

  /** {@code serviceAllocation.priority}; null when unset or 0 (MetalLB reads 0 as unset), which sorts last. */
  public Integer priority() {
    return priority;
  }

  public List<String> namespaces() {
    return spec.namespaces();
  }

  public List<LabelSelector> namespaceSelectors() {
    return spec.namespaceSelectors();
  }

  public List<LabelSelector> serviceSelectors() {
    return spec.serviceSelectors();
  }

  /** The {@code spec.addresses} entries as written (stripped), in spec order. */
  public List<String> addresses() {
    return spec.addresses();
  }

  /**
   * Whether the pool has a {@code serviceAllocation} (even one holding only a priority, or empty):
   * then it is tried, by priority, before every pool without one, for the services it allows.
   */
  public boolean hasServiceAllocation() {
    return spec.hasServiceAllocation();
  }

  /** Whether {@code serviceAllocation} restricts the pool to some namespaces or services. */
  public boolean restricted() {
    return !spec.namespaces().isEmpty() || !spec.namespaceSelectors().isEmpty() || !spec.serviceSelectors().isEmpty();
  }

  /**
   * Whether a service in {@code namespace} with these labels may take addresses from this pool:
   * its namespace is listed or matches a namespace selector (when either is given), and its labels
   * match a service selector (when any is given).
   */
  public boolean allows(String namespace, Map<String, String> namespaceLabels, Map<String, String> serviceLabels) {
    boolean nsRestricted = !spec.namespaces().isEmpty() || !spec.namespaceSelectors().isEmpty();
    if (nsRestricted && !spec.namespaces().contains(namespace)
        && spec.namespaceSelectors().stream().noneMatch(s -> s.matches(namespaceLabels))) {
      return false;
    }
    return spec.serviceSelectors().isEmpty() || spec.serviceSelectors().stream().anyMatch(s -> s.matches(serviceLabels));
  }

  boolean allows(ServiceRequest r) {
    return allows(r.key().namespace(), r.namespaceLabels(), r.labels());
  }

  /** One entry of {@code spec.addresses} as it was written, with its first and last address. */
  public record Span(String text, InetAddress first, InetAddress last) {}

  /** The entries of {@code spec.addresses}, in spec order. */
  public List<Span> spans() {
    return entries.stream().map(e -> new Span(e.text(), e.start().toInet(), e.end().toInet())).toList();
  }

  /** Whether the address is in one of the pool's entries (an address skipped by avoidBuggyIPs still counts). */
  public boolean contains(InetAddress ip) {
    return entryOf(Addr.of(ip)) != null;
  }

  /** Whether the pool may hand out this address: contained and not skipped by avoidBuggyIPs. */
  public boolean assignable(InetAddress ip) {
    return assignable(Addr.of(ip));
  }

  boolean assignable(Addr a) {
    return entryOf(a) != null && !skipped(a);
  }

  /** Whether avoidBuggyIPs rules the address out (IPv4 ending in .0 or .255, MetalLB's rule). */
  boolean skipped(Addr a) {
    return spec.avoidBuggyIPs() && !a.v6() && (a.lastOctet() == 0 || a.lastOctet() == 255);
  }

  /** How many addresses of the family the pool can hand out, after avoidBuggyIPs. */
  public BigInteger size(IpFamily f) {
    return size[f.ordinal()];
  }

  public boolean hasFamily(IpFamily f) {
    return inSpecOrder[f.ordinal()].length > 0;
  }

  List<Entry> entries() {
    return entries;
  }

  Entry[] entriesInSpecOrder(IpFamily f) {
    return inSpecOrder[f.ordinal()];
  }

  boolean specOrderIsAddressOrder(IpFamily f) {
    return ascending[f.ordinal()];
  }

  /** The entry holding the address, or null. */
  Entry entryOf(Addr a) {
    Entry[] s = sorted[a.v6() ? 1 : 0];
    int lo = 0;
    int hi = s.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Entry e = s[mid];
      if (e.start().isAfter(a)) {
        hi = mid - 1;
      } else if (a.isAfter(e.end())) {
        lo = mid + 1;
      } else {
        return e;
      }
    }
    return null;
  }

  /**
   * The lowest address at or after {@code a} that the pool may hand out (any entry, address
   * order), or null. Constant work per entry crossed: never walks addresses one by one.
   */
  Addr nextAssignable(Addr a) {
    Entry[] s = sorted[a.v6() ? 1 : 0];
    int lo = 0;
    int hi = s.length;
    while (lo < hi) { // first entry whose end >= a
      int mid = (lo + hi) >>> 1;
      if (a.isAfter(s[mid].end())) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (int i = lo; i < s.length; i++) {
      Entry e = s[i];
      Addr c = a.isAfter(e.start()) ? a : e.start();
      if (skipped(c)) {
        c = c.lastOctet() == 0 ? c.next() : c.next() == null ? null : c.next().next();
      }
      if (c != null && !c.isAfter(e.end())) {
        return c;
      }
    }
    return null;
  }

  /** The first overlap with another pool's addresses, described for a user, or empty. */
  public Optional<String> overlapWith(Pool other) {
    for (Entry mine : entries) {
      for (Entry theirs : other.entries) {
        if (mine.overlaps(theirs)) {
          return Optional.of(mine.text() + " overlaps " + theirs.text() + " of pool " + other.name());
        }
      }
    }
    return Optional.empty();
  }

  /** The first entry holding the address, described for a user, or empty. */
  Optional<String> entryContaining(InetAddress ip) {
    Entry e = entryOf(Addr.of(ip));
    return e == null ? Optional.empty() : Optional.of(e.text());
  }

  /** Pools are equal when their (normalized) specs are: a re-sent, unchanged pool is the same pool. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Pool p && spec.equals(p.spec);
  }

  @Override
  public int hashCode() {
    return spec.hashCode();
  }

  @Override
  public String toString() {
    return "Pool[" + spec.name() + " " + spec.addresses() + "]";
  }
}
