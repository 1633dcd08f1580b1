package io.minikv.config;

import java.util.Locale;
import java.util.function.Predicate;

/**
 * One configuration key, declared once: {@code [section] name}, its type, default, a check and a
 * description. Its environment variable is {@code MINIKV_SECTION_NAME}; its flag {@code
 * --section.name=value}.
 */
public record ConfigKey<T>(
    String section,
    String name,
    ValueType type,
    T defaultValue,
    boolean secret,
    Predicate<T> check,
    String rule,
    String description) {

  public String path() {
    return section + "." + name;
  }

  public String envName() {
    return ("MINIKV_" + section + "_" + name).toUpperCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return "[" + section + "] " + name;
  }
}
