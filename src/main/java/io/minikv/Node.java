package io.minikv;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.minikv.api.ApiServices;
import io.minikv.api.HttpApiVerticle;
import io.minikv.auth.Authenticator;
import io.minikv.auth.RootBasicAuthenticator;
import io.minikv.auth.RootCredentials;
import io.minikv.config.Config;
import io.minikv.kv.BucketService;
import io.minikv.kv.KvLimits;
import io.minikv.kv.KvService;
import io.minikv.kv.TtlReaperVerticle;
import io.minikv.metrics.Metrics;
import io.minikv.raft.RaftNode;
import io.minikv.raft.RaftSettings;
import io.minikv.s3.BlobStore;
import io.minikv.s3.BlobSweeper;
import io.minikv.s3.S3GatewayVerticle;
import io.minikv.s3.S3RestRoutes;
import io.minikv.s3.S3Services;
import io.minikv.s3.UploadReaperVerticle;
import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageEngines;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One minikv node: storage engine, Raft group, KV and bucket services, the REST API and the S3
 * gateway, started in that order and stopped in reverse.
 */
public final class Node implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final Config config;
  private final Vertx vertx;
  private final StorageEngine engine;
  private final RaftNode raft;
  private final int httpPort;
  private final int s3Port;
  private final RootCredentials root;
  private volatile boolean closed;

  private Node(
      Config config,
      Vertx vertx,
      StorageEngine engine,
      RaftNode raft,
      int httpPort,
      int s3Port,
      RootCredentials root) {
    this.config = config;
    this.vertx = vertx;
    this.engine = engine;
    this.raft = raft;
    this.httpPort = httpPort;
    this.s3Port = s3Port;
    this.root = root;
  }

  /** Starts a node; blocks until the REST API listens. Call it from a non-event-loop thread. */
  public static Node start(Config config) throws Exception {
    Path dataDir = config.dataDir().toAbsolutePath();
    Files.createDirectories(dataDir);
    RootCredentials root =
        RootCredentials.resolve(
            config.get(Config.AUTH_ROOT_ACCESS_KEY),
            config.get(Config.AUTH_ROOT_SECRET_KEY),
            dataDir);
    PrometheusMeterRegistry registry = Metrics.newRegistry();
    Vertx vertx =
        Vertx.builder()
            .with(
                new VertxOptions()
                    .setMetricsOptions(
                        new MicrometerMetricsOptions()
                            .setEnabled(true)
                            .setJvmMetricsEnabled(false)))
            .withMetrics(new MicrometerMetricsFactory(registry))
            .build();
    StorageEngine engine = null;
    RaftNode raft = null;
    try {
      engine = StorageEngines.open(config.get(Config.STORAGE_ENGINE), dataDir.resolve("engine"));
      StorageEngine e = engine;
      Gauge.builder("minikv_engine_bytes", e, StorageEngine::approximateSizeBytes)
          .description("Approximate bytes used by the storage engine")
          .baseUnit("bytes")
          .tag("engine", e.name())
          .register(registry);
      String host = config.get(Config.NODE_HOST);
      RaftSettings settings =
          new RaftSettings(
              dataDir.resolve("raft"),
              host,
              freeIfZero(config.get(Config.RAFT_PORT), host),
              config.get(Config.NODE_ID),
              config.get(Config.RAFT_SYNC),
              config.get(Config.RAFT_SNAPSHOT_INTERVAL),
              config.get(Config.RAFT_SEGMENT_SIZE),
              config.get(Config.RAFT_ELECTION_TIMEOUT),
              config.get(Config.RAFT_BATCH_MAX_COMMANDS),
              config.get(Config.RAFT_BATCH_MAX_BYTES),
              config.get(Config.RAFT_MAX_INFLIGHT));
      raft = RaftNode.start(settings, engine, registry);
      KvLimits limits =
          new KvLimits(
              config.get(Config.LIMITS_MAX_KEY_BYTES).intValue(),
              config.get(Config.LIMITS_MAX_VALUE_BYTES).intValue(),
              config.get(Config.LIMITS_MAX_REQUEST_BYTES),
              config.get(Config.LIMITS_MAX_SCAN_LIMIT),
              config.get(Config.LIMITS_DEFAULT_SCAN_LIMIT),
              config.get(Config.LIMITS_MAX_TXN_OPS));
      KvService kv = new KvService(vertx, engine, raft.bridge(), limits);
      RaftNode r = raft;
      Authenticator authenticator = new RootBasicAuthenticator(root);
      int httpPort = freeIfZero(config.get(Config.HTTP_PORT), host);
      BucketService buckets = new BucketService(vertx, engine, raft.bridge());
      RootCredentials rootKeys = root;
      BlobStore blobs = new BlobStore(dataDir.resolve("blobs"), config.get(Config.RAFT_SYNC));
      S3RestRoutes objects = new S3RestRoutes(vertx, buckets, blobs, rootKeys.accessKey());
      ApiServices services =
          new ApiServices(
              kv,
              authenticator,
              config.get(Config.AUTH_ENABLED),
              config.get(Config.METRICS_ANONYMOUS),
              registry,
              () -> r.isLeaderReady() ? null : "the Raft group has no ready leader yet",
              config.get(Config.LIMITS_MAX_REQUEST_BYTES),
              host,
              httpPort,
              config.get(Config.HTTP_SHUTDOWN_TIMEOUT),
              objects::handle);
      int instances = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
      vertx
          .deployVerticle(
              () -> new HttpApiVerticle(services), new DeploymentOptions().setInstances(instances))
          .await(30, TimeUnit.SECONDS);
      sweepWhenReady(vertx, r, buckets, blobs, System.currentTimeMillis());
      S3Services s3 =
          new S3Services(
              buckets,
              blobs,
              ak -> ak.equals(rootKeys.accessKey()) ? rootKeys.secretKey() : null,
              config.get(Config.AUTH_ENABLED),
              config.get(Config.S3_REGION),
              config.get(Config.S3_DOMAIN),
              rootKeys.accessKey(),
              host,
              freeIfZero(config.get(Config.S3_PORT), host));
      vertx
          .deployVerticle(
              () -> new S3GatewayVerticle(s3), new DeploymentOptions().setInstances(instances))
          .await(30, TimeUnit.SECONDS);
      vertx
          .deployVerticle(
              new TtlReaperVerticle(
                  e,
                  raft.bridge(),
                  r::isLeaderReady,
                  config.get(Config.TTL_REAPER_INTERVAL).toMillis()),
              new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
          .await(30, TimeUnit.SECONDS);
      vertx
          .deployVerticle(
              new UploadReaperVerticle(
                  buckets,
                  blobs,
                  r::isLeaderReady,
                  config.get(Config.S3_UPLOAD_EXPIRY).toMillis(),
                  config.get(Config.S3_UPLOAD_REAPER_INTERVAL).toMillis()))
          .await(30, TimeUnit.SECONDS);
      return new Node(config, vertx, engine, raft, httpPort, s3.port(), root);
    } catch (Exception | Error e) {
      if (raft != null) {
        raft.close();
      }
      if (engine != null) {
        engine.close();
      }
      vertx.close();
      throw e;
    }
  }

  /** Once the group is ready, removes blob files a crash left unreferenced (see BlobSweeper). */
  private static void sweepWhenReady(
      Vertx vertx, RaftNode raft, BucketService buckets, BlobStore blobs, long startMillis) {
    vertx.setPeriodic(
        100,
        id -> {
          if (raft.isLeaderReady()) {
            vertx.cancelTimer(id);
            vertx
                .executeBlocking(() -> BlobSweeper.sweep(buckets, blobs, startMillis), false)
                .onFailure(e -> LOG.warn("blob sweep failed: {}", e.toString()));
          }
        });
  }

  private static int freeIfZero(int port, String host) {
    if (port != 0) {
      return port;
    }
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int httpPort() {
    return httpPort;
  }

  public int s3Port() {
    return s3Port;
  }

  public RootCredentials rootCredentials() {
    return root;
  }

  /** The node's storage engine (tests inspect it directly). */
  public StorageEngine engine() {
    return engine;
  }

  public RaftNode raft() {
    return raft;
  }

  public Config config() {
    return config;
  }

  /** True when the node's group has a leader ready to serve. */
  public boolean isReady() {
    return raft.isLeaderReady();
  }

  /** Stops accepting requests, lets in-flight ones finish, then closes Raft and the engine. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      vertx
          .close()
          .await(config.get(Config.HTTP_SHUTDOWN_TIMEOUT).toMillis() + 5000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("closing Vert.x: {}", e.toString());
    }
    try {
      raft.close();
    } catch (IOException e) {
      LOG.warn("closing Raft: {}", e.toString());
    }
    engine.close();
    LOG.info("node stopped");
  }
}
