package io.ironlb.ipam;

import java.util.List;

/** The outcome of {@link Pool#parse}: a usable pool, or every problem found in the spec. */
public sealed interface PoolValidation {
  record Valid(Pool pool) implements PoolValidation {}

  record Invalid(List<String> errors) implements PoolValidation {
    public Invalid {
      errors = List.copyOf(errors);
    }
  }
}
