package io.minikv.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.minikv.config.Config;
import io.minikv.raft.GroupLayout;
import io.minikv.raft.MetaState;
import io.minikv.raft.RaftNode;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.ProtoUtils;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places group replicas on nodes. Every node runs one; each pass it reads the meta group (the
 * layout and the node registry), registers this node there, takes a newer layout, probes every
 * registered node over Ratis (its reachability is what matters here), and drops engines of replicas
 * removed from it. The reachable, not decommissioned node with the lowest id is the coordinator: it
 * reads each group's configuration from the group's leader (the authority on voters), records it in
 * the layout, removes stray replicas and listeners, and makes at most one replica move per pass —
 * off a decommissioned node or one unreachable for longer than {@code deadAfter} (data groups and
 * the meta group alike), else adds a meta voter while the meta group has fewer than {@link
 * GroupLayout#metaVoters} of the nodes, else moves a data replica from the node with the most to
 * the one with the fewest when they differ by two or more; with replicas even, it evens out
 * leadership the same way (a priority change and a Ratis leadership transfer, no data moved). One
 * move at a time bounds the data movement rate.
 *
 * <p>A move adds the new node as a Ratis listener (a learner: it receives the log or a snapshot but
 * does not vote), waits until it has applied what the leader had committed when it was added, then
 * replaces the old voter with it in one configuration change, and finally removes the old node's
 * replica. The new voter inherits the old one's leader priority, so leadership moves with it.
 */
public final class ShardManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShardManager.class);

  /** A group's configuration as its leader reports it. */
  private record Conf(
      RaftGroupId id,
      List<RaftPeer> voters,
      List<RaftPeer> listeners,
      boolean changing,
      String leader) {
    RaftPeer voter(String node) {
      for (RaftPeer p : voters) {
        if (p.getId().toString().equals(node)) {
          return p;
        }
      }
      return null;
    }

    boolean has(String node) {
      return voter(node) != null
          || listeners.stream().anyMatch(p -> p.getId().toString().equals(node));
    }
  }

  private final Vertx vertx;
  private final RaftNode raft;
  private final NodeInfo selfInfo;
  private final MetaClient meta;
  private volatile List<NodeInfo> known = List.of();
  private final String self;
  private final Duration interval;
  private final Duration moveTimeout;
  private final ClusterSettings clusterSettings;
  private volatile Map<String, String> overrides = Map.of();
  private final RaftProperties clientProperties;
  // Used by the pass thread only.
  private RaftClient adminClient;
  private List<String> adminPeers = List.of(); // "id@address": RaftPeer.equals compares ids only
  private final ScheduledExecutorService executor;
  private final ExecutorService requests;
  private final Map<String, Long> lastSeen = new HashMap<>();
  private volatile Set<String> reachable = Set.of();
  private volatile String activity = "idle";
  private volatile long coordinatingSince = -1;
  private final Counter movesCompleted;
  private final Counter movesFailed;
  private final Counter leaderTransfers;

  public ShardManager(
      Vertx vertx, RaftNode raft, NodeInfo selfInfo, Config config, MeterRegistry registry) {
    this.vertx = vertx;
    this.raft = raft;
    this.selfInfo = selfInfo;
    this.self = raft.identity().nodeId();
    this.interval = config.get(Config.CLUSTER_REBALANCE_INTERVAL);
    this.moveTimeout = config.get(Config.CLUSTER_MOVE_TIMEOUT);
    this.clusterSettings = new ClusterSettings(config);
    this.movesCompleted = moves(registry, "completed");
    this.movesFailed = moves(registry, "failed");
    this.leaderTransfers =
        Counter.builder("minikv_cluster_leader_transfers_total")
            .description("Leadership transfers the shard manager made to even out leaders")
            .register(registry);
    Gauge.builder("minikv_cluster_layout_version", raft, r -> r.layout().version())
        .description("Version of the data-group layout this node holds")
        .register(registry);
    Gauge.builder("minikv_cluster_coordinator", this, m -> m.coordinatingSince >= 0 ? 1 : 0)
        .description("1 while this node's shard manager coordinates placement")
        .register(registry);
    Gauge.builder("minikv_cluster_reachable_nodes", this, m -> m.reachable.size())
        .description("Nodes that answered this node's last probe over Raft")
        .register(registry);
    this.clientProperties = new RaftProperties(raft.server().getProperties());
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        clientProperties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    this.meta =
        new MetaClient(
            raft.server().getProperties(),
            raft.layout().meta().getGroupId(),
            () -> raft.layout().meta(),
            this::knownPeers);
    this.executor = Executors.newSingleThreadScheduledExecutor(daemon("minikv-shard-manager"));
    this.requests = Executors.newSingleThreadExecutor(daemon("minikv-shard-requests"));
  }

  private static Counter moves(MeterRegistry registry, String outcome) {
    return Counter.builder("minikv_cluster_replica_moves_total")
        .description("Replica moves the shard manager finished, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  public void start() {
    long ms = interval.toMillis();
    executor.scheduleWithFixedDelay(this::pass, 0, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * The nodes as the last pass knew them (empty before the first): the meta group's registry, plus
   * nodes Hazelcast discovered that have not registered yet; ordered by id.
   */
  public List<NodeInfo> nodes() {
    return known;
  }

  private List<NodeInfo> withDiscovered(List<NodeInfo> registered) {
    Map<String, NodeInfo> all = new java.util.TreeMap<>();
    try {
      for (NodeInfo n : ClusterMembership.nodesAsync(vertx).await(10, TimeUnit.SECONDS)) {
        all.put(n.nodeId(), n);
      }
    } catch (Exception e) {
      LOG.debug("discovered nodes unavailable: {}", e.toString());
    }
    for (NodeInfo n : registered) {
      all.put(n.nodeId(), n);
    }
    return List.copyOf(all.values());
  }

  /** Every node known, for finding the meta group when its recorded voters do not answer. */
  private List<RaftPeer> knownPeers() {
    List<RaftPeer> out = new ArrayList<>();
    for (NodeInfo n : withDiscovered(known)) {
      out.add(GroupLayout.peer(n.nodeId(), n.raftAddress(), 0));
    }
    return out;
  }

  /** The cluster settings in effect on this node. */
  public ClusterSettings clusterSettings() {
    return clusterSettings;
  }

  /** The cluster settings set in the meta group, as this node last read them. */
  public Map<String, String> settingOverrides() {
    return overrides;
  }

  private <T> T setting(io.minikv.config.ConfigKey<T> key) {
    return clusterSettings.get(key, overrides);
  }

  private void takeSettings(Map<String, String> set) {
    overrides = Map.copyOf(set);
    raft.setSnapshotCopyRate(setting(Config.CLUSTER_MOVE_RATE));
  }

  /**
   * Sets (or, for a null value, removes) cluster settings in the meta group; the values must have
   * been checked with {@link ClusterSettings#validate}. Completes with the settings then set.
   */
  public CompletableFuture<Map<String, String>> updateSettings(Map<String, String> changes) {
    CompletableFuture<Map<String, String>> f = new CompletableFuture<>();
    requests.execute(
        () -> {
          try {
            for (Map.Entry<String, String> c : changes.entrySet()) {
              meta.setting(c.getKey(), c.getValue());
            }
            takeSettings(meta.read().settings());
            f.complete(overrides);
          } catch (Exception | Error e) {
            f.completeExceptionally(e);
          }
        });
    return f;
  }

  /** Nodes that answered this node's last probe. */
  public Set<String> reachable() {
    return reachable;
  }

  /** What the coordinator is doing, or "idle"; on other nodes, who coordinates. */
  public String activity() {
    return activity;
  }

  private void pass() {
    try {
      List<NodeInfo> nodes = syncWithMeta();
      raft.dropRemovedReplicas();
      Map<String, Set<RaftGroupId>> hosting = probe(nodes);
      reachable = Set.copyOf(hosting.keySet());
      GroupLayout layout = raft.layout();
      String coordinator =
          hosting.keySet().stream()
              .filter(n -> !layout.decommissioned().contains(n))
              .min(Comparator.naturalOrder())
              .orElse(self);
      if (!coordinator.equals(self)) {
        coordinatingSince = -1;
        lastSeen.clear();
        activity = "coordinated by " + coordinator;
        return;
      }
      long now = System.nanoTime();
      if (coordinatingSince < 0) {
        coordinatingSince = now;
      }
      for (String n : hosting.keySet()) {
        lastSeen.put(n, now);
      }
      coordinate(nodes, hosting, now);
    } catch (Exception e) {
      LOG.warn("shard manager pass failed: {}", e.toString());
      activity = "last pass failed: " + e.getMessage();
    }
  }

  /**
   * Reads the meta group: takes its layout when newer than this node's, or writes this node's when
   * the meta group has none yet (the bootstrap plan) or an older one; registers this node when its
   * record there is missing or different. Returns the nodes known (see {@link #nodes}).
   */
  private List<NodeInfo> syncWithMeta() throws IOException {
    MetaState state = meta.read();
    GroupLayout held = state.layout();
    if (held == null || held.version() < raft.layout().version()) {
      meta.publish(raft.layout());
    } else {
      raft.updateLayout(held);
    }
    String mine = selfInfo.toJson();
    List<NodeInfo> nodes = new ArrayList<>();
    for (String json : state.nodes().values()) {
      nodes.add(NodeInfo.fromJson(json));
    }
    if (!mine.equals(state.nodes().get(self))) {
      meta.register(selfInfo);
      nodes.removeIf(n -> n.nodeId().equals(self));
      nodes.add(selfInfo);
    }
    known = withDiscovered(nodes);
    takeSettings(state.settings());
    return known;
  }

  /** The groups each reachable node holds a division of; unreachable nodes are absent. */
  private Map<String, Set<RaftGroupId>> probe(List<NodeInfo> nodes) {
    Map<String, Set<RaftGroupId>> out = new LinkedHashMap<>();
    RaftClient client = adminClient(nodes);
    for (NodeInfo n : nodes) {
      try {
        List<RaftGroupId> groups =
            client.getGroupManagementApi(RaftPeerId.valueOf(n.nodeId())).list().getGroupIds();
        out.put(n.nodeId(), new HashSet<>(groups));
      } catch (IOException | RuntimeException unreachable) {
        // absent from the result; a fresh client next pass, as gRPC backs off its reconnects
        adminPeers = List.of();
      }
    }
    return out;
  }

  /**
   * The client this pass asks the nodes for their groups and each leader for its configuration;
   * kept while the known nodes stay the same, because building one opens a gRPC channel per peer
   * and these questions are asked every pass. It is rebuilt after a node did not answer, so a
   * restarted node is not missed while gRPC backs off reconnecting to it.
   */
  private RaftClient adminClient(List<NodeInfo> nodes) {
    List<RaftPeer> peers = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    for (NodeInfo n : nodes) {
      peers.add(GroupLayout.peer(n.nodeId(), n.raftAddress(), 0));
      addresses.add(n.nodeId() + "@" + n.raftAddress());
    }
    if (adminClient == null || !addresses.equals(adminPeers)) {
      closeAdminClient();
      adminClient =
          client(raft.layout().groups().get(0).getGroupId(), peers, RetryPolicies.noRetry());
      adminPeers = addresses;
    }
    return adminClient;
  }

  private void closeAdminClient() {
    if (adminClient != null) {
      try {
        adminClient.close();
      } catch (IOException e) {
        LOG.debug("closing the admin client: {}", e.toString());
      }
      adminClient = null;
    }
  }

  private void coordinate(List<NodeInfo> nodes, Map<String, Set<RaftGroupId>> hosting, long now)
      throws Exception {
    Map<String, NodeInfo> byId = new LinkedHashMap<>();
    for (NodeInfo n : nodes) {
      byId.put(n.nodeId(), n);
    }
    GroupLayout layout = raft.layout();
    List<Conf> confs = new ArrayList<>();
    String waiting = null;
    for (RaftGroup g : layout.groups()) {
      Conf c = conf(g.getGroupId(), byId, hosting);
      if (c == null) {
        // Without its configuration the counts are incomplete: no move for balance this pass,
        // but other groups may still need a dead or decommissioned node's replica rebuilt.
        waiting = "waiting for a leader in group " + g.getGroupId().getUuid();
      } else {
        confs.add(c);
      }
    }
    Conf metaConf = conf(layout.meta().getGroupId(), byId, hosting);
    List<Conf> all = new ArrayList<>(confs);
    if (metaConf != null) {
      all.add(metaConf);
    }
    record(all);
    for (Conf c : all) {
      if (c.changing()) {
        activity = "waiting for a configuration change of group " + c.id().getUuid();
        return;
      }
    }
    if (tidy(all, byId, hosting)) {
      return;
    }
    Set<String> decommissioned = raft.layout().decommissioned();
    List<String> eligible = new ArrayList<>();
    for (String n : byId.keySet()) {
      if (hosting.containsKey(n) && !decommissioned.contains(n)) {
        eligible.add(n);
      }
    }
    Map<String, Integer> counts = new HashMap<>();
    for (String n : eligible) {
      counts.put(n, 0);
    }
    for (Conf c : confs) {
      for (RaftPeer p : c.voters()) {
        counts.computeIfPresent(p.getId().toString(), (k, v) -> v + 1);
      }
    }
    Comparator<String> fewest =
        Comparator.<String>comparingInt(counts::get).thenComparing(Comparator.naturalOrder());
    for (Conf c : all) {
      for (RaftPeer v : c.voters()) {
        String id = v.getId().toString();
        boolean dead =
            !hosting.containsKey(id)
                && now - lastSeen.getOrDefault(id, coordinatingSince)
                    > setting(Config.CLUSTER_DEAD_NODE_TIMEOUT).toNanos();
        if (!decommissioned.contains(id) && !dead) {
          continue;
        }
        String target = eligible.stream().filter(n -> !c.has(n)).min(fewest).orElse(null);
        if (target == null && c == metaConf && canShrink(c, id, hosting)) {
          // Every other node already holds a meta replica: the meta group shrinks instead.
          move(c, id, null, byId);
          return;
        }
        if (target == null) {
          waiting =
              "no node can take the replica of group " + c.id().getUuid() + " on " + id + " yet";
          continue;
        }
        move(c, id, byId.get(target), byId);
        return;
      }
    }
    if (waiting != null) {
      activity = waiting;
      return;
    }
    if (metaConf != null
        && metaConf.voters().size() < GroupLayout.metaVoters(eligible.size())
        && metaConf.voters().stream().allMatch(p -> hosting.containsKey(p.getId().toString()))) {
      String target = eligible.stream().filter(n -> !metaConf.has(n)).min(fewest).orElse(null);
      if (target != null) {
        move(metaConf, null, byId.get(target), byId);
        return;
      }
    }
    if (!setting(Config.CLUSTER_REBALANCE) || eligible.size() < 2) {
      activity = "idle";
      return;
    }
    String most = eligible.stream().max(fewest).orElseThrow();
    String least = eligible.stream().min(fewest).orElseThrow();
    if (counts.get(most) - counts.get(least) < 2) {
      balanceLeaders(confs, eligible);
      return;
    }
    // Prefer moving a group the loaded node is the preferred leader of: leadership follows.
    Conf pick = null;
    for (Conf c : confs) {
      if (c.voter(most) != null && !c.has(least)) {
        if (pick == null || c.voter(most).getPriority() > pick.voter(most).getPriority()) {
          pick = c;
        }
      }
    }
    if (pick != null) {
      move(pick, most, byId.get(least), byId);
    }
  }

  /**
   * True when {@code c} may drop voter {@code leaving}: a configuration change commits only with a
   * majority of the new voters too, so a majority of those left must be reachable — else the group
   * would be stuck mid-change until enough of them return.
   */
  private static boolean canShrink(Conf c, String leaving, Map<String, Set<RaftGroupId>> hosting) {
    int left = c.voters().size() - 1;
    long reachableLeft =
        c.voters().stream()
            .map(p -> p.getId().toString())
            .filter(n -> !n.equals(leaving) && hosting.containsKey(n))
            .count();
    return left >= 1 && reachableLeft > left / 2;
  }

  /**
   * The configuration of group {@code gid} as its leader reports it, or null without one; asked
   * through the client this pass's {@link #probe} made.
   */
  private Conf conf(
      RaftGroupId gid, Map<String, NodeInfo> byId, Map<String, Set<RaftGroupId>> hosting) {
    for (Map.Entry<String, Set<RaftGroupId>> e : hosting.entrySet()) {
      if (!e.getValue().contains(gid) || !byId.containsKey(e.getKey())) {
        continue;
      }
      GroupInfoReply info;
      try {
        info = adminClient.getGroupManagementApi(RaftPeerId.valueOf(e.getKey())).info(gid);
      } catch (IOException | RuntimeException unreachable) {
        continue;
      }
      if (info.getRoleInfoProto().getRole() != RaftPeerRole.LEADER || info.getConf().isEmpty()) {
        continue;
      }
      RaftConfigurationProto conf = info.getConf().get();
      return new Conf(
          gid,
          ProtoUtils.toRaftPeers(conf.getPeersList()),
          ProtoUtils.toRaftPeers(conf.getListenersList()),
          conf.getOldPeersCount() > 0 || conf.getOldListenersCount() > 0,
          e.getKey());
    }
    return null;
  }

  /** Records the voters the leaders reported in the layout and publishes it when it changed. */
  private void record(List<Conf> confs) throws Exception {
    GroupLayout next = raft.layout();
    GroupLayout base = next;
    for (Conf c : confs) {
      RaftGroup known = next.group(c.id());
      if (!sameVoters(known.getPeers(), c.voters())) {
        next = next.withGroup(RaftGroup.valueOf(c.id(), c.voters()));
      }
    }
    if (next != base) {
      publish(next);
    }
  }

  private static boolean sameVoters(java.util.Collection<RaftPeer> a, List<RaftPeer> b) {
    Map<String, String> x = new HashMap<>();
    for (RaftPeer p : a) {
      x.put(p.getId().toString(), p.getAddress() + "|" + p.getPriority());
    }
    Map<String, String> y = new HashMap<>();
    for (RaftPeer p : b) {
      y.put(p.getId().toString(), p.getAddress() + "|" + p.getPriority());
    }
    return x.equals(y);
  }

  /** Writes {@code next} to the meta group and takes it, unless a newer one was written. */
  private void publish(GroupLayout next) throws IOException {
    if (meta.publish(next)) {
      raft.updateLayout(next);
    }
  }

  /**
   * Removes what a failed or interrupted move left: listeners in a configuration, and replicas on
   * nodes that are not in their group's configuration. True if it changed anything.
   */
  private boolean tidy(
      List<Conf> confs, Map<String, NodeInfo> byId, Map<String, Set<RaftGroupId>> hosting)
      throws IOException {
    for (Conf c : confs) {
      if (!c.listeners().isEmpty()) {
        activity = "removing leftover listeners of group " + c.id().getUuid();
        setConfiguration(c, c.voters(), List.of());
        return true;
      }
    }
    boolean changed = false;
    for (Conf c : confs) {
      for (Map.Entry<String, Set<RaftGroupId>> e : hosting.entrySet()) {
        if (e.getValue().contains(c.id()) && !c.has(e.getKey())) {
          removeReplica(c.id(), byId.get(e.getKey()));
          changed = true;
        }
      }
    }
    return changed;
  }

  private void move(Conf c, String from, NodeInfo to, Map<String, NodeInfo> byId) throws Exception {
    try {
      moveReplica(c, from, to, byId.get(from));
      movesCompleted.increment();
    } catch (Exception e) {
      movesFailed.increment();
      throw e;
    }
  }

  /**
   * Moves {@code c}'s replica from node {@code from} to {@code to}; only adds one when {@code from}
   * is null, only removes one when {@code to} is null.
   */
  private void moveReplica(Conf c, String from, NodeInfo to, NodeInfo fromNode) throws Exception {
    String what =
        "group "
            + c.id().getUuid()
            + (from == null ? "" : " from " + from)
            + (to == null ? "" : " to " + to.nodeId());
    activity = "moving " + what;
    LOG.info("moving {}", what);
    RaftPeer old = from == null ? null : c.voter(from);
    List<RaftPeer> learner = to == null ? List.of() : List.of(addCaughtUpListener(c, to));
    if (from != null && from.equals(c.leader())) {
      handOverLeadership(c, from, learner);
    }
    List<RaftPeer> voters = new ArrayList<>();
    for (RaftPeer p : c.voters()) {
      if (!p.getId().toString().equals(from)) {
        voters.add(p);
      }
    }
    if (to != null) {
      voters.add(
          GroupLayout.peer(to.nodeId(), to.raftAddress(), old == null ? 0 : old.getPriority()));
    }
    setConfiguration(c, voters, List.of());
    record(List.of(new Conf(c.id(), voters, List.of(), false, c.leader())));
    if (from != null && reachable.contains(from)) {
      removeReplica(c.id(), fromNode);
    }
    LOG.info("moved {}", what);
    activity = "moved " + what;
  }

  /**
   * Adds group {@code c} on {@code to} as a listener and waits until it has applied what the leader
   * had committed when it was added; returns the listener.
   */
  private RaftPeer addCaughtUpListener(Conf c, NodeInfo to) throws Exception {
    snapshotOnLeader(c);
    RaftPeer learner =
        RaftPeer.newBuilder()
            .setId(to.nodeId())
            .setAddress(to.raftAddress())
            .setStartupRole(RaftPeerRole.LISTENER)
            .build();
    List<RaftPeer> start = new ArrayList<>(c.voters());
    start.add(learner);
    try (RaftClient client = client(c.id(), List.of(learner), RetryPolicies.noRetry())) {
      RaftClientReply added =
          client.getGroupManagementApi(learner.getId()).add(RaftGroup.valueOf(c.id(), start), true);
      if (!added.isSuccess()) {
        throw new IOException("adding the group on " + to.nodeId() + ": " + added.getException());
      }
    }
    setConfiguration(c, c.voters(), List.of(learner));
    long target = committedIndex(c);
    long deadline = System.nanoTime() + moveTimeout.toNanos();
    while (appliedIndex(c.id(), learner) < target) {
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "the replica on " + to.nodeId() + " did not catch up within " + moveTimeout);
      }
      Thread.sleep(200);
    }
    return learner;
  }

  /**
   * Has the group's leader take a snapshot (and purge its log behind it, less {@code [raft]
   * catch_up_entries}), so that a new replica copies the snapshot at the bounded move rate instead
   * of replaying a long log as fast as the leader can send it. Not fatal when refused.
   */
  private void snapshotOnLeader(Conf c) {
    RaftPeer leader = c.voter(c.leader());
    if (leader == null) {
      return;
    }
    try (RaftClient client = client(c.id(), List.of(leader), RetryPolicies.noRetry())) {
      RaftClientReply reply = client.getSnapshotManagementApi(leader.getId()).create(true, 60_000);
      if (!reply.isSuccess()) {
        LOG.info("snapshot before a move of group {}: {}", c.id().getUuid(), reply.getException());
      }
    } catch (IOException | RuntimeException e) {
      LOG.info("snapshot before a move of group {}: {}", c.id().getUuid(), e.toString());
    }
  }

  /**
   * Moves leadership off {@code from} before it is removed: a leader that removes itself leaves the
   * group without one for an election timeout, while a transfer (Ratis sends the heir TimeoutNow)
   * takes milliseconds. The heir also gets the highest priority for the moment, so that leadership
   * does not return to {@code from}; the swap that follows restores every priority.
   */
  private void handOverLeadership(Conf c, String from, List<RaftPeer> listeners)
      throws IOException, InterruptedException {
    RaftPeer heir = null;
    int top = 1;
    for (RaftPeer p : c.voters()) {
      top = Math.max(top, p.getPriority() + 1);
      boolean other = !p.getId().toString().equals(from);
      // A reachable heir if there is one: a dead one cannot take over.
      if (other && (heir == null || !isReachable(heir) && isReachable(p))) {
        heir = p;
      }
    }
    if (heir == null) {
      return;
    }
    List<RaftPeer> voters = new ArrayList<>();
    for (RaftPeer p : c.voters()) {
      int priority = p == heir ? top : p.getId().toString().equals(from) ? 0 : p.getPriority();
      voters.add(RaftPeer.newBuilder(p).setPriority(priority).build());
    }
    if (!lead(c, heir, voters, listeners)) {
      LOG.warn("{} kept the leadership of group {}", from, c.id().getUuid());
    }
  }

  /**
   * Evens out leadership once replicas are even: when one node leads two or more groups more than
   * another, a group led by the first in which the second is a voter makes the second its preferred
   * leader (top priority) and transfers leadership to it.
   */
  private void balanceLeaders(List<Conf> confs, List<String> eligible) throws Exception {
    Map<String, Integer> leads = new HashMap<>();
    for (String n : eligible) {
      leads.put(n, 0);
    }
    for (Conf c : confs) {
      leads.computeIfPresent(c.leader(), (k, v) -> v + 1);
    }
    Comparator<String> fewest =
        Comparator.<String>comparingInt(leads::get).thenComparing(Comparator.naturalOrder());
    String most = eligible.stream().max(fewest).orElseThrow();
    for (String least : eligible.stream().sorted(fewest).toList()) {
      if (leads.get(most) - leads.get(least) < 2) {
        break;
      }
      for (Conf c : confs) {
        if (most.equals(c.leader()) && c.voter(least) != null) {
          String what =
              "leadership of group " + c.id().getUuid() + " from " + most + " to " + least;
          activity = "moving " + what;
          LOG.info("moving {}", what);
          List<RaftPeer> voters = new ArrayList<>();
          for (RaftPeer p : c.voters()) {
            int priority = p.getId().toString().equals(least) ? 1 : 0;
            voters.add(RaftPeer.newBuilder(p).setPriority(priority).build());
          }
          lead(c, c.voter(least), voters, List.of());
          leaderTransfers.increment();
          record(List.of(new Conf(c.id(), voters, List.of(), false, least)));
          activity = "moved " + what;
          return;
        }
      }
    }
    activity = "idle";
  }

  /**
   * Sets the group's voters to {@code voters} (same members, new priorities) and transfers
   * leadership to {@code heir}; true once it leads (within 10 s).
   */
  private boolean lead(Conf c, RaftPeer heir, List<RaftPeer> voters, List<RaftPeer> listeners)
      throws IOException, InterruptedException {
    setConfiguration(c, voters, listeners);
    boolean failed = false;
    try (RaftClient client = client(c.id(), voters, RetryPolicies.noRetry())) {
      RaftClientReply reply = client.admin().transferLeadership(heir.getId(), 5000);
      if (!reply.isSuccess()) {
        LOG.info("leadership transfer to {}: {}", heir.getId(), reply.getException());
      }
    } catch (IOException | RuntimeException e) {
      LOG.info("leadership transfer to {}: {}", heir.getId(), e.toString());
      // Ratis ends a transfer it refused or that timed out itself; any other failure may leave it
      // pending (see stepDown).
      failed = !(e instanceof TransferLeadershipException);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (isLeader(c.id(), heir)) {
        return true;
      }
      Thread.sleep(50);
    }
    if (failed) {
      stepDown(c);
    }
    return false;
  }

  /**
   * Asks the group's leader to step down. Ratis 3.3.0 can fail a leadership transfer after it has
   * marked the transfer pending (the heir had no log appender at that moment: "initializer.get()
   * returns null"); that transfer never times out, and the leader refuses every write as "stepping
   * down" until a leader is elected again (found by bench/soak.py: the meta group's leader refused
   * writes for minutes). Stepping down brings that election.
   */
  private void stepDown(Conf c) {
    RaftPeer leader = c.voter(c.leader());
    if (leader == null) {
      return;
    }
    try (RaftClient client = client(c.id(), List.of(leader), RetryPolicies.noRetry())) {
      RaftClientReply reply = client.admin().transferLeadership(null, 5000);
      LOG.warn(
          "{} asked to step down as leader of group {} after a failed leadership transfer: {}",
          leader.getId(),
          c.id().getUuid(),
          reply.isSuccess() ? "done" : reply.getException());
    } catch (IOException | RuntimeException e) {
      LOG.warn("{} could not be asked to step down: {}", leader.getId(), e.toString());
    }
  }

  private boolean isReachable(RaftPeer p) {
    return reachable.contains(p.getId().toString());
  }

  private boolean isLeader(RaftGroupId gid, RaftPeer peer) {
    try {
      return info(gid, peer).getRoleInfoProto().getRole() == RaftPeerRole.LEADER;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** What {@code peer} reports of its replica of {@code gid}. */
  private GroupInfoReply info(RaftGroupId gid, RaftPeer peer) throws IOException {
    try (RaftClient client = client(gid, List.of(peer), RetryPolicies.noRetry())) {
      return client.getGroupManagementApi(peer.getId()).info(gid);
    }
  }

  private void setConfiguration(Conf c, List<RaftPeer> voters, List<RaftPeer> listeners)
      throws IOException {
    List<RaftPeer> all = new ArrayList<>(voters);
    all.addAll(listeners);
    all.addAll(c.voters());
    try (RaftClient client =
        client(
            c.id(),
            dedupe(all),
            RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                20, TimeDuration.valueOf(500, TimeUnit.MILLISECONDS)))) {
      RaftClientReply reply =
          client
              .admin()
              .setConfiguration(
                  SetConfigurationRequest.Arguments.newBuilder()
                      .setServersInNewConf(voters)
                      .setListenersInNewConf(listeners)
                      .build());
      if (!reply.isSuccess()) {
        throw new IOException(
            "configuration change of group " + c.id().getUuid() + ": " + reply.getException());
      }
    }
  }

  private static List<RaftPeer> dedupe(List<RaftPeer> peers) {
    Map<RaftPeerId, RaftPeer> out = new LinkedHashMap<>();
    for (RaftPeer p : peers) {
      out.putIfAbsent(p.getId(), p);
    }
    return new ArrayList<>(out.values());
  }

  private long committedIndex(Conf c) throws IOException {
    return info(c.id(), c.voter(c.leader())).getLogInfoProto().getCommitted().getIndex();
  }

  private long appliedIndex(RaftGroupId gid, RaftPeer peer) {
    try {
      return info(gid, peer).getLogInfoProto().getApplied().getIndex();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private void removeReplica(RaftGroupId gid, NodeInfo node) throws IOException {
    if (node == null) {
      return;
    }
    LOG.info("removing the replica of group {} from {}", gid.getUuid(), node.nodeId());
    RaftPeer peer = GroupLayout.peer(node.nodeId(), node.raftAddress(), 0);
    try (RaftClient client = client(gid, List.of(peer), RetryPolicies.noRetry())) {
      RaftClientReply reply = client.getGroupManagementApi(peer.getId()).remove(gid, true, false);
      if (!reply.isSuccess()) {
        throw new IOException(
            "removing group " + gid.getUuid() + " from " + node.nodeId() + ": " + reply);
      }
    }
  }

  private RaftClient client(RaftGroupId gid, List<RaftPeer> peers, RetryPolicy retry) {
    return RaftClient.newBuilder()
        .setProperties(clientProperties)
        .setRaftGroup(RaftGroup.valueOf(gid, peers))
        .setClientId(ClientId.randomId())
        .setRetryPolicy(retry)
        .build();
  }

  /**
   * Marks {@code nodeId} for decommissioning in the published layout; the coordinator then moves
   * its replicas away.
   */
  public CompletableFuture<GroupLayout> decommission(String nodeId) {
    CompletableFuture<GroupLayout> f = new CompletableFuture<>();
    // Not on the pass thread, which may be busy with a long move; not on a Vert.x thread either,
    // where the blocking map calls are refused.
    requests.execute(
        () -> {
          try {
            f.complete(markDecommissioned(nodeId));
          } catch (Exception | Error e) {
            f.completeExceptionally(e);
          }
        });
    return f;
  }

  private GroupLayout markDecommissioned(String nodeId) throws Exception {
    while (true) {
      GroupLayout base = raft.layout();
      GroupLayout held = meta.read().layout();
      if (held != null && held.version() > base.version()) {
        base = held;
      }
      if (base.decommissioned().contains(nodeId)) {
        return base;
      }
      GroupLayout next = base.withDecommissioned(nodeId);
      if (meta.publish(next)) {
        raft.updateLayout(next);
        return next;
      }
    }
  }

  @Override
  public void close() {
    requests.shutdownNow();
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeAdminClient();
    meta.close();
  }
}
