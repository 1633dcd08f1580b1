package io.minikv;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.minikv.admin.ClusterView;
import io.minikv.api.ApiError;
import io.minikv.api.ApiServices;
import io.minikv.api.HttpApiVerticle;
import io.minikv.auth.Authenticator;
import io.minikv.auth.RootBasicAuthenticator;
import io.minikv.auth.RootCredentials;
import io.minikv.cluster.ClusterMembership;
import io.minikv.cluster.MetaClient;
import io.minikv.cluster.NodeInfo;
import io.minikv.cluster.ShardManager;
import io.minikv.config.Config;
import io.minikv.kv.BucketService;
import io.minikv.kv.KvGroups;
import io.minikv.kv.KvLimits;
import io.minikv.kv.KvService;
import io.minikv.kv.TtlReaperVerticle;
import io.minikv.metrics.Metrics;
import io.minikv.raft.DataGroup;
import io.minikv.raft.GroupIdentity;
import io.minikv.raft.GroupLayout;
import io.minikv.raft.GroupReplica;
import io.minikv.raft.RaftNode;
import io.minikv.raft.RaftSettings;
import io.minikv.raft.RatisBridge;
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
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
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
  private final RaftNode raft;
  private final ShardManager shards;
  private final int httpPort;
  private final int s3Port;
  private final RootCredentials root;
  private volatile boolean closed;

  private Node(
      Config config,
      Vertx vertx,
      RaftNode raft,
      ShardManager shards,
      int httpPort,
      int s3Port,
      RootCredentials root) {
    this.config = config;
    this.vertx = vertx;
    this.raft = raft;
    this.shards = shards;
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
    Transport transport = NetworkTransport.resolve(config.get(Config.NODE_TRANSPORT));
    LOG.info("network transport: {}", transport.name());
    VertxBuilder builder =
        Vertx.builder()
            .withTransport(transport)
            .with(
                new VertxOptions()
                    .setMetricsOptions(
                        new MicrometerMetricsOptions()
                            .setEnabled(true)
                            .setJvmMetricsEnabled(false)
                            // minikv_http_requests_seconds already times every request per route
                            .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)))
            .withMetrics(new MicrometerMetricsFactory(registry));
    List<String> members = members(config.get(Config.CLUSTER_MEMBERS));
    String host = config.get(Config.NODE_HOST);
    Vertx vertx =
        members.isEmpty()
            ? builder.build()
            : ClusterMembership.start(
                builder,
                ClusterMembership.clusterManager(
                    CLUSTER_NAME, host, config.get(Config.CLUSTER_PORT), members));
    RaftNode raft = null;
    ShardManager shards = null;
    try {
      String engineName = config.get(Config.STORAGE_ENGINE);
      int raftPort = freeIfZero(config.get(Config.RAFT_PORT), host);
      int httpPort = freeIfZero(config.get(Config.HTTP_PORT), host);
      int s3Port = freeIfZero(config.get(Config.S3_PORT), host);
      RaftSettings settings =
          new RaftSettings(
              dataDir.resolve("raft"),
              host,
              raftPort,
              config.get(Config.NODE_ID),
              config.get(Config.RAFT_SYNC),
              config.get(Config.RAFT_LEASE_READS),
              config.get(Config.RAFT_SNAPSHOT_INTERVAL),
              config.get(Config.RAFT_CATCH_UP_ENTRIES),
              config.get(Config.RAFT_SEGMENT_SIZE),
              config.get(Config.RAFT_ELECTION_TIMEOUT),
              config.get(Config.RAFT_BATCH_MAX_COMMANDS),
              config.get(Config.RAFT_BATCH_MAX_BYTES),
              config.get(Config.RAFT_MAX_INFLIGHT),
              config.get(Config.RAFT_BATCH_LINGER),
              config.get(Config.RAFT_LEADER_WAIT),
              config.get(Config.CLUSTER_MOVE_RATE),
              config.get(Config.STORAGE_RECENT_RECORDS));
      GroupIdentity identity =
          members.isEmpty()
              ? GroupIdentity.loadOrCreate(settings.dir(), settings.nodeId())
              : GroupIdentity.loadOrCreate(
                  settings.dir(), settings.nodeId(), GroupLayout.groupId(CLUSTER_NAME, 0));
      NodeInfo self =
          new NodeInfo(
              identity.nodeId(),
              host + ":" + raftPort,
              host + ":" + httpPort,
              host + ":" + s3Port,
              config.get(Config.CLUSTER_REGION),
              config.get(Config.CLUSTER_ZONE));
      if (members.isEmpty()) {
        raft =
            RaftNode.start(
                settings,
                registry,
                engineName,
                () -> StorageEngines.open(engineName, dataDir.resolve("engine")));
      } else {
        // One engine per hosted group, so that a group's snapshot is its engine's checkpoint.
        raft =
            startClustered(
                vertx,
                config,
                settings,
                registry,
                identity,
                self,
                new GroupEngines(engineName, dataDir.resolve("engines")));
        shards = new ShardManager(vertx, raft, self, config, registry);
        shards.start();
      }
      List<KvGroups.Group> groups = new ArrayList<>();
      for (DataGroup g : raft.dataGroups()) {
        groups.add(new KvGroups.Group(g.id(), () -> engineOf(g), g.bridge(), g.bridge()));
      }
      // Buckets and object records live in the first group. S3 is single-node only for now (a
      // cluster answers 501), so only a single node — which holds that group — uses them.
      GroupReplica home = members.isEmpty() ? raft.groups().get(0) : null;
      RatisBridge homeBridge = raft.dataGroups().get(0).bridge();
      KvLimits limits =
          new KvLimits(
              config.get(Config.LIMITS_MAX_KEY_BYTES).intValue(),
              config.get(Config.LIMITS_MAX_VALUE_BYTES).intValue(),
              config.get(Config.LIMITS_MAX_REQUEST_BYTES),
              config.get(Config.LIMITS_MAX_SCAN_LIMIT),
              config.get(Config.LIMITS_DEFAULT_SCAN_LIMIT),
              config.get(Config.LIMITS_MAX_TXN_OPS));
      KvService kv = new KvService(vertx, new KvGroups(groups), limits);
      RaftNode r = raft;
      Authenticator authenticator = new RootBasicAuthenticator(root);
      BucketService buckets =
          home == null ? null : new BucketService(vertx, home.engine(), homeBridge);
      RootCredentials rootKeys = root;
      BlobStore blobs = new BlobStore(dataDir.resolve("blobs"), config.get(Config.RAFT_SYNC));
      S3RestRoutes objects = new S3RestRoutes(vertx, buckets, blobs, rootKeys.accessKey());
      io.vertx.core.Handler<io.vertx.ext.web.RoutingContext> objectRoutes =
          members.isEmpty()
              ? objects::handle
              : ctx ->
                  ctx.fail(
                      new ApiError(
                          501,
                          "not_implemented",
                          "S3 on a multi-node cluster is not built yet (object bodies are not"
                              + " replicated)",
                          new io.vertx.core.json.JsonObject().put("feature", "s3_cluster"),
                          Map.of()));
      ApiServices services =
          new ApiServices(
              kv,
              authenticator,
              config.get(Config.AUTH_ENABLED),
              config.get(Config.METRICS_ANONYMOUS),
              registry,
              () -> r.isReady() ? null : "a Raft data group has no leader yet",
              config.get(Config.LIMITS_MAX_REQUEST_BYTES),
              host,
              httpPort,
              config.get(Config.HTTP_SHUTDOWN_TIMEOUT),
              objectRoutes,
              clusterView(vertx, self, r, shards));
      int instances = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
      vertx
          .deployVerticle(
              () -> new HttpApiVerticle(services), new DeploymentOptions().setInstances(instances))
          .await(30, TimeUnit.SECONDS);
      if (home != null) {
        sweepWhenReady(vertx, home, buckets, blobs, System.currentTimeMillis());
      }
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
              s3Port,
              members.isEmpty()
                  ? null
                  : "S3 on a multi-node cluster (object bodies are not replicated yet)");
      vertx
          .deployVerticle(
              () -> new S3GatewayVerticle(s3), new DeploymentOptions().setInstances(instances))
          .await(30, TimeUnit.SECONDS);
      for (DataGroup g : raft.dataGroups()) {
        vertx
            .deployVerticle(
                new TtlReaperVerticle(
                    () -> engineOf(g),
                    g.bridge(),
                    () -> g.replica() != null && g.replica().isLeaderReady(),
                    config.get(Config.TTL_REAPER_INTERVAL).toMillis()),
                new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
            .await(30, TimeUnit.SECONDS);
      }
      if (home != null) {
        vertx
            .deployVerticle(
                new UploadReaperVerticle(
                    buckets,
                    blobs,
                    home::isLeaderReady,
                    config.get(Config.S3_UPLOAD_EXPIRY).toMillis(),
                    config.get(Config.S3_UPLOAD_REAPER_INTERVAL).toMillis()))
            .await(30, TimeUnit.SECONDS);
      }
      return new Node(config, vertx, raft, shards, httpPort, s3.port(), root);
    } catch (Exception | Error e) {
      if (shards != null) {
        shards.close();
      }
      if (raft != null) {
        raft.close();
      }
      vertx.close();
      throw e;
    }
  }

  /** Once the group is ready, removes blob files a crash left unreferenced (see BlobSweeper). */
  private static void sweepWhenReady(
      Vertx vertx, GroupReplica raft, BucketService buckets, BlobStore blobs, long startMillis) {
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

  /**
   * The cluster view over the meta group's node registry as the shard manager last read it (before
   * its first read: the nodes Hazelcast discovered).
   */
  private static ClusterView clusterView(
      Vertx vertx, NodeInfo self, RaftNode raft, ShardManager shards) {
    return new ClusterView(
        self.nodeId(),
        shards,
        shards == null
            ? () -> io.vertx.core.Future.succeededFuture(List.of(self))
            : () ->
                shards.nodes().isEmpty()
                    ? ClusterMembership.nodesAsync(vertx)
                    : io.vertx.core.Future.succeededFuture(shards.nodes()),
        raft);
  }

  /** The cluster's name in Hazelcast and the seed of its data group id. */
  static final String CLUSTER_NAME = "minikv";

  private static List<String> members(String list) {
    return list.isEmpty() ? List.of() : List.of(list.split(","));
  }

  /**
   * Joins the cluster. A restarted node starts with the layout it persisted (its shard manager then
   * takes the meta group's newer one). A new node publishes itself for discovery and asks the nodes
   * found whether one holds the meta group: if so the cluster has formed and it takes the meta
   * group's layout (holding no replica yet); if not, it waits for the bootstrap members and plans
   * the groups over them (see GroupLayout.plan), as each of them does.
   */
  private static RaftNode startClustered(
      Vertx vertx,
      Config config,
      RaftSettings settings,
      PrometheusMeterRegistry registry,
      GroupIdentity identity,
      NodeInfo self,
      RaftNode.Engines engines)
      throws Exception {
    if (!identity.groupId().equals(GroupLayout.groupId(CLUSTER_NAME, 0))) {
      throw new IllegalStateException(
          "the data directory belongs to a single-node group; a cluster node needs a new one");
    }
    Duration joinTimeout = config.get(Config.CLUSTER_JOIN_TIMEOUT);
    GroupLayout layout = GroupLayout.load(settings.dir());
    if (layout != null && layout.meta() == null) {
      throw new IllegalStateException(
          "the data directory was formed by a minikv version without a meta group;"
              + " start this node with a new data directory");
    }
    if (layout != null) {
      ClusterMembership.publishAndAwait(vertx, self, 1, joinTimeout);
      return RaftNode.start(settings, registry, identity, layout, engines);
    }
    int expect = config.get(Config.CLUSTER_BOOTSTRAP_EXPECT);
    if (expect == 0) {
      expect = Math.min(5, members(config.get(Config.CLUSTER_MEMBERS)).size());
    }
    RaftGroupId metaId = RaftGroupId.valueOf(GroupLayout.metaGroupId(CLUSTER_NAME));
    try (MetaClient meta =
        new MetaClient(
            RaftNode.clientProperties(settings),
            metaId,
            () -> null,
            () -> discoveredPeers(vertx, identity.nodeId()))) {
      // Asked before this node is published, so that bootstrap members never see it as formed.
      boolean formed = meta.discover() != null;
      List<NodeInfo> nodes =
          ClusterMembership.publishAndAwait(vertx, self, formed ? 1 : expect, joinTimeout);
      Map<String, String> peers = new LinkedHashMap<>();
      for (NodeInfo n : nodes.subList(0, Math.min(expect, nodes.size()))) {
        peers.put(n.nodeId(), n.raftAddress());
      }
      if (formed || !peers.containsKey(identity.nodeId())) {
        layout = awaitMetaLayout(meta, joinTimeout);
      } else {
        int groups = config.get(Config.CLUSTER_DATA_GROUPS);
        layout =
            GroupLayout.plan(
                CLUSTER_NAME,
                peers,
                groups == 0 ? peers.size() : groups,
                config.get(Config.CLUSTER_REPLICATION_FACTOR));
      }
    }
    layout.store(settings.dir());
    return RaftNode.start(settings, registry, identity, layout, engines);
  }

  /** The Raft addresses of the nodes Hazelcast discovered, other than this one. */
  private static List<RaftPeer> discoveredPeers(Vertx vertx, String self) {
    try {
      return ClusterMembership.nodesAsync(vertx).await(10, TimeUnit.SECONDS).stream()
          .filter(n -> !n.nodeId().equals(self))
          .map(n -> GroupLayout.peer(n.nodeId(), n.raftAddress(), 0))
          .toList();
    } catch (Exception e) {
      return List.of();
    }
  }

  /** The layout the meta group holds, waiting up to {@code timeout} for it. */
  private static GroupLayout awaitMetaLayout(MetaClient meta, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      try {
        GroupLayout layout = meta.read().layout();
        if (layout != null) {
          return layout;
        }
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException(
        "the cluster's meta group gave no layout within " + timeout, last);
  }

  /** This node's replica engine of {@code g} now, or null. */
  private static StorageEngine engineOf(DataGroup g) {
    GroupReplica r = g.replica();
    return r == null ? null : r.engine();
  }

  /** One engine per data group under {@code engines/<group id>}. */
  private record GroupEngines(String name, Path dir) implements RaftNode.Engines {
    @Override
    public StorageEngine open(UUID group) {
      return StorageEngines.open(name, dir.resolve(group.toString()));
    }

    @Override
    public void delete(UUID group) throws IOException {
      Path root = dir.resolve(group.toString());
      if (!Files.exists(root)) {
        return;
      }
      try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
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

  /** The engine of the node's first data group (tests inspect it directly). */
  public StorageEngine engine() {
    return raft.groups().get(0).engine();
  }

  public RaftNode raft() {
    return raft;
  }

  public Config config() {
    return config;
  }

  /** True when every data group of the node has a leader ready to serve. */
  public boolean isReady() {
    return raft.isReady();
  }

  /** Stops accepting requests, lets in-flight ones finish, then closes Raft and the engine. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (shards != null) {
      shards.close();
    }
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
    LOG.info("node stopped");
  }
}
