package io.minikv.api;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/** Writes JSON replies and errors in the one shape the API uses. */
final class Responses {
  private Responses() {}

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.toBuffer());
  }

  static void error(RoutingContext ctx, Throwable t) {
    ApiError e = ErrorTable.map(t);
    HttpServerResponse r = ctx.response();
    if (r.headWritten()) {
      r.reset();
      return;
    }
    for (Map.Entry<String, String> h : e.headers().entrySet()) {
      r.putHeader(h.getKey(), h.getValue());
    }
    JsonObject body =
        new JsonObject()
            .put("error", e.code())
            .put("message", e.getMessage())
            .put("request_id", RequestIds.of(ctx));
    body.mergeIn(e.extra());
    json(ctx, e.status(), body);
  }
}
