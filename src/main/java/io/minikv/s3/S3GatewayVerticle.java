package io.minikv.s3;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/** Serves the S3 protocol on its own port; one instance per event loop shares the port. */
public final class S3GatewayVerticle extends VerticleBase {
  private final S3Services services;
  private HttpServer server;

  public S3GatewayVerticle(S3Services services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(services.host())
                .setPort(services.port())
                .setTcpNoDelay(true));
    return server.requestHandler(new S3Handler(vertx, services)).listen();
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }
}
