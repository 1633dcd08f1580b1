package io.minikv.admin;

import io.minikv.cluster.NodeInfo;
import io.minikv.kv.KvGroups;
import io.minikv.kv.VShards;
import io.minikv.raft.DataGroup;
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
    return new JsonObject()
        .put("mode", clustered ? "cluster" : "single")
        .put("node", nodeId)
        .put("nodes", nodeList)
        .put("groups", groups)
        .put("vshards", vshards);
  }
}
