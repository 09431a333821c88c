package io.ironlb.deploy.promql;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A series' label set, {@code __name__} included, in name order (so equal sets are equal records). */
public record Labels(SortedMap<String, String> map) {
  public static final String NAME = "__name__";

  public Labels {
    map = Collections.unmodifiableSortedMap(new TreeMap<>(map));
  }

  public static Labels of(Map<String, String> map) {
    return new Labels(new TreeMap<>(map));
  }

  public String get(String label) {
    return map.getOrDefault(label, "");
  }

  public Labels withoutName() {
    TreeMap<String, String> m = new TreeMap<>(map);
    m.remove(NAME);
    return new Labels(m);
  }

  /** Only these labels (those the series has), as {@code by (...)} keeps them. */
  public Labels only(Collection<String> labels) {
    TreeMap<String, String> m = new TreeMap<>();
    for (String l : labels) {
      if (map.containsKey(l)) {
        m.put(l, map.get(l));
      }
    }
    return new Labels(m);
  }

  @Override
  public String toString() {
    return map.toString();
  }
}
