package io.minikv.api;

import io.minikv.config.ValueType;
import io.minikv.kv.Consistency;
import io.minikv.kv.Precondition;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.Locale;

/** Parses query parameters and conditional headers, answering 400 with the parameter's name. */
final class Params {
  private Params() {}

  static long ttlMillis(String ttl) {
    if (ttl == null || ttl.isEmpty()) {
      return 0;
    }
    long millis;
    try {
      millis =
          ttl.chars().allMatch(Character::isDigit)
              ? Long.parseLong(ttl) * 1000
              : ValueType.parseDuration(ttl).toMillis();
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw ApiError.badRequest(
          "invalid_ttl", "ttl '" + ttl + "' is not a duration such as 30s, 5m or 1500ms");
    }
    if (millis <= 0) {
      throw ApiError.badRequest("invalid_ttl", "ttl must be positive, got '" + ttl + "'");
    }
    return millis;
  }

  static Consistency consistency(RoutingContext ctx) {
    String c = ctx.request().getParam("consistency");
    if (c == null || c.equalsIgnoreCase("linearizable")) {
      return Consistency.LINEARIZABLE;
    }
    if (c.equalsIgnoreCase("serializable")) {
      return Consistency.SERIALIZABLE;
    }
    throw ApiError.badRequest(
        "invalid_argument", "consistency must be linearizable or serializable, got '" + c + "'");
  }

  static boolean bool(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    if (v == null) {
      return false;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "", "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default ->
          throw ApiError.badRequest(
              "invalid_argument", name + " must be true or false, got '" + v + "'");
    };
  }

  static int integer(RoutingContext ctx, String name, int def) {
    String v = ctx.request().getParam(name);
    if (v == null) {
      return def;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("invalid_argument", name + " must be an integer, got '" + v + "'");
    }
  }

  /** Whether keys and values are exchanged as base64 ({@code encoding=base64}). */
  static boolean base64(RoutingContext ctx) {
    String e = ctx.request().getParam("encoding");
    if (e == null || e.equalsIgnoreCase("utf8") || e.equalsIgnoreCase("utf-8")) {
      return false;
    }
    if (e.equalsIgnoreCase("base64")) {
      return true;
    }
    throw ApiError.badRequest(
        "invalid_argument", "encoding must be utf8 or base64, got '" + e + "'");
  }

  /** A key given as a query parameter, in the request's encoding; null when absent. */
  static byte[] keyParam(RoutingContext ctx, String name, boolean base64) {
    String v = ctx.request().getParam(name);
    if (v == null) {
      return null;
    }
    if (!base64) {
      return v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    try {
      return Base64.getDecoder().decode(v);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_argument", name + " is not valid base64");
    }
  }

  /** {@code If-Match} / {@code If-None-Match} of a PUT or DELETE as a precondition. */
  static Precondition precondition(RoutingContext ctx) {
    String ifMatch = ctx.request().getHeader("If-Match");
    String ifNoneMatch = ctx.request().getHeader("If-None-Match");
    if (ifMatch != null && ifNoneMatch != null) {
      throw ApiError.badRequest("invalid_precondition", "give If-Match or If-None-Match, not both");
    }
    if (ifNoneMatch != null) {
      if (!ifNoneMatch.trim().equals("*")) {
        throw ApiError.badRequest(
            "invalid_precondition", "If-None-Match on a write supports only '*' (create only)");
      }
      return Precondition.ABSENT;
    }
    if (ifMatch != null) {
      String v = ifMatch.trim();
      if (v.equals("*")) {
        return Precondition.EXISTS;
      }
      if (v.startsWith("W/")) {
        v = v.substring(2);
      }
      if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
        v = v.substring(1, v.length() - 1);
      }
      try {
        long rev = Long.parseLong(v);
        if (rev > 0) {
          return Precondition.modRevision(rev);
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw ApiError.badRequest(
          "invalid_precondition",
          "If-Match must be '*' or a mod_revision (as returned in ETag), got '" + ifMatch + "'");
    }
    return Precondition.NONE;
  }
}
