package io.minikv.cluster;

import io.vertx.core.json.JsonObject;

/** What a node advertises to the others: its id, addresses and placement labels. */
public record NodeInfo(
    String nodeId,
    String raftAddress,
    String httpAddress,
    String s3Address,
    String region,
    String zone) {

  public String toJson() {
    return new JsonObject()
        .put("node_id", nodeId)
        .put("raft", raftAddress)
        .put("http", httpAddress)
        .put("s3", s3Address)
        .put("region", region)
        .put("zone", zone)
        .encode();
  }

  public static NodeInfo fromJson(String json) {
    JsonObject o = new JsonObject(json);
    return new NodeInfo(
        o.getString("node_id"),
        o.getString("raft"),
        o.getString("http"),
        o.getString("s3"),
        o.getString("region", ""),
        o.getString("zone", ""));
  }
}
