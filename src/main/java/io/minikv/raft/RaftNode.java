package io.minikv.raft;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.minikv.kv.KvApplier;
import io.minikv.storage.StorageEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's Raft server and every data group (in vshard-map order): the groups it holds a replica
 * of, each with its own engine and applier, and a bridge per group that submits to it wherever its
 * leader is. Replicas come and go while the node runs (the shard manager adds and removes them
 * through Ratis' group management), so whether a group is hosted here is asked, not remembered.
 */
public final class RaftNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

  /** Opens and deletes the engine of a data group (by group id). */
  public interface Engines {
    String name();

    StorageEngine open(UUID group);

    /** Deletes the files of a closed engine whose replica was removed from this node. */
    void delete(UUID group) throws IOException;
  }

  private final RaftServer server;
  private final RaftPeerId self;
  private final GroupIdentity identity;
  private final Engines engines;
  private final Map<RaftGroupId, Store> stores;
  private final Map<RaftGroupId, GroupReplica> replicas = new ConcurrentHashMap<>();
  private final List<DataGroup> dataGroups = new ArrayList<>();
  private final Path dir;
  private volatile GroupLayout layout;
  private volatile boolean closed;
  private final AtomicLong snapshotCopyRate;

  /** What the state machine registry opened for a group: engine, applier, state machine. */
  private record Store(StorageEngine engine, KvApplier applier, KvStateMachine stateMachine) {}

  private RaftNode(
      RaftServer server,
      GroupIdentity identity,
      Engines engines,
      Map<RaftGroupId, Store> stores,
      GroupLayout layout,
      Path dir,
      AtomicLong snapshotCopyRate) {
    this.snapshotCopyRate = snapshotCopyRate;
    this.server = server;
    this.self = server.getId();
    this.identity = identity;
    this.engines = engines;
    this.stores = stores;
    this.layout = layout;
    this.dir = dir;
  }

  /** Starts the Raft server of a single node: one group, this node its only voter. */
  public static RaftNode start(
      RaftSettings s, MeterRegistry registry, String engineName, Supplier<StorageEngine> engine)
      throws IOException {
    GroupIdentity identity = GroupIdentity.loadOrCreate(s.dir(), s.nodeId());
    RaftGroup group =
        RaftGroup.valueOf(
            RaftGroupId.valueOf(identity.groupId()),
            GroupLayout.peer(identity.nodeId(), s.host() + ":" + s.port(), 0));
    Engines single =
        new Engines() {
          @Override
          public String name() {
            return engineName;
          }

          @Override
          public StorageEngine open(UUID group) {
            return engine.get();
          }

          @Override
          public void delete(UUID group) {
            throw new UnsupportedOperationException("a single node never loses its group");
          }
        };
    return start(s, registry, identity, new GroupLayout(List.of(group)), single);
  }

  /**
   * Starts this node's Raft server with the groups of {@code layout} (data groups and the meta
   * group): groups already in its storage are recovered (their configuration comes from their log),
   * groups it is a planned voter of but lacks are created with the layout's voters (bootstrap), the
   * others are served through their leaders until a replica is added here.
   */
  public static RaftNode start(
      RaftSettings s,
      MeterRegistry registry,
      GroupIdentity identity,
      GroupLayout layout,
      Engines engines)
      throws IOException {
    Map<RaftGroupId, Store> stores = new ConcurrentHashMap<>();
    AtomicLong copyRate = new AtomicLong(s.snapshotCopyBytesPerSecond());
    RaftGroupId metaId = layout.meta() == null ? null : layout.meta().getGroupId();
    Map<RaftGroupId, MetaStateMachine> meta = new ConcurrentHashMap<>();
    StateMachine.Registry stateMachines =
        gid ->
            gid.equals(metaId)
                ? meta.compute(
                    gid, (g, old) -> old != null && !old.isClosed() ? old : new MetaStateMachine())
                : stores
                    .compute(
                        gid,
                        (g, old) -> {
                          if (old != null && !old.stateMachine().isClosed()) {
                            return old;
                          }
                          if (old != null) {
                            // Removed from this node earlier and added again: start from nothing.
                            dropEngine(engines, g, old);
                          }
                          StorageEngine engine = engines.open(g.getUuid());
                          KvApplier applier = new KvApplier(engine, s.recentRecordBytes());
                          return new Store(
                              engine,
                              applier,
                              new KvStateMachine(engine, applier, registry, copyRate::get));
                        })
                    .stateMachine();
    RaftServer server =
        RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(identity.nodeId()))
            .setProperties(properties(s))
            .setStateMachineRegistry(stateMachines)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .build();
    RaftNode node = new RaftNode(server, identity, engines, stores, layout, s.dir(), copyRate);
    for (RaftGroup group : layout.groups()) {
      RaftGroupId gid = group.getGroupId();
      RatisBridge bridge =
          new RatisBridge(
              server,
              gid,
              () -> node.layout().groups().get(node.layout().indexOf(gid)),
              s.batchMaxCommands(),
              s.batchMaxBytes(),
              s.maxInflightEntries(),
              s.batchLinger().toNanos(),
              s.leaderWait().toNanos(),
              registry);
      node.dataGroups.add(new DataGroup(gid, bridge, node::replica, node::layout));
    }
    try {
      server.start();
      Set<RaftGroupId> existing = new HashSet<>();
      server.getGroupIds().forEach(existing::add);
      List<RaftGroup> all = new ArrayList<>(layout.groups());
      if (layout.meta() != null) {
        all.add(layout.meta());
      }
      for (RaftGroup group : all) {
        RaftGroupId gid = group.getGroupId();
        if (!existing.contains(gid) && group.getPeer(node.self) != null) {
          RaftClientReply reply =
              server.groupManagement(
                  GroupManagementRequest.newAdd(ClientId.randomId(), node.self, 1, group));
          if (!reply.isSuccess()) {
            throw new IOException("cannot create group " + gid + ": " + reply.getException());
          }
        }
        LOG.info(
            "Raft peer {}: group {} {}",
            identity.nodeId(),
            gid.getUuid(),
            existing.contains(gid)
                ? "recovered from storage"
                : group.getPeer(node.self) != null ? "created" : "served through its leader");
      }
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
    node.registerMetrics(registry);
    LOG.info(
        "Raft peer {} started on {}:{} hosting {} of {} data group(s)",
        identity.nodeId(),
        s.host(),
        s.port(),
        node.groups().size(),
        node.dataGroups.size());
    return node;
  }

  private static void dropEngine(Engines engines, RaftGroupId gid, Store store) {
    try {
      store.engine().close();
      engines.delete(gid.getUuid());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot delete the engine of removed group " + gid, e);
    }
  }

  /**
   * Closes and deletes the engines of replicas removed from this node (Ratis has closed their
   * division and deleted its storage). Called periodically.
   */
  public void dropRemovedReplicas() {
    if (closed) {
      return;
    }
    Set<RaftGroupId> live = new HashSet<>();
    server.getGroupIds().forEach(live::add);
    for (RaftGroupId gid : List.copyOf(stores.keySet())) {
      Store store = stores.get(gid);
      if (live.contains(gid) || store == null || !store.stateMachine().isClosed()) {
        continue;
      }
      if (stores.remove(gid, store)) {
        replicas.remove(gid);
        dropEngine(engines, gid, store);
        LOG.info("Raft peer {}: replica of group {} removed", identity.nodeId(), gid.getUuid());
      }
    }
  }

  /** This node's replica of {@code gid} while it is one of the group's voters, else null. */
  GroupReplica replica(RaftGroupId gid) {
    Store store = stores.get(gid);
    if (store == null || store.stateMachine().isClosed()) {
      return null;
    }
    try {
      RaftServer.Division division = server.getDivision(gid);
      boolean voter = false;
      for (RaftPeer p : division.getRaftConf().getCurrentPeers()) {
        voter |= p.getId().equals(self);
      }
      if (!voter) {
        return null;
      }
    } catch (IOException notHere) {
      return null;
    }
    GroupReplica r =
        replicas.computeIfAbsent(
            gid, g -> new GroupReplica(server, g, store.engine(), store.applier()));
    return r.engine() == store.engine() ? r : null;
  }

  /** Sets the bytes per second a replica of this node may copy of a leader's snapshot (0: any). */
  public void setSnapshotCopyRate(long bytesPerSecond) {
    snapshotCopyRate.set(bytesPerSecond);
  }

  public GroupLayout layout() {
    return layout;
  }

  /**
   * Takes {@code next} when it is newer than the layout this node has, and persists it. True if
   * taken.
   */
  public synchronized boolean updateLayout(GroupLayout next) throws IOException {
    if (next.version() <= layout.version()) {
      return false;
    }
    next.store(dir);
    layout = next;
    return true;
  }

  private void registerMetrics(MeterRegistry registry) {
    for (DataGroup d : dataGroups) {
      String group = d.id();
      gauge(registry, "minikv_raft_term", "Current Raft term of the data group", d, r -> r.term());
      gauge(
          registry,
          "minikv_raft_leader",
          "1 when this node leads the data group",
          d,
          r -> r.isLeaderReady() ? 1 : 0);
      gauge(
          registry,
          "minikv_raft_applied_index",
          "Last Raft index applied to the engine",
          d,
          GroupReplica::appliedIndex);
      gauge(
          registry,
          "minikv_raft_commit_index",
          "Last Raft index this node knows to be committed",
          d,
          GroupReplica::commitIndex);
      gauge(
          registry,
          "minikv_raft_apply_lag",
          "Committed entries this node has not applied yet",
          d,
          r -> Math.max(0, r.commitIndex() - r.appliedIndex()));
      Gauge.builder(
              "minikv_engine_bytes",
              d,
              g -> {
                GroupReplica r = g.replica();
                return r == null ? 0 : r.engine().approximateSizeBytes();
              })
          .description("Approximate bytes used by the storage engine (0 when not hosted here)")
          .baseUnit("bytes")
          .tag("engine", engines.name())
          .tag("group", group)
          .register(registry);
    }
    Gauge.builder("minikv_raft_log_bytes", this, RaftNode::logSizeBytes)
        .description("Bytes of Raft log and snapshots on disk")
        .baseUnit("bytes")
        .register(registry);
  }

  /** A per-group gauge that reads NaN while this node holds no replica of the group. */
  private static void gauge(
      MeterRegistry registry,
      String name,
      String description,
      DataGroup d,
      ToDoubleFunction<GroupReplica> value) {
    Gauge.builder(
            name,
            d,
            g -> {
              GroupReplica r = g.replica();
              try {
                return r == null ? Double.NaN : value.applyAsDouble(r);
              } catch (RuntimeException removedMeanwhile) {
                return Double.NaN;
              }
            })
        .description(description)
        .tag("group", d.id())
        .register(registry);
  }

  /** Properties for a Raft client of this node's groups (made before the server starts). */
  public static RaftProperties clientProperties(RaftSettings s) {
    return properties(s);
  }

  private static RaftProperties properties(RaftSettings s) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    RaftServerConfigKeys.setStorageDir(p, List.of(s.dir().toFile()));
    GrpcConfigKeys.Server.setHost(p, s.host());
    GrpcConfigKeys.Server.setPort(p, s.port());
    long timeoutMs = s.electionTimeout().toMillis();
    RaftServerConfigKeys.Rpc.setTimeoutMin(
        p, TimeDuration.valueOf(timeoutMs, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(
        p, TimeDuration.valueOf(timeoutMs * 2, TimeUnit.MILLISECONDS));
    // A restarted node need not wait a full timeout before its first election.
    long firstMs = Math.min(timeoutMs, 300);
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(
        p, TimeDuration.valueOf(firstMs, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(
        p, TimeDuration.valueOf(firstMs * 2, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // Without a lease, a ReadIndex barrier that arrives while appends are in flight can wait for
    // the next heartbeat round (up to half an election timeout): 0.3 % of GETs took 0.5-1 s
    // under a 90/10 GET/PUT load.
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, s.leaseReads());
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, s.snapshotEveryEntries());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    // An entry holds a whole batch; every buffer on its way must fit the largest one.
    SizeInBytes entryMax = SizeInBytes.valueOf(s.batchMaxBytes() + (1 << 20));
    SizeInBytes twice = SizeInBytes.valueOf(2 * entryMax.getSize());
    // Ratis requires write buffer > appender limit + 8 and gRPC message > appender limit + 1 MiB.
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(twice.getSize() + 4096));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(s.segmentSizeBytes()));
    // Ratis keeps every entry of the open segment on the heap, and by default the entries of six
    // closed segments too: entries lived long enough to be promoted, and the old generation filled
    // with them (bench/RESULTS.md). Small segments and no closed ones cached keep them short-lived;
    // a follower that fell behind is served from the segment files.
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 0);
    // Purge behind each snapshot (keeping catch_up_entries) even when a follower is further
    // behind: it is sent the snapshot instead, so a dead node cannot make the log grow unbounded.
    RaftServerConfigKeys.Log.setPurgeGap(p, 1);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    // A replica that needs a snapshot pulls it at a bounded rate (see SnapshotTransfer) instead of
    // the leader pushing it as fast as it can.
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, s.catchUpEntries());
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, twice);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(twice.getSize() + (2 << 20)));
    // sync = false acknowledges before the log is forced to disk (Ratis' unsafe flush).
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, !s.sync());
    // Ratis otherwise appends a commit-index entry after every commit, doubling the entries each
    // write replicates and fsyncs; a restarted node learns the commit index from its leader.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(10, TimeUnit.SECONDS));
    // Ratis' default backs off to one attempt per 5 s after ~20 s of failures, so a follower that
    // restarts after a longer outage waited up to 5 s to be contacted (and meanwhile ran useless
    // elections); a refused connection every 500 ms costs next to nothing.
    RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, "1ms,10, 100ms,50, 500ms,1000000000");
    return p;
  }

  /** The data groups this node holds a replica of now, in vshard-map order. */
  public List<GroupReplica> groups() {
    List<GroupReplica> out = new ArrayList<>();
    for (DataGroup d : dataGroups) {
      GroupReplica r = d.replica();
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  /** Every data group, hosted here or not, in vshard-map order. */
  public List<DataGroup> dataGroups() {
    return dataGroups;
  }

  /** True when every hosted group has a leader this node knows (see GroupReplica.isReady). */
  public boolean isReady() {
    return groups().stream().allMatch(GroupReplica::isReady);
  }

  public RaftServer server() {
    return server;
  }

  public GroupIdentity identity() {
    return identity;
  }

  private long logSizeBytes() {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }

  /** Closes the server, then each group's bridge and engine. */
  @Override
  public void close() throws IOException {
    closed = true;
    try {
      server.close();
    } finally {
      for (DataGroup g : dataGroups) {
        g.bridge().close();
      }
      for (Store store : stores.values()) {
        store.engine().close();
      }
    }
  }
}
