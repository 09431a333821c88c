package io.ironlb.runtime;

import java.time.Duration;

/** Reads {@code 500ms}, {@code 15s}, {@code 2m} or an ISO-8601 duration. */
public final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    String v = value.strip().toLowerCase(java.util.Locale.ROOT);
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      if (v.endsWith("s")) {
        return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
      }
      if (v.endsWith("m")) {
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
      }
      return Duration.parse(value);
    } catch (RuntimeException e) {
      throw new picocli.CommandLine.TypeConversionException(
          "\"" + value + "\" is not a duration; write it like 500ms, 15s or 2m");
    }
  }
}
