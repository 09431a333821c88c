package io.ironlb.lab;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** JSON to and from plain {@code Map}/{@code List} trees, and small path helpers over them. */
public final class Json {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Json() {}

  @SuppressWarnings("unchecked")
  public static Map<String, Object> parse(String json) {
    Object o = MAPPER.readValue(json, Object.class);
    if (o instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw new IllegalArgumentException("expected a JSON object, got " + (o == null ? "null" : o.getClass().getSimpleName()));
  }

  public static Object parseAny(String json) {
    return MAPPER.readValue(json, Object.class);
  }

  public static String write(Object tree) {
    return MAPPER.writeValueAsString(tree);
  }

  /** The value at a dotted path ({@code "spec.selector"}), or null when any step is missing. */
  public static Object at(Object tree, String dottedPath) {
    Object cur = tree;
    for (String step : dottedPath.split("\\.")) {
      if (step.isEmpty()) {
        continue;
      }
      if (cur instanceof Map<?, ?> m) {
        cur = m.get(step);
      } else {
        return null;
      }
      if (cur == null) {
        return null;
      }
    }
    return cur;
  }

  public static String str(Object tree, String dottedPath) {
    Object o = at(tree, dottedPath);
    return o == null ? null : String.valueOf(o);
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Object tree, String dottedPath) {
    return at(tree, dottedPath) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  public static List<Object> list(Object tree, String dottedPath) {
    return at(tree, dottedPath) instanceof List<?> l ? (List<Object>) l : List.of();
  }

  /** A mutable map built from alternating keys and values. */
  public static Map<String, Object> obj(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
