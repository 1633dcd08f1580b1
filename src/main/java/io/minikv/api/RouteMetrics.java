package io.minikv.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Request count and latency histogram per route template, method and status: {@code
 * minikv_http_requests_seconds}. Timers are cached so the hot path does not rebuild them.
 */
final class RouteMetrics {
  private static final String ROUTE_KEY = "minikv.route";
  private static final Duration[] BUCKETS = {
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofSeconds(5)
  };

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

  RouteMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Names the route of this request, for the metrics; the first name set wins. */
  static void name(RoutingContext ctx, String route) {
    if (ctx.get(ROUTE_KEY) == null) {
      ctx.put(ROUTE_KEY, route);
    }
  }

  /** Starts timing; records when the response ends. */
  void start(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addBodyEndHandler(
        v -> {
          String route = ctx.get(ROUTE_KEY);
          String method = ctx.request().method().name();
          int status = ctx.response().getStatusCode();
          String id = (route == null ? "unmatched" : route) + '|' + method + '|' + status;
          Timer t =
              timers.computeIfAbsent(
                  id,
                  k ->
                      Timer.builder("minikv_http_requests")
                          .description("HTTP requests by route template, method and status")
                          .tag("route", route == null ? "unmatched" : route)
                          .tag("method", method)
                          .tag("status", Integer.toString(status))
                          .serviceLevelObjectives(BUCKETS)
                          .register(registry));
          t.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        });
  }
}
