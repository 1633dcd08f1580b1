package io.minikv.api;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;

/** Builds the router: request id and metrics, authentication, then the routes of DESIGN §7. */
public final class ApiRouter {
  private ApiRouter() {}

  /** Features of DESIGN §7 that later work builds; they answer 501 until then. */
  private static final Map<String, String> NOT_BUILT =
      Map.of(
          "/watch", "watch",
          "/ts", "time_series",
          "/admin", "admin",
          "/ui", "admin_ui",
          "/auth", "auth_tokens");

  public static Router create(Vertx vertx, ApiServices s) {
    Router router = Router.router(vertx);
    RouteMetrics metrics = new RouteMetrics(s.registry());
    KvRoutes kv = new KvRoutes(s.kv());
    long maxValue = s.kv().limits().maxValueBytes();

    router
        .route()
        .handler(
            ctx -> {
              RequestIds.assign(ctx);
              metrics.start(ctx);
              if (validPath(ctx)) {
                ctx.next();
              }
            });
    router
        .route()
        .handler(new AuthHandler(s.authenticator(), s.authEnabled(), s.metricsAnonymous()));

    router.get("/health/live").handler(named("/health/live", ctx -> health(ctx, null)));
    router
        .get("/health/ready")
        .handler(named("/health/ready", ctx -> health(ctx, s.notReadyReason().get())));
    router
        .get("/metrics")
        .handler(
            named(
                "/metrics",
                ctx ->
                    ctx.response()
                        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                        .end(s.registry().scrape())));

    Handler<RoutingContext> requestBody = bodyLimit(s.maxRequestBytes(), "request_too_large");
    router.post("/kv/_batch").handler(requestBody).handler(named("/kv/_batch", kv::batch));
    router.post("/kv/_txn").handler(requestBody).handler(named("/kv/_txn", kv::txn));
    router.get("/kv").handler(named("/kv", kv::scan));
    router.delete("/kv").handler(named("/kv", kv::deleteRange));
    router.route("/kv").handler(named("/kv", ctx -> notAllowed(ctx, "GET, DELETE")));
    router
        .put("/kv/*")
        .handler(named("/kv/{key}", ApiRouter::requireLength))
        .handler(bodyLimit(maxValue, "value_too_large"))
        .handler(kv::put);
    router.get("/kv/*").handler(named("/kv/{key}", kv::get));
    router.head("/kv/*").handler(named("/kv/{key}", kv::get));
    router.delete("/kv/*").handler(named("/kv/{key}", kv::delete));
    router
        .route("/kv/*")
        .handler(named("/kv/{key}", ctx -> notAllowed(ctx, "GET, HEAD, PUT, DELETE")));

    router
        .get("/admin/cluster")
        .handler(
            named(
                "/admin/cluster",
                ctx ->
                    s.cluster()
                        .describe()
                        .onSuccess(view -> Responses.json(ctx, 200, view))
                        .onFailure(ctx::fail)));
    router
        .post("/admin/nodes/:id/decommission")
        .handler(
            named(
                "/admin/nodes/{id}/decommission",
                ctx ->
                    s.cluster()
                        .decommission(ctx.vertx(), ctx.pathParam("id"))
                        .onSuccess(view -> Responses.json(ctx, 202, view))
                        .onFailure(ctx::fail)));
    router
        .get("/admin/cluster/settings")
        .handler(
            named(
                "/admin/cluster/settings",
                ctx ->
                    s.cluster()
                        .settings()
                        .onSuccess(view -> Responses.json(ctx, 200, view))
                        .onFailure(ctx::fail)));
    router
        .put("/admin/cluster/settings")
        .handler(requestBody)
        .handler(
            named(
                "/admin/cluster/settings",
                ctx ->
                    s.cluster()
                        .updateSettings(ctx.vertx(), KvRoutes.jsonBody(ctx))
                        .onSuccess(view -> Responses.json(ctx, 200, view))
                        .onFailure(ctx::fail)));
    router.route("/s3").handler(named("/s3", s.objects()));
    router.route("/s3/*").handler(named("/s3/{bucket}/{key}", s.objects()));

    for (Map.Entry<String, String> e : NOT_BUILT.entrySet()) {
      Handler<RoutingContext> h =
          named(
              e.getKey(),
              ctx ->
                  Responses.error(
                      ctx,
                      new ApiError(
                          501,
                          "not_implemented",
                          "the " + e.getValue() + " API is not built yet",
                          new JsonObject().put("feature", e.getValue()),
                          Map.of())));
      router.route(e.getKey()).handler(h);
      router.route(e.getKey() + "/*").handler(h);
    }

    router
        .route()
        .last()
        .handler(
            ctx ->
                Responses.error(
                    ctx,
                    new ApiError(
                        404,
                        "not_found",
                        "no route " + ctx.request().method() + " " + ctx.request().path())));
    router
        .route()
        .failureHandler(
            ctx -> {
              Throwable f = ctx.failure();
              if (f == null) {
                f = statusError(ctx);
              }
              Responses.error(ctx, f);
            });
    return router;
  }

  /** Answers 400 for a path with a malformed percent-escape, which routing cannot match. */
  private static boolean validPath(RoutingContext ctx) {
    try {
      ctx.normalizedPath();
      return true;
    } catch (IllegalArgumentException e) {
      String raw = ctx.request().path();
      String code = raw.startsWith("/kv/") ? "invalid_key" : "invalid_path";
      Responses.error(ctx, ApiError.badRequest(code, "malformed request path: " + e.getMessage()));
      return false;
    }
  }

  /** Names the route for metrics, then runs the handler; a thrown ApiError becomes the reply. */
  private static Handler<RoutingContext> named(String route, Handler<RoutingContext> handler) {
    return ctx -> {
      RouteMetrics.name(ctx, route);
      try {
        handler.handle(ctx);
      } catch (RuntimeException e) {
        Responses.error(ctx, e);
      }
    };
  }

  private static Handler<RoutingContext> bodyLimit(long limit, String code) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(limit);
    return ctx -> {
      ctx.put("minikv.body_limit_code", code);
      ctx.put("minikv.body_limit", limit);
      body.handle(ctx);
    };
  }

  private static ApiError statusError(RoutingContext ctx) {
    int status = ctx.statusCode();
    if (status == 413) {
      String code = ctx.get("minikv.body_limit_code");
      Object limit = ctx.get("minikv.body_limit");
      return new ApiError(
          413,
          code == null ? "request_too_large" : code,
          "request body is larger than the limit of " + limit + " bytes");
    }
    return new ApiError(
        status < 400 ? 500 : status, "http_" + status, "request failed with HTTP status " + status);
  }

  private static void requireLength(RoutingContext ctx) {
    boolean hasLength = ctx.request().getHeader("Content-Length") != null;
    String te = ctx.request().getHeader("Transfer-Encoding");
    if (!hasLength && (te == null || !te.toLowerCase(java.util.Locale.ROOT).contains("chunked"))) {
      throw new ApiError(
          411, "length_required", "a PUT needs a Content-Length (or a chunked body)");
    }
    ctx.next();
  }

  private static void notAllowed(RoutingContext ctx, String allow) {
    Responses.error(ctx, ApiError.methodNotAllowed(ctx.request(), allow));
  }

  private static void health(RoutingContext ctx, String notReady) {
    if (ctx.request().method() != HttpMethod.GET) {
      notAllowed(ctx, "GET");
      return;
    }
    if (notReady == null) {
      Responses.json(ctx, 200, new JsonObject().put("status", "ok"));
    } else {
      Responses.json(ctx, 503, new JsonObject().put("status", "not_ready").put("reason", notReady));
    }
  }
}
