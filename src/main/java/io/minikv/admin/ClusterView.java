package io.minikv.admin;

import io.minikv.api.ApiError;
import io.minikv.cluster.ClusterSettings;
import io.minikv.cluster.NodeInfo;
import io.minikv.cluster.ShardManager;
import io.minikv.config.ConfigException;
import io.minikv.kv.KvGroups;
import io.minikv.kv.VShards;
import io.minikv.raft.DataGroup;
import io.minikv.raft.GroupLayout;
import io.minikv.raft.GroupStatus;
import io.minikv.raft.RaftNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /admin/cluster}: the nodes that joined (with their state, replica count and whether
 * they are meta voters), each data group with its voters, leader, term and this node's commit/apply
 * progress, the meta group's voters, the layout version and the vshard map; and {@code POST
 * /admin/nodes/{id}/decommission}.
 */
public final class ClusterView {
  private final String nodeId;
  private final ShardManager shards;
  private final Supplier<Future<List<NodeInfo>>> nodes;
  private final RaftNode raft;

  /** {@code shards} is null on a single node. */
  public ClusterView(
      String nodeId, ShardManager shards, Supplier<Future<List<NodeInfo>>> nodes, RaftNode raft) {
    this.nodeId = nodeId;
    this.shards = shards;
    this.nodes = nodes;
    this.raft = raft;
  }

  public Future<JsonObject> describe() {
    return nodes.get().map(this::render);
  }

  /**
   * Marks node {@code id} for decommissioning: the shard manager moves its replicas to other nodes,
   * after which it holds none and may be stopped. Fails when the node is unknown or the others
   * could not hold every group's replicas.
   */
  public Future<JsonObject> decommission(Vertx vertx, String id) {
    if (shards == null) {
      return Future.failedFuture(
          new ApiError(409, "not_a_cluster", "a single node cannot be decommissioned"));
    }
    return nodes
        .get()
        .compose(
            all -> {
              if (all.stream().noneMatch(n -> n.nodeId().equals(id))) {
                return Future.failedFuture(
                    new ApiError(404, "node_not_found", "no node '" + id + "' in this cluster"));
              }
              GroupLayout layout = raft.layout();
              int rf = 0;
              for (var g : layout.groups()) {
                rf = Math.max(rf, g.getPeers().size());
              }
              long remaining =
                  all.stream()
                      .filter(n -> !n.nodeId().equals(id))
                      .filter(n -> !layout.decommissioned().contains(n.nodeId()))
                      .count();
              if (!layout.decommissioned().contains(id) && remaining < rf) {
                return Future.failedFuture(
                    new ApiError(
                        409,
                        "insufficient_nodes",
                        "decommissioning "
                            + id
                            + " would leave "
                            + remaining
                            + " node(s) for groups of "
                            + rf
                            + " replicas; add a node first"));
              }
              return Future.fromCompletionStage(
                  shards.decommission(id), vertx.getOrCreateContext());
            })
        .map(
            layout ->
                new JsonObject()
                    .put("node", id)
                    .put("state", state(layout, id))
                    .put("replicas", layout.replicasOf(id)));
  }

  /** {@code GET /admin/cluster/settings}: the runtime settings in effect and those set. */
  public Future<JsonObject> settings() {
    if (shards == null) {
      return Future.failedFuture(notACluster());
    }
    return Future.succeededFuture(shards.clusterSettings().describe(shards.settingOverrides()));
  }

