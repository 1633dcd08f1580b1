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
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
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
 * One node's Raft server and the data groups it hosts (in vshard-map order), each with its own
 * engine, applier and bridge.
 */
public final class RaftNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

  private final RaftServer server;
  private final GroupIdentity identity;
  private final List<GroupReplica> groups;
  private final List<DataGroup> dataGroups;
  private final Map<RaftGroupId, Store> stores;
  private final Path dir;

  /** What the state machine registry opened for a group: engine, applier, state machine. */
  private record Store(StorageEngine engine, KvApplier applier, KvStateMachine stateMachine) {}

  private RaftNode(
      RaftServer server,
      GroupIdentity identity,
      List<DataGroup> dataGroups,
      Map<RaftGroupId, Store> stores,
      Path dir) {
    this.server = server;
    this.identity = identity;
    this.dataGroups = dataGroups;
    this.groups = dataGroups.stream().filter(DataGroup::hosted).map(DataGroup::replica).toList();
    this.stores = stores;
    this.dir = dir;
  }

  /** Starts the Raft server of a single node: one group, this node its only voter. */
  public static RaftNode start(
      RaftSettings s, MeterRegistry registry, java.util.function.Supplier<StorageEngine> engine)
      throws IOException {
    GroupIdentity identity = GroupIdentity.loadOrCreate(s.dir(), s.nodeId());
    RaftGroup group =
        RaftGroup.valueOf(
            RaftGroupId.valueOf(identity.groupId()),
            GroupLayout.peer(identity.nodeId(), s.host() + ":" + s.port(), 0));
    return start(s, registry, identity, new GroupLayout(List.of(group)), gid -> engine.get());
  }

  /**
   * Starts this node's Raft server hosting the groups of {@code layout}: groups already in its
   * storage are recovered (their configuration comes from their log), missing ones are created with
   * the layout's voters. {@code engines} opens the engine of a group (by group id).
   */
  public static RaftNode start(
      RaftSettings s,
      MeterRegistry registry,
      GroupIdentity identity,
      GroupLayout layout,
      Function<UUID, StorageEngine> engines)
      throws IOException {
    Map<RaftGroupId, Store> stores = new ConcurrentHashMap<>();
    StateMachine.Registry stateMachines =
        gid ->
            stores
                .computeIfAbsent(
                    gid,
                    g -> {
                      StorageEngine engine = engines.apply(g.getUuid());
                      KvApplier applier = new KvApplier(engine);
                      return new Store(
                          engine, applier, new KvStateMachine(engine, applier, registry));
                    })
                .stateMachine();
    RaftPeerId self = RaftPeerId.valueOf(identity.nodeId());
    RaftServer server =
        RaftServer.newBuilder()
            .setServerId(self)
            .setProperties(properties(s))
            .setStateMachineRegistry(stateMachines)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .build();
    server.start();
    Set<RaftGroupId> existing = new HashSet<>();
    server.getGroupIds().forEach(existing::add);
    List<DataGroup> groups = new ArrayList<>();
    try {
      for (RaftGroup group : layout.groups()) {
        RaftGroupId gid = group.getGroupId();
        List<String> voters =
            group.getPeers().stream().map(p -> p.getId().toString()).sorted().toList();
        if (!existing.contains(gid) && group.getPeer(self) == null) {
          // Not a member: commands and reads go to the group's leader.
          groups.add(
              new DataGroup(
                  gid.getUuid().toString(), null, bridge(server, group, s, registry), voters));
          continue;
        }
        if (!existing.contains(gid)) {
          RaftClientReply reply =
              server.groupManagement(
                  GroupManagementRequest.newAdd(ClientId.randomId(), self, 1, group));
          if (!reply.isSuccess()) {
            throw new IOException("cannot create group " + gid + ": " + reply.getException());
          }
        }
        Store store = stores.get(gid);
        RatisBridge bridge = bridge(server, group, s, registry);
        GroupReplica replica =
            new GroupReplica(server, gid, store.engine(), store.applier(), bridge);
        replica.registerMetrics(registry);
        groups.add(new DataGroup(gid.getUuid().toString(), replica, bridge, voters));
        LOG.info(
            "Raft peer {} hosts group {} ({} storage)",
            identity.nodeId(),
            gid.getUuid(),
            existing.contains(gid) ? "recovered" : "new");
      }
    } catch (IOException | RuntimeException e) {
      for (DataGroup g : groups) {
        g.bridge().close();
      }
      server.close();
      throw e;
    }
    RaftNode node = new RaftNode(server, identity, List.copyOf(groups), stores, s.dir());
    Gauge.builder("minikv_raft_log_bytes", node, RaftNode::logSizeBytes)
        .description("Bytes of Raft log and snapshots on disk")
        .baseUnit("bytes")
        .register(registry);
    LOG.info(
        "Raft peer {} started on {}:{} hosting {} of {} data group(s)",
        identity.nodeId(),
        s.host(),
        s.port(),
        node.groups().size(),
        groups.size());
    return node;
  }

  private static RatisBridge bridge(
      RaftServer server, RaftGroup group, RaftSettings s, MeterRegistry registry) {
    return new RatisBridge(
        server, group, s.batchMaxCommands(), s.batchMaxBytes(), s.maxInflightEntries(), registry);
  }

  private static RaftProperties properties(RaftSettings s) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    RaftServerConfigKeys.setStorageDir(p, java.util.List.of(s.dir().toFile()));
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
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, s.snapshotEveryEntries());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    // An entry holds a whole batch; every buffer on its way must fit the largest one.
    SizeInBytes entryMax = SizeInBytes.valueOf(s.batchMaxBytes() + (1 << 20));
    SizeInBytes twice = SizeInBytes.valueOf(2 * entryMax.getSize());
    // Ratis requires write buffer > appender limit + 8 and gRPC message > appender limit + 1 MiB.
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(twice.getSize() + 4096));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(s.segmentSizeBytes()));
    // Purge behind each snapshot (keeping catch_up_entries) even when a follower is further
    // behind: it is sent the snapshot instead, so a dead node cannot make the log grow unbounded.
    RaftServerConfigKeys.Log.setPurgeGap(p, 1);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
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

  /** The data groups this node holds a replica of, in vshard-map order. */
  public List<GroupReplica> groups() {
    return groups;
  }

  /** Every data group, hosted here or not, in vshard-map order. */
  public List<DataGroup> dataGroups() {
    return dataGroups;
  }

  /** True when every hosted group has a leader this node knows (see GroupReplica.isReady). */
  public boolean isReady() {
    return groups.stream().allMatch(GroupReplica::isReady);
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
