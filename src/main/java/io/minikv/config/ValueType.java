package io.minikv.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The types a configuration value can have, each with its parser for text (env, flags, TOML). */
public enum ValueType {
  STRING,
  BOOLEAN,
  INT,
  LONG,
  /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}. */
  DURATION,
  /**
   * Bytes: {@code 4096}, {@code 64KiB}, {@code 1MiB}, {@code 2GiB} (KB/MB/GB are powers of 1000).
   */
  SIZE;

  private static final Pattern DURATION_PATTERN = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern SIZE_PATTERN =
      Pattern.compile("(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib)?");

  /** Parses {@code text}; the message of the exception says what was expected. */
  Object parse(String text) {
    String t = text.trim();
    switch (this) {
      case STRING:
        return text;
      case BOOLEAN:
        if (t.equalsIgnoreCase("true")) {
          return true;
        }
        if (t.equalsIgnoreCase("false")) {
          return false;
        }
        throw new IllegalArgumentException("expected true or false");
      case INT:
        return Integer.parseInt(t);
      case LONG:
        return Long.parseLong(t);
      case DURATION:
        return parseDuration(t);
      case SIZE:
        return parseSize(t);
      default:
        throw new IllegalStateException();
    }
  }

  /** Parses a duration such as {@code 30s}; used for TTLs too. */
  public static Duration parseDuration(String t) {
    Matcher m = DURATION_PATTERN.matcher(t.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "expected a duration such as 500ms, 30s, 5m, 2h or 1d, got '" + t + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  static long parseSize(String t) {
    Matcher m = SIZE_PATTERN.matcher(t.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "expected a size such as 4096, 64KiB or 1MiB, got '" + t + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    long factor =
        switch (unit) {
          case "kb" -> 1000L;
          case "kib" -> 1L << 10;
          case "mb" -> 1000L * 1000;
          case "mib" -> 1L << 20;
          case "gb" -> 1000L * 1000 * 1000;
          case "gib" -> 1L << 30;
          default -> 1L;
        };
    return Math.multiplyExact(n, factor);
  }
}
