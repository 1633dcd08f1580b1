package io.minikv.admin;

import io.minikv.cluster.NodeInfo;
import io.minikv.kv.KvGroups;
import io.minikv.kv.VShards;
import io.minikv.raft.GroupReplica;
import io.minikv.raft.GroupStatus;
import io.minikv.raft.RaftNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET /admin/cluster}: the nodes that joined, each group with its voters, leader, term and
 * this node's commit/apply progress, and the vshard map.
 */
public final class ClusterView {
  private final String nodeId;
  private final boolean clustered;
  private final Supplier<Future<List<NodeInfo>>> nodes;
  private final RaftNode raft;

  public ClusterView(
      String nodeId, boolean clustered, Supplier<Future<List<NodeInfo>>> nodes, RaftNode raft) {
    this.nodeId = nodeId;
    this.clustered = clustered;
    this.nodes = nodes;
    this.raft = raft;
  }

  public Future<JsonObject> describe() {
    return nodes.get().map(this::render);
  }

  private JsonObject render(List<NodeInfo> all) {
    JsonArray nodeList = new JsonArray();
    for (NodeInfo n : all) {
      nodeList.add(
          new JsonObject()
              .put("id", n.nodeId())
              .put("raft", n.raftAddress())
              .put("http", n.httpAddress())
              .put("s3", n.s3Address())
              .put("region", n.region())
              .put("zone", n.zone()));
    }
    JsonArray groups = new JsonArray();
    JsonArray ranges = new JsonArray();
    List<GroupReplica> hosted = raft.groups();
    for (int i = 0; i < hosted.size(); i++) {
      GroupStatus g = hosted.get(i).status();
      JsonArray members = new JsonArray();
      for (GroupStatus.Member m : g.members()) {
        members.add(new JsonObject().put("id", m.id()).put("address", m.address()));
      }
      groups.add(
          new JsonObject()
              .put("id", g.groupId())
              .put("members", members)
              .put("leader", g.leaderId())
              .put("term", g.term())
              .put("role", g.role())
              .put("commit_index", g.commitIndex())
              .put("applied_index", g.appliedIndex())
              .put("lag", g.lag()));
      ranges.add(
          new JsonObject()
              .put("from", KvGroups.firstVShard(i, hosted.size()))
              .put("to", KvGroups.firstVShard(i + 1, hosted.size()) - 1)
              .put("group", g.groupId()));
    }
    JsonObject vshards = new JsonObject().put("count", VShards.COUNT).put("ranges", ranges);
    return new JsonObject()
        .put("mode", clustered ? "cluster" : "single")
        .put("node", nodeId)
        .put("nodes", nodeList)
        .put("groups", groups)
        .put("vshards", vshards);
  }
}
