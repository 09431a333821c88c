package io.ironlb.deploy.promql;

import java.time.Duration;
import java.util.List;

/** The PromQL this project's alerts use, as a syntax tree ({@link PromQl#parse}). */
public sealed interface Expr {

  record NumberLiteral(double value) implements Expr {}

  /** {@code name{label="v", label!~"re"} offset 15m}. */
  record VectorSelector(String name, List<LabelMatcher> matchers, Duration offset) implements Expr {}

  /** {@code selector[15m]}: only as the argument of a range function. */
  record MatrixSelector(VectorSelector selector, Duration range) implements Expr {}

  /** {@code sum by (pool) (expr)}; op is sum, count, max or min. */
  record Aggregation(String op, List<String> by, Expr arg) implements Expr {}

  /** Arithmetic (+ - * /), comparison (== != > < >= <=) or set (and or unless), matched on all labels but the name. */
  record Binary(String op, Expr lhs, Expr rhs) implements Expr {}

  /** {@code vector(0)}, {@code increase(x[15m])}. */
  record Call(String function, List<Expr> args) implements Expr {}

  record LabelMatcher(String label, String op, String value) {}
}
