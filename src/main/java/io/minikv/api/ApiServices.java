package io.minikv.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.minikv.auth.Authenticator;
import io.minikv.kv.KvService;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What the REST adapter needs from the node. {@code notReadyReason} returns null when the node can
 * serve (group has a leader, engine open), else why not. {@code objects} serves {@code /s3}.
 */
public record ApiServices(
    KvService kv,
    Authenticator authenticator,
    boolean authEnabled,
    boolean metricsAnonymous,
    PrometheusMeterRegistry registry,
    Supplier<String> notReadyReason,
    long maxRequestBytes,
    String host,
    int port,
    Duration shutdownTimeout,
    Handler<RoutingContext> objects,
    io.minikv.admin.ClusterView cluster) {}
