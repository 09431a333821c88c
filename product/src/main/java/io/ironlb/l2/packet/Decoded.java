package io.ironlb.l2.packet;

import java.util.function.Function;

/**
 * The result of decoding untrusted bytes: a value, or the named reason the bytes were refused.
 * Decoders return this instead of throwing, so a receive loop never dies on input.
 */
public sealed interface Decoded<T> {

  record Ok<T>(T value) implements Decoded<T> {}

  /** {@code detail} says what was seen, for logs; tests and counters use {@code reason}. */
  record Malformed<T>(Malformation reason, String detail) implements Decoded<T> {}

  static <T> Decoded<T> ok(T value) {
    return new Ok<>(value);
  }

  static <T> Decoded<T> malformed(Malformation reason, String detail) {
    return new Malformed<>(reason, detail);
  }

  /** Carries a refusal over to another value type (the refusal itself is unchanged). */
  @SuppressWarnings("unchecked")
  default <U> Decoded<U> map(Function<? super T, ? extends U> f) {
    return switch (this) {
      case Ok<T> ok -> new Ok<>(f.apply(ok.value()));
      case Malformed<T> m -> (Decoded<U>) m;
    };
  }
}
