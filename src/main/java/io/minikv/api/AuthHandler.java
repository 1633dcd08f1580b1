package io.minikv.api;

import io.minikv.auth.Authenticator;
import io.minikv.auth.Caller;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The one authentication step in front of every route: yields the caller (tenant and role) or
 * answers 401. Health probes, and /metrics when configured so, stay anonymous.
 */
final class AuthHandler implements Handler<RoutingContext> {
  private static final String KEY = "minikv.caller";
  private static final Caller ROOT = Caller.root("root");

  private final Authenticator authenticator;
  private final boolean enabled;
  private final boolean metricsAnonymous;

  AuthHandler(Authenticator authenticator, boolean enabled, boolean metricsAnonymous) {
    this.authenticator = authenticator;
    this.enabled = enabled;
    this.metricsAnonymous = metricsAnonymous;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (!enabled || path.startsWith("/health/") || (metricsAnonymous && path.equals("/metrics"))) {
      ctx.put(KEY, ROOT);
      ctx.next();
      return;
    }
    try {
      ctx.put(KEY, authenticator.authenticate(ctx.request().getHeader("Authorization")));
    } catch (RuntimeException e) {
      Responses.error(ctx, e);
      return;
    }
    ctx.next();
  }

  static Caller caller(RoutingContext ctx) {
    return ctx.get(KEY);
  }
}
