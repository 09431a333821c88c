package io.ironlb.deploy.promql;

import io.ironlb.deploy.promql.Expr.Aggregation;
import io.ironlb.deploy.promql.Expr.Binary;
import io.ironlb.deploy.promql.Expr.Call;
import io.ironlb.deploy.promql.Expr.LabelMatcher;
import io.ironlb.deploy.promql.Expr.MatrixSelector;
import io.ironlb.deploy.promql.Expr.NumberLiteral;
import io.ironlb.deploy.promql.Expr.VectorSelector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parser for the subset of PromQL the alerts use: selectors with label matchers, {@code offset},
 * range selectors, {@code sum/count/max/min by}, arithmetic, comparison and set operators with
 * Prometheus' precedence, {@code vector()} and {@code increase()}. Anything else is refused by name,
 * so an alert that outgrows the subset fails its test instead of being evaluated wrongly.
 */
public final class PromQl {
  private static final Set<String> AGGREGATIONS = Set.of("sum", "count", "max", "min");
  private static final Set<String> FUNCTIONS = Set.of("vector", "increase");
  /** Binary operators by precedence, lowest first (Prometheus: or; and unless; comparisons; + -; * /). */
  private static final List<Set<String>> LEVELS = List.of(
      Set.of("or"), Set.of("and", "unless"), Set.of("==", "!=", ">", "<", ">=", "<="), Set.of("+", "-"), Set.of("*", "/"));
  private static final Map<Character, Long> UNITS = Map.of('s', 1_000L, 'm', 60_000L, 'h', 3_600_000L, 'd', 86_400_000L);

  private final String text;
  private int pos;

  private PromQl(String text) {
    this.text = text;
  }

  public static Expr parse(String text) {
    PromQl p = new PromQl(text);
    Expr e = p.binary(0);
    p.skipSpace();
    if (p.pos != text.length()) {
      throw p.error("unexpected input");
    }
    return e;
  }

  /** A duration as PromQL and rule files write it ("2m", "15m"). */
  public static Duration duration(String text) {
    PromQl p = new PromQl(text);
    Duration d = p.duration();
    if (p.pos != text.length()) {
      throw p.error("a duration like 15m was expected");
    }
    return d;
  }

  private Expr binary(int level) {
    if (level == LEVELS.size()) {
      return primary();
    }
    Expr lhs = binary(level + 1);
    while (true) {
      String op = peekOperator(LEVELS.get(level));
      if (op == null) {
        return lhs;
      }
      pos += op.length();
      if (peekWord("bool") || peekWord("on") || peekWord("ignoring") || peekWord("group_left") || peekWord("group_right")) {
        throw error("vector matching modifiers are outside the subset");
      }
      lhs = new Binary(op, lhs, binary(level + 1));
    }
  }

  private Expr primary() {
    skipSpace();
    if (pos >= text.length()) {
      throw error("expression ends too early");
    }
    char c = text.charAt(pos);
    if (c == '(') {
      pos++;
      Expr inner = binary(0);
      expect(")");
      return inner;
    }
    if (Character.isDigit(c)) {
      return new NumberLiteral(number());
    }
    String word = c == '{' ? "" : identifier();
    if (AGGREGATIONS.contains(word)) {
      List<String> by = List.of();
      if (peekWord("by")) {
        identifier();
        by = labelList();
      } else if (peekWord("without")) {
        throw error("'without' is outside the subset");
      }
      expect("(");
      Expr arg = binary(0);
      expect(")");
      return new Aggregation(word, by, arg);
    }
    skipSpace();
    if (pos < text.length() && text.charAt(pos) == '(') {
      if (!FUNCTIONS.contains(word)) {
        throw error("function " + word + " is outside the subset");
      }
      pos++;
      List<Expr> args = new ArrayList<>();
      args.add(binary(0));
      expect(")");
      return new Call(word, args);
    }
    return selector(word);
  }

