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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One node's Raft server hosting its data group, with the bridge that submits to it. */
public final class RaftNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

  private final RaftServer server;
  private final RaftGroupId groupId;
  private final GroupIdentity identity;
  private final KvApplier applier;
  private final RatisBridge bridge;
  private final Path dir;

  private RaftNode(
      RaftServer server,
      RaftGroupId groupId,
      GroupIdentity identity,
      KvApplier applier,
      RatisBridge bridge,
      Path dir) {
    this.server = server;
    this.groupId = groupId;
    this.identity = identity;
    this.applier = applier;
    this.bridge = bridge;
    this.dir = dir;
  }

  /** Starts the Raft server for a single-node group over {@code engine}. */
  public static RaftNode start(RaftSettings s, StorageEngine engine, MeterRegistry registry)
      throws IOException {
    GroupIdentity identity = GroupIdentity.loadOrCreate(s.dir(), s.nodeId());
    return start(
        s, engine, registry, identity, Map.of(identity.nodeId(), s.host() + ":" + s.port()));
  }

  /**
   * Starts the Raft server for the group of {@code identity}, whose voters are {@code peers} (node
   * id to Raft address) when the group is new; a restarted node recovers its group's configuration
   * from its log instead.
   */
  public static RaftNode start(
      RaftSettings s,
      StorageEngine engine,
      MeterRegistry registry,
      GroupIdentity identity,
      Map<String, String> peers)
      throws IOException {
    List<RaftPeer> raftPeers = new ArrayList<>();
    peers.forEach(
        (id, address) ->
            raftPeers.add(
                RaftPeer.newBuilder().setId(RaftPeerId.valueOf(id)).setAddress(address).build()));
    RaftPeer peer =
        RaftPeer.newBuilder()
            .setId(RaftPeerId.valueOf(identity.nodeId()))
            .setAddress(s.host() + ":" + s.port())
            .build();
    RaftGroupId groupId = RaftGroupId.valueOf(identity.groupId());
    RaftGroup group = RaftGroup.valueOf(groupId, raftPeers);
    KvApplier applier = new KvApplier(engine);
    KvStateMachine stateMachine = new KvStateMachine(engine, applier, registry);
    boolean existing = Files.isDirectory(s.dir().resolve(identity.groupId().toString()));
    RaftServer server =
        RaftServer.newBuilder()
            .setServerId(peer.getId())
            .setGroup(group)
            .setProperties(properties(s))
            .setStateMachine(stateMachine)
            .setOption(
                existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
            .build();
    server.start();
    RatisBridge bridge =
        new RatisBridge(
            server,
            groupId,
            s.batchMaxCommands(),
            s.batchMaxBytes(),
            s.maxInflightEntries(),
            registry);
    RaftNode node = new RaftNode(server, groupId, identity, applier, bridge, s.dir());
    node.registerMetrics(registry);
    LOG.info(
        "Raft peer {} started group {} on {}:{} ({} storage)",
        identity.nodeId(),
        identity.groupId(),
        s.host(),
        s.port(),
        existing ? "recovered" : "new");
    return node;
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
    // Purge right behind each snapshot rather than keeping Ratis' default gap of 1024 entries.
    RaftServerConfigKeys.Log.setPurgeGap(p, 1);
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, twice);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(twice.getSize() + (2 << 20)));
    // sync = false acknowledges before the log is forced to disk (Ratis' unsafe flush).
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, !s.sync());
    // Ratis otherwise appends a commit-index entry after every commit, doubling the entries each
    // write replicates and fsyncs; a restarted node learns the commit index from its leader.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(10, TimeUnit.SECONDS));
    return p;
  }

  private void registerMetrics(MeterRegistry registry) {
    String group = groupId.getUuid().toString();
    Gauge.builder("minikv_raft_term", this, n -> n.info().getCurrentTerm())
        .description("Current Raft term of the data group")
        .tag("group", group)
        .register(registry);
    Gauge.builder("minikv_raft_leader", this, n -> n.info().isLeader() ? 1 : 0)
        .description("1 when this node leads the data group")
        .tag("group", group)
        .register(registry);
    Gauge.builder("minikv_raft_applied_index", this, n -> n.info().getLastAppliedIndex())
        .description("Last Raft index applied to the engine")
        .tag("group", group)
        .register(registry);
    Gauge.builder("minikv_raft_commit_index", this, n -> n.status().commitIndex())
        .description("Last Raft index this node knows to be committed")
        .tag("group", group)
        .register(registry);
    Gauge.builder("minikv_raft_apply_lag", this, n -> n.status().lag())
        .description("Committed entries this node has not applied yet")
        .tag("group", group)
        .register(registry);
    Gauge.builder("minikv_raft_log_bytes", this, RaftNode::logSizeBytes)
        .description("Bytes of Raft log and snapshots on disk")
        .baseUnit("bytes")
        .register(registry);
  }

  private DivisionInfo info() {
    try {
      return server.getDivision(groupId).getInfo();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True when this node leads the group and the leader has committed an entry of its term. */
  public boolean isLeaderReady() {
    try {
      DivisionInfo info = info();
      return info.isLeader() && info.isLeaderReady();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * True when the group has a leader this node knows: the leader once it is ready, a follower once
   * it has heard from one (reads on a follower still go through a ReadIndex barrier).
   */
  public boolean isReady() {
    try {
      DivisionInfo info = info();
      return info.isLeader() ? info.isLeaderReady() : info.getLeaderId() != null;
    } catch (RuntimeException e) {
      return false;
    }
  }

  public long term() {
    return info().getCurrentTerm();
  }

  /** The data group as this node sees it now. */
  public GroupStatus status() {
    try {
      RaftServer.Division division = server.getDivision(groupId);
      DivisionInfo info = division.getInfo();
      List<GroupStatus.Member> members = new ArrayList<>();
      for (RaftPeer p : division.getRaftConf().getCurrentPeers()) {
        members.add(new GroupStatus.Member(p.getId().toString(), p.getAddress()));
      }
      members.sort(java.util.Comparator.comparing(GroupStatus.Member::id));
      return new GroupStatus(
          groupId.getUuid().toString(),
          members,
          info.getLeaderId() == null ? null : info.getLeaderId().toString(),
          info.getCurrentTerm(),
          info.getCurrentRole().name().toLowerCase(java.util.Locale.ROOT),
          division.getRaftLog().getLastCommittedIndex(),
          info.getLastAppliedIndex());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public long appliedIndex() {
    return info().getLastAppliedIndex();
  }

  public RatisBridge bridge() {
    return bridge;
  }

  public KvApplier applier() {
    return applier;
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

  @Override
  public void close() throws IOException {
    server.close();
    bridge.close();
  }
}
