package io.ironlb.lab;

/**
 * Evaluates a Kubernetes field selector ({@code involvedObject.name=openwebui,type!=Normal}) against
 * an object: terms joined by commas, each {@code path=value}, {@code path==value} or
 * {@code path!=value}, where path is a dotted field path. A missing field compares as "".
 */
public final class FieldSelector {

  private FieldSelector() {}

  public static boolean matches(String selector, Object obj) {
    for (String term : selector.split(",")) {
      term = term.strip();
      if (term.isEmpty()) {
        continue;
      }
      boolean negate;
      String[] kv;
      if (term.contains("!=")) {
        negate = true;
        kv = term.split("!=", 2);
      } else if (term.contains("==")) {
        negate = false;
        kv = term.split("==", 2);
      } else if (term.contains("=")) {
        negate = false;
        kv = term.split("=", 2);
      } else {
        return false;
      }
      Object v = Json.at(obj, kv[0].strip());
      boolean equal = (v == null ? "" : String.valueOf(v)).equals(kv[1].strip());
      if (equal == negate) {
        return false;
      }
    }
    return true;
  }
}
