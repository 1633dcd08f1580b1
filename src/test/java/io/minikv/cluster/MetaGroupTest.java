package io.minikv.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
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
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The meta group holds the layout and the node registry: it starts on the bootstrap nodes, grows to
 * five voters as nodes join, keeps accepting changes with two of its five voters down, a voter that
 * restarts recovers what it holds (from its snapshot and log) and serves it again, and a
 * decommissioned voter that no other node can replace is dropped once that is safe. Cluster
 * settings set through the admin API are held there too: every node applies them, bad ones are
 * refused with a code naming the problem, and they survive a restart.
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

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void clusterSettingsAreSetOnceForEveryNodeAndSurviveRestarts() throws Exception {
    try (MiniCluster c = MiniCluster.start(dir, 3, "--cluster.rebalance_interval=300ms")) {
      JsonObject before = Http.json(c.http(0).get("/admin/cluster/settings"));
      assertEquals(true, before.getJsonObject("settings").getBoolean("rebalance"));
      assertEquals(64L << 20, before.getJsonObject("settings").getLong("move_rate"));
      assertEquals("5m", before.getJsonObject("settings").getString("dead_node_timeout"));
      assertTrue(before.getJsonObject("set").isEmpty());

      var set =
          c.http(1)
              .send(
                  "PUT",
                  "/admin/cluster/settings",
                  "{\"move_rate\":\"8MiB\",\"rebalance\":false}".getBytes(UTF_8));
      assertEquals(200, set.statusCode(), Http.text(set));
      assertEquals(8L << 20, Http.json(set).getJsonObject("settings").getLong("move_rate"));
      for (int i = 0; i < 3; i++) {
        awaitSettings(
            c.http(i), s -> s.getLong("move_rate") == (8L << 20) && !s.getBoolean("rebalance"));
      }

      assertError(c, "{\"replication_factor\":5}", "unknown_setting");
      assertError(c, "{\"move_rate\":\"fast\"}", "invalid_setting");
      assertError(c, "{\"dead_node_timeout\":\"0s\"}", "invalid_setting");
      assertError(c, "{}", "invalid_request");
      assertError(c, "[1]", "invalid_json");

      var unset =
          c.http(2).send("PUT", "/admin/cluster/settings", "{\"rebalance\":null}".getBytes(UTF_8));
      assertEquals(200, unset.statusCode(), Http.text(unset));
      assertEquals(
          new JsonObject().put("move_rate", "8MiB"), Http.json(unset).getJsonObject("set"));

      c.stop(0);
      c.restart(0);
      awaitSettings(
          c.http(0), s -> s.getLong("move_rate") == (8L << 20) && s.getBoolean("rebalance"));
    }
  }

  private static void awaitSettings(Http http, Predicate<JsonObject> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      last = Http.json(http.get("/admin/cluster/settings")).getJsonObject("settings");
      if (done.test(last)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("settings on " + http.base() + " never matched; last: " + last);
  }

  private static void assertError(MiniCluster c, String body, String code) {
    var r = c.http(0).send("PUT", "/admin/cluster/settings", body.getBytes(UTF_8));
    assertEquals(400, r.statusCode(), Http.text(r));
    assertEquals(code, Http.json(r).getString("error"), Http.text(r));
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
