package io.minikv.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;

/** Serves the REST API; one instance per event loop shares the port. */
public final class HttpApiVerticle extends VerticleBase {
  private final ApiServices services;
  private HttpServer server;

  public HttpApiVerticle(ApiServices services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(services.host())
                .setPort(services.port())
                // curl and other clients wait for "100 Continue" before sending larger bodies.
                .setHandle100ContinueAutomatically(true)
                .setTcpNoDelay(true)
                .setCompressionSupported(false)
                .setIdleTimeout(120)
                .setIdleTimeoutUnit(TimeUnit.SECONDS));
    return server.requestHandler(ApiRouter.create(vertx, services)).listen();
  }

  @Override
  public Future<?> stop() {
    // Stops accepting, lets in-flight requests finish, then closes.
    return server.shutdown(services.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }
}
