package io.minikv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.Http;
import io.minikv.testing.MiniCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The meta group holds the layout and the node registry: it starts on the bootstrap nodes, grows to
 * five voters as nodes join, keeps accepting changes with two of its five voters down, a voter that
 * restarts recovers what it holds (from its snapshot and log) and serves it again, and a
 * decommissioned voter that no other node can replace is dropped once that is safe.
 */
class MetaGroupTest {
  @TempDir Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void theMetaGroupGrowsWithTheClusterAndKeepsItsStateThroughFailures() throws Exception {
    try (MiniCluster c =
        MiniCluster.startFirst(
            dir,
            5,
            3,
            "--cluster.bootstrap_expect=3",
            "--cluster.rebalance_interval=300ms",
            // Data replicas stay on nodes 1-3, so that stopping 4 and 5 leaves every data group
            // its quorum; the meta group grows all the same.
            "--cluster.rebalance=false",
            "--raft.snapshot_interval=4")) {
      JsonObject first =
          MiniCluster.awaitView(
              c.http(2), v -> nodes(v).size() == 3, "three nodes registered in the meta group");
      assertEquals(List.of("node-1", "node-2", "node-3"), metaVoters(first));

      c.restart(3);
      c.restart(4);
      for (int i = 0; i < 5; i++) {
        MiniCluster.awaitView(
            c.http(i),
            v -> metaVoters(v).size() == 5 && nodes(v).size() == 5,
            "node-" + (i + 1) + " sees five meta voters and five registered nodes");
      }
      for (int i = 0; i < 5; i++) {
        assertTrue(
            hostedGroups(c, i).contains(metaId(first)),
            "node-" + (i + 1) + " holds a meta replica");
      }

      // Two of five meta voters down: the other three still accept a change.
      c.stop(3);
      c.stop(4);
      var accepted = c.http(0).send("POST", "/admin/nodes/node-3/decommission", new byte[0]);
      assertEquals(202, accepted.statusCode(), Http.text(accepted));
      JsonObject marked =
          MiniCluster.awaitView(
              c.http(1), v -> state(v, "node-3").equals("decommissioning"), "node-2 sees the mark");
      long version = marked.getLong("layout_version");
      // Dropping node-3 from the meta group now would need three of {1, 2, 4, 5}: it waits.
      JsonObject waiting =
          MiniCluster.awaitView(
              c.http(0),
              v ->
                  v.getString("shard_manager")
                      .equals(
                          "no node can take the replica of group "
                              + metaId(first)
                              + " on node-3 yet"),
              "the coordinator keeps node-3 in the meta group while nodes 4 and 5 are down");
      assertEquals(5, metaVoters(waiting).size());

      // With node-1 stopped too, only two of five meta voters run: no quorum until node-1 is back
      // with the meta state it recovers from its own snapshot and log.
      c.stop(0);
      c.restart(0);
      JsonObject recovered =
          MiniCluster.awaitView(
              c.http(0),
              v -> v.getLong("layout_version") >= version && nodes(v).size() == 5,
              "node-1 restarted holds the meta group's layout again");
      assertEquals("decommissioning", state(recovered, "node-3"));
      try (var files =
          Files.list(dir.resolve("node-1/raft").resolve(metaId(first)).resolve("sm"))) {
        assertTrue(
            files.anyMatch(f -> f.getFileName().toString().startsWith("snapshot.")),
            "node-1 wrote a meta snapshot");
      }

      // Nodes 4 and 5 back: node-3's data replicas move to them, and with every node already a
      // meta voter the meta group drops node-3 instead of replacing it.
      c.restart(3);
      c.restart(4);
      MiniCluster.awaitView(
          c.http(1),
          v ->
              state(v, "node-3").equals("decommissioned")
                  && metaVoters(v).equals(List.of("node-1", "node-2", "node-4", "node-5")),
          "node-3 holds no replica and left the meta group");
      var put = c.http(2).put("/kv/after", "meta-shrunk");
      assertEquals(201, put.statusCode(), Http.text(put));
      assertTrue(recovered.getJsonObject("meta").getJsonArray("voters").contains("node-1"));
    }
  }

  private static List<String> metaVoters(JsonObject view) {
    List<String> out = new ArrayList<>();
    view.getJsonObject("meta").getJsonArray("voters").forEach(v -> out.add((String) v));
    out.sort(null);
    return out;
  }

  private static List<String> hostedGroups(MiniCluster c, int node) {
    List<String> out = new ArrayList<>();
    c.node(node).raft().server().getGroupIds().forEach(g -> out.add(g.getUuid().toString()));
    return out;
  }

  private static String metaId(JsonObject view) {
    return view.getJsonObject("meta").getString("id");
  }

  private static List<String> nodes(JsonObject view) {
    List<String> out = new ArrayList<>();
    JsonArray all = view.getJsonArray("nodes");
    for (int i = 0; i < all.size(); i++) {
      out.add(all.getJsonObject(i).getString("id"));
    }
    return out;
  }

  private static String state(JsonObject view, String node) {
    JsonArray all = view.getJsonArray("nodes");
    for (int i = 0; i < all.size(); i++) {
      if (all.getJsonObject(i).getString("id").equals(node)) {
        return all.getJsonObject(i).getString("state");
      }
    }
    return "absent";
  }
}
