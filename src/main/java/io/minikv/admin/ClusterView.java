package io.minikv.admin;

import io.minikv.cluster.NodeInfo;
import io.minikv.kv.VShards;
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
    GroupStatus g = raft.status();
    JsonArray members = new JsonArray();
    for (GroupStatus.Member m : g.members()) {
      members.add(new JsonObject().put("id", m.id()).put("address", m.address()));
    }
    JsonObject group =
        new JsonObject()
            .put("id", g.groupId())
            .put("members", members)
            .put("leader", g.leaderId())
            .put("term", g.term())
            .put("role", g.role())
            .put("commit_index", g.commitIndex())
            .put("applied_index", g.appliedIndex())
            .put("lag", g.lag());
    JsonObject vshards =
        new JsonObject()
            .put("count", VShards.COUNT)
            .put(
                "ranges",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("from", 0)
                            .put("to", VShards.COUNT - 1)
                            .put("group", g.groupId())));
    return new JsonObject()
        .put("mode", clustered ? "cluster" : "single")
        .put("node", nodeId)
        .put("nodes", nodeList)
        .put("groups", new JsonArray().add(group))
        .put("vshards", vshards);
  }
}
