package io.ironlb.deploy.promql;

import io.ironlb.deploy.promql.Expr.Aggregation;
import io.ironlb.deploy.promql.Expr.Binary;
import io.ironlb.deploy.promql.Expr.Call;
import io.ironlb.deploy.promql.Expr.MatrixSelector;
import io.ironlb.deploy.promql.Expr.NumberLiteral;
import io.ironlb.deploy.promql.Expr.VectorSelector;
import io.ironlb.deploy.promql.Value.Matrix;
import io.ironlb.deploy.promql.Value.Point;
import io.ironlb.deploy.promql.Value.Range;
import io.ironlb.deploy.promql.Value.Sample;
import io.ironlb.deploy.promql.Value.Scalar;
import io.ironlb.deploy.promql.Value.Vector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates {@link PromQl}'s subset at one instant with Prometheus' semantics: one-to-one vector
 * matching on all labels but the name, comparisons that filter and keep the left side, arithmetic
 * that drops the name, {@code increase} extrapolated as Prometheus does it.
 */
public final class Evaluator {
  private static final Set<String> COMPARISONS = Set.of("==", "!=", ">", "<", ">=", "<=");
  private static final Set<String> SET_OPERATORS = Set.of("and", "or", "unless");

  private final Tsdb tsdb;

  public Evaluator(Tsdb tsdb) {
    this.tsdb = tsdb;
  }

  public Value eval(Expr expr, long timeMillis) {
    return switch (expr) {
      case NumberLiteral n -> new Scalar(n.value());
      case VectorSelector v -> new Vector(tsdb.instant(v, timeMillis));
      case MatrixSelector m -> new Matrix(tsdb.range(m.selector(), timeMillis, m.range().toMillis()));
      case Aggregation a -> aggregate(a, vector(eval(a.arg(), timeMillis), a.op()));
      case Call c -> call(c, timeMillis);
      case Binary b -> binary(b.op(), eval(b.lhs(), timeMillis), eval(b.rhs(), timeMillis));
    };
  }

  /** The expression as an alert sees it: a vector (a scalar result is refused, as Prometheus refuses it in a rule). */
  public List<Sample> vector(Expr expr, long timeMillis) {
    return vector(eval(expr, timeMillis), "an alerting rule").samples();
  }

  private static Vector vector(Value v, String where) {
    if (v instanceof Vector vector) {
      return vector;
    }
    throw new IllegalArgumentException(where + " needs an instant vector, got " + v.getClass().getSimpleName());
  }

  private static Vector aggregate(Aggregation a, Vector in) {
    Map<Labels, List<Double>> groups = new LinkedHashMap<>();
    for (Sample s : in.samples()) {
      groups.computeIfAbsent(s.labels().only(a.by()), g -> new ArrayList<>()).add(s.value());
    }
    List<Sample> out = new ArrayList<>();
    groups.forEach((labels, values) -> out.add(new Sample(labels, switch (a.op()) {
      case "sum" -> values.stream().mapToDouble(Double::doubleValue).sum();
      case "count" -> values.size();
      case "max" -> values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
      case "min" -> values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
      default -> throw new IllegalArgumentException(a.op());
    })));
    return new Vector(out);
  }

  private Value call(Call c, long timeMillis) {
    Value arg = eval(c.args().getFirst(), timeMillis);
    return switch (c.function()) {
      case "vector" -> {
        if (!(arg instanceof Scalar s)) {
          throw new IllegalArgumentException("vector() takes a scalar");
        }
        yield new Vector(List.of(new Sample(Labels.of(Map.of()), s.value())));
      }
      case "increase" -> {
        if (!(arg instanceof Matrix m) || !(c.args().getFirst() instanceof MatrixSelector selector)) {
          throw new IllegalArgumentException("increase() takes a range selector");
        }
        yield increase(m, timeMillis - selector.selector().offset().toMillis(), selector.range().toMillis());
      }
      default -> throw new IllegalArgumentException(c.function());
    };
  }