  private Expr selector(String name) {
    List<LabelMatcher> matchers = new ArrayList<>();
    skipSpace();
    if (pos < text.length() && text.charAt(pos) == '{') {
      pos++;
      while (true) {
        skipSpace();
        if (text.charAt(pos) == '}') {
          pos++;
          break;
        }
        String label = identifier();
        skipSpace();
        String op = peekOperator(Set.of("=~", "!~", "!=", "="));
        if (op == null) {
          throw error("a label matcher needs =, !=, =~ or !~");
        }
        pos += op.length();
        matchers.add(new LabelMatcher(label, op, string()));
        skipSpace();
        if (text.charAt(pos) == ',') {
          pos++;
        }
      }
    }
    if (name.isEmpty() && matchers.isEmpty()) {
      throw error("a selector needs a metric name or a matcher");
    }
    Duration range = null;
    skipSpace();
    if (pos < text.length() && text.charAt(pos) == '[') {
      pos++;
      range = duration();
      expect("]");
    }
    Duration offset = Duration.ZERO;
    if (peekWord("offset")) {
      identifier();
      offset = duration();
    }
    VectorSelector v = new VectorSelector(name, List.copyOf(matchers), offset);
    return range == null ? v : new MatrixSelector(v, range);
  }

  private List<String> labelList() {
    expect("(");
    List<String> out = new ArrayList<>();
    while (true) {
      skipSpace();
      if (text.charAt(pos) == ')') {
        pos++;
        return List.copyOf(out);
      }
      out.add(identifier());
      skipSpace();
      if (text.charAt(pos) == ',') {
        pos++;
      }
    }
  }

  private String identifier() {
    skipSpace();
    int start = pos;
    while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_' || text.charAt(pos) == ':')) {
      pos++;
    }
    if (start == pos) {
      throw error("a name was expected");
    }
    return text.substring(start, pos);
  }

  private double number() {
    int start = pos;
    while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
      pos++;
    }
    if (pos < text.length() && Character.isLetter(text.charAt(pos))) {
      throw error("a duration stands only in [] or after offset");
    }
    return Double.parseDouble(text.substring(start, pos));
  }

  private Duration duration() {
    skipSpace();
    int start = pos;
    while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
      pos++;
    }
    if (start == pos || pos >= text.length() || !UNITS.containsKey(text.charAt(pos))) {
      throw error("a duration like 15m was expected");
    }
    long amount = Long.parseLong(text.substring(start, pos));
    return Duration.ofMillis(amount * UNITS.get(text.charAt(pos++)));
  }

  private String string() {
    skipSpace();
    char quote = text.charAt(pos);
    if (quote != '"' && quote != '\'') {
      throw error("a quoted string was expected");
    }
    StringBuilder out = new StringBuilder();
    pos++;
    while (text.charAt(pos) != quote) {
      char c = text.charAt(pos++);
      if (c == '\\') {
        char e = text.charAt(pos++);
        out.append(switch (e) {
          case 'n' -> '\n';
          case 't' -> '\t';
          default -> e;
        });
      } else {
        out.append(c);
      }
    }
    pos++;
    return out.toString();
  }

  /** The longest operator of {@code ops} at the position (words must end there), or null. */
  private String peekOperator(Set<String> ops) {
    skipSpace();
    String best = null;
    for (String op : ops) {
      boolean word = Character.isLetter(op.charAt(0));
      if (text.startsWith(op, pos) && (!word || atWordEnd(pos + op.length())) && (best == null || op.length() > best.length())) {
        best = op;
      }
    }
    return best;
  }

  private boolean peekWord(String word) {
    skipSpace();
    return text.startsWith(word, pos) && atWordEnd(pos + word.length());
  }

  private boolean atWordEnd(int i) {
    return i >= text.length() || !(Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_');
  }

  private void expect(String token) {
    skipSpace();
    if (!text.startsWith(token, pos)) {
      throw error("'" + token + "' was expected");
    }
    pos += token.length();
  }

  private void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at offset " + pos + " of: " + text);
  }
}