  /**
   * {@code PUT /admin/cluster/settings}: sets the runtime settings named in {@code body} for the
   * whole cluster (a JSON null removes one, so each node's configuration applies again).
   */
  public Future<JsonObject> updateSettings(Vertx vertx, JsonObject body) {
    if (shards == null) {
      return Future.failedFuture(notACluster());
    }
    Map<String, String> changes = new LinkedHashMap<>();
    for (String name : body.fieldNames()) {
      if (ClusterSettings.key(name) == null) {
        return Future.failedFuture(
            ApiError.badRequest(
                "unknown_setting",
                "'"
                    + name
                    + "' cannot be set at run time; these can: "
                    + ClusterSettings.RUNTIME.stream().map(k -> k.name()).toList()));
      }
      Object value = body.getValue(name);
      try {
        changes.put(name, value == null ? null : ClusterSettings.validate(name, value.toString()));
      } catch (ConfigException e) {
        return Future.failedFuture(ApiError.badRequest("invalid_setting", e.getMessage()));
      }
    }
    if (changes.isEmpty()) {
      return Future.failedFuture(
          ApiError.badRequest("invalid_request", "the body names no setting to change"));
    }
    return Future.fromCompletionStage(shards.updateSettings(changes), vertx.getOrCreateContext())
        .map(set -> shards.clusterSettings().describe(set));
  }

  private static ApiError notACluster() {
    return new ApiError(409, "not_a_cluster", "cluster settings exist only on a cluster");
  }

  private static String state(GroupLayout layout, String id) {
    if (!layout.decommissioned().contains(id)) {
      return "active";
    }
    return layout.replicasOf(id) == 0 && !layout.holdsMeta(id)
        ? "decommissioned"
        : "decommissioning";
  }

  private JsonObject render(List<NodeInfo> all) {
    JsonArray nodeList = new JsonArray();
    GroupLayout layout = raft.layout();
    for (NodeInfo n : all) {
      nodeList.add(
          new JsonObject()
              .put("id", n.nodeId())
              .put("state", state(layout, n.nodeId()))
              .put("reachable", shards == null || shards.reachable().contains(n.nodeId()))
              .put("replicas", shards == null ? 1 : layout.replicasOf(n.nodeId()))
              .put("meta", layout.holdsMeta(n.nodeId()))
              .put("raft", n.raftAddress())
              .put("http", n.httpAddress())
              .put("s3", n.s3Address())
              .put("region", n.region())
              .put("zone", n.zone()));
    }
    JsonArray groups = new JsonArray();
    JsonArray ranges = new JsonArray();
    List<DataGroup> dataGroups = raft.dataGroups();
    for (int i = 0; i < dataGroups.size(); i++) {
      DataGroup d = dataGroups.get(i);
      JsonObject group;
      if (d.hosted()) {
        GroupStatus g = d.replica().status();
        JsonArray members = new JsonArray();
        for (GroupStatus.Member m : g.members()) {
          members.add(new JsonObject().put("id", m.id()).put("address", m.address()));
        }
        group =
            new JsonObject()
                .put("id", g.groupId())
                .put("hosted", true)
                .put("members", members)
                .put("leader", g.leaderId())
                .put("term", g.term())
                .put("role", g.role())
                .put("commit_index", g.commitIndex())
                .put("applied_index", g.appliedIndex())
                .put("lag", g.lag());
      } else {
        // This node holds no replica: what it knows is the planned voters.
        JsonArray members = new JsonArray();
        for (String id : d.voters()) {
          members.add(new JsonObject().put("id", id));
        }
        group =
            new JsonObject()
                .put("id", d.id())
                .put("hosted", false)
                .put("members", members)
                .put("role", "none");
      }
      groups.add(group);
      ranges.add(
          new JsonObject()
              .put("from", KvGroups.firstVShard(i, dataGroups.size()))
              .put("to", KvGroups.firstVShard(i + 1, dataGroups.size()) - 1)
              .put("group", d.id()));
    }
    JsonObject vshards = new JsonObject().put("count", VShards.COUNT).put("ranges", ranges);
    JsonObject out =
        new JsonObject().put("mode", shards != null ? "cluster" : "single").put("node", nodeId);
    if (shards != null) {
      out.put("layout_version", layout.version()).put("shard_manager", shards.activity());
      JsonArray voters = new JsonArray();
      layout.meta().getPeers().forEach(p -> voters.add(p.getId().toString()));
      out.put(
          "meta",
          new JsonObject()
              .put("id", layout.meta().getGroupId().getUuid().toString())
              .put("voters", voters));
    }
    return out.put("nodes", nodeList).put("groups", groups).put("vshards", vshards);
  }
}