  /** Prometheus' extrapolatedRate for a counter (promql/functions.go): nothing for a series with fewer than two points. */
  private static Vector increase(Matrix m, long end, long range) {
    List<Sample> out = new ArrayList<>();
    for (Range r : m.series()) {
      List<Point> p = r.points();
      if (p.size() < 2) {
        continue;
      }
      double result = p.getLast().value() - p.getFirst().value();
      for (int i = 1; i < p.size(); i++) {
        if (p.get(i).value() < p.get(i - 1).value()) {
          result += p.get(i - 1).value(); // a counter reset
        }
      }
      double start = end - range;
      double durationToStart = (p.getFirst().timeMillis() - start) / 1000.0;
      double durationToEnd = (end - p.getLast().timeMillis()) / 1000.0;
      double sampled = (p.getLast().timeMillis() - p.getFirst().timeMillis()) / 1000.0;
      double average = sampled / (p.size() - 1);
      if (result > 0 && p.getFirst().value() >= 0) {
        double durationToZero = sampled * (p.getFirst().value() / result);
        durationToStart = Math.min(durationToStart, durationToZero);
      }
      double threshold = average * 1.1;
      double interval = sampled + (durationToStart < threshold ? durationToStart : average / 2)
          + (durationToEnd < threshold ? durationToEnd : average / 2);
      out.add(new Sample(r.labels().withoutName(), result * interval / sampled));
    }
    return new Vector(out);
  }

  private static Value binary(String op, Value lhs, Value rhs) {
    if (SET_OPERATORS.contains(op)) {
      return setOperation(op, vector(lhs, op), vector(rhs, op));
    }
    boolean comparison = COMPARISONS.contains(op);
    if (lhs instanceof Scalar l && rhs instanceof Scalar r) {
      if (comparison) {
        throw new IllegalArgumentException("a comparison of two scalars needs 'bool', which is outside the subset");
      }
      return new Scalar(arithmetic(op, l.value(), r.value()));
    }
    if (lhs instanceof Vector l && rhs instanceof Scalar r) {
      return withScalar(op, l, r.value(), false);
    }
    if (lhs instanceof Scalar l && rhs instanceof Vector r) {
      return withScalar(op, r, l.value(), true);
    }
    Vector l = vector(lhs, op);
    Map<Labels, Sample> right = unique(vector(rhs, op), op);
    unique(l, op);
    List<Sample> out = new ArrayList<>();
    for (Sample s : l.samples()) {
      Sample match = right.get(s.labels().withoutName());
      if (match == null) {
        continue;
      }
      if (comparison) {
        if (compare(op, s.value(), match.value())) {
          out.add(s);
        }
      } else {
        out.add(new Sample(s.labels().withoutName(), arithmetic(op, s.value(), match.value())));
      }
    }
    return new Vector(out);
  }

  /** A vector and a scalar: a comparison keeps the vector's samples (name included) that hold, arithmetic drops the name. */
  private static Vector withScalar(String op, Vector v, double scalar, boolean scalarOnLeft) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : v.samples()) {
      double a = scalarOnLeft ? scalar : s.value();
      double b = scalarOnLeft ? s.value() : scalar;
      if (!COMPARISONS.contains(op)) {
        out.add(new Sample(s.labels().withoutName(), arithmetic(op, a, b)));
      } else if (compare(op, a, b)) {
        out.add(s);
      }
    }
    return new Vector(out);
  }

  /** One-to-one matching: each side may hold a label set (without the name) only once, as Prometheus demands. */
  private static Map<Labels, Sample> unique(Vector v, String op) {
    Map<Labels, Sample> out = new HashMap<>();
    for (Sample s : v.samples()) {
      if (out.put(s.labels().withoutName(), s) != null) {
        throw new IllegalArgumentException("many-to-many matching in '" + op + "': " + s.labels().withoutName() + " appears twice");
      }
    }
    return out;
  }

  private static Vector setOperation(String op, Vector lhs, Vector rhs) {
    Set<Labels> right = new HashSet<>();
    rhs.samples().forEach(s -> right.add(s.labels().withoutName()));
    Set<Labels> left = new HashSet<>();
    lhs.samples().forEach(s -> left.add(s.labels().withoutName()));
    List<Sample> out = new ArrayList<>();
    switch (op) {
      case "and" -> lhs.samples().stream().filter(s -> right.contains(s.labels().withoutName())).forEach(out::add);
      case "unless" -> lhs.samples().stream().filter(s -> !right.contains(s.labels().withoutName())).forEach(out::add);
      case "or" -> {
        out.addAll(lhs.samples());
        rhs.samples().stream().filter(s -> !left.contains(s.labels().withoutName())).forEach(out::add);
      }
      default -> throw new IllegalArgumentException(op);
    }
    return new Vector(out);
  }

  private static double arithmetic(String op, double a, double b) {
    return switch (op) {
      case "+" -> a + b;
      case "-" -> a - b;
      case "*" -> a * b;
      case "/" -> a / b;
      default -> throw new IllegalArgumentException(op);
    };
  }

  private static boolean compare(String op, double a, double b) {
    return switch (op) {
      case "==" -> a == b;
      case "!=" -> a != b;
      case ">" -> a > b;
      case "<" -> a < b;
      case ">=" -> a >= b;
      case "<=" -> a <= b;
      default -> throw new IllegalArgumentException(op);
    };
  }
}
