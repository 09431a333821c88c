package io.ironlb.deploy.promql;

import java.util.List;

/** What an expression evaluates to at one instant. */
public sealed interface Value {

  record Scalar(double value) implements Value {}

  /** One value per series; an empty vector is "no result" (an alert with nothing to fire). */
  record Vector(List<Sample> samples) implements Value {
    public Vector {
      samples = List.copyOf(samples);
    }
  }

  /** Each series' points within a range, oldest first: only a range function's argument. */
  record Matrix(List<Range> series) implements Value {}

  record Sample(Labels labels, double value) {}

  record Range(Labels labels, List<Point> points) {}

  record Point(long timeMillis, double value) {}
}
