package io.minikv.api;

import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;

/** Gives every request an id, returned in {@code X-Request-Id} and in every error body. */
final class RequestIds {
  static final String HEADER = "X-Request-Id";
  private static final String KEY = "minikv.request_id";

  private RequestIds() {}

  static String assign(RoutingContext ctx) {
    String hex = Long.toHexString(ThreadLocalRandom.current().nextLong());
    String id = hex.length() == 16 ? hex : "0".repeat(16 - hex.length()) + hex;
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    return id;
  }

  static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? assign(ctx) : id;
  }
}
