package io.minikv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.Http;
import io.minikv.testing.MiniCluster;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three nodes in one JVM: any node serves any request, and the group survives losing a node. */
class ClusterTest {
  @TempDir Path dir;

  @Test
  void anyNodeServesWritesAndReadsAndTheGroupSurvivesLosingANode() throws Exception {
    try (MiniCluster c = MiniCluster.start(dir, 3)) {
      for (int i = 0; i < 3; i++) {
        var put = c.http(i).put("/kv/k" + i, "v" + i);
        assertEquals(201, put.statusCode(), Http.text(put));
      }
      for (int reader = 0; reader < 3; reader++) {
        for (int i = 0; i < 3; i++) {
          assertEquals("v" + i, Http.text(c.http(reader).get("/kv/k" + i)));
        }
      }
      int leader = c.leader();
      assertTrue(leader >= 0);
      for (int i = 0; i < 3; i++) {
        var view = Http.json(c.http(i).get("/admin/cluster"));
        assertEquals("cluster", view.getString("mode"));
        assertEquals(3, view.getJsonArray("nodes").size());
        var group = view.getJsonArray("groups").getJsonObject(0);
        assertEquals(3, group.getJsonArray("members").size());
        assertEquals("node-" + (leader + 1), group.getString("leader"));
      }
      assertGroupsSpreadAndScansMerge(c);
      String metrics = Http.text(c.http(leader).get("/metrics"));
      assertTrue(metrics.contains("minikv_raft_leader{group="), metrics);
      c.stop(leader);
      int survivor = (leader + 1) % 3;
      int other = (leader + 2) % 3;
      long t0 = System.currentTimeMillis();
      var after = c.http(survivor).putWithin("/kv/after", "failover", 15_000);
      assertEquals(201, after.statusCode(), Http.text(after));
      System.out.println(
          "first write after stopping the leader: " + (System.currentTimeMillis() - t0) + " ms");
      assertEquals("failover", Http.text(c.http(other).get("/kv/after")));

      c.restart(leader);
      assertEquals("failover", Http.text(c.http(leader).get("/kv/after")));
      assertEquals("v0", Http.text(c.http(leader).get("/kv/k0")));
      var s3 = c.http(other).put("/s3/bucket/key", "x");
      assertEquals(501, s3.statusCode());
    }
  }

  /**
   * Three data groups over contiguous vshard ranges, one led by each node (Ratis hands leadership
   * to each group's preferred voter); a paged scan merges the groups in key order; a batch whose
   * keys fall in two groups is refused whole.
   */
  private static void assertGroupsSpreadAndScansMerge(MiniCluster c) throws Exception {
    var view = Http.json(c.http(0).get("/admin/cluster"));
    assertEquals(3, view.getJsonArray("groups").size());
    var ranges = view.getJsonObject("vshards").getJsonArray("ranges");
    assertEquals(3, ranges.size());
    assertEquals(0, ranges.getJsonObject(0).getInteger("from"));
    assertEquals(255, ranges.getJsonObject(2).getInteger("to"));
    long deadline = System.currentTimeMillis() + 20_000;
    java.util.Set<Integer> leaders = new java.util.HashSet<>();
    while (System.currentTimeMillis() < deadline) {
      leaders.clear();
      for (int g = 0; g < 3; g++) {
        leaders.add(c.leader(g));
      }
      if (leaders.equals(java.util.Set.of(0, 1, 2))) {
        break;
      }
      Thread.sleep(200);
    }
    assertEquals(java.util.Set.of(0, 1, 2), leaders, "each node leads one data group");

    java.util.List<String> expected = new java.util.ArrayList<>();
    java.util.Set<Integer> groupsHit = new java.util.HashSet<>();
    for (int i = 0; i < 40; i++) {
      String key = String.format("scan-%02d", i);
      expected.add(key);
      groupsHit.add(
          io.minikv.kv.KvGroups.indexOf(
              io.minikv.kv.VShards.ofKv("default", key.getBytes(StandardCharsets.UTF_8)), 3));
      assertEquals(201, c.http(i % 3).put("/kv/" + key, "v" + i).statusCode());
    }
    assertEquals(3, groupsHit.size(), "the keys cover every group");
    java.util.List<String> seen = new java.util.ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      var page =
          Http.json(
              c.http(pages % 3)
                  .get("/kv?prefix=scan-&limit=7" + (cursor == null ? "" : "&cursor=" + cursor)));
      var items = page.getJsonArray("items");
      for (int i = 0; i < items.size(); i++) {
        seen.add(items.getJsonObject(i).getString("key"));
      }
      cursor = page.getBoolean("more") ? page.getString("cursor") : null;
      pages++;
    } while (cursor != null && pages < 20);
    assertEquals(expected, seen);
    assertEquals(6, pages);
    assertEquals(
        40L,
        Http.json(c.http(1).get("/kv?prefix=scan-&count_only=true")).getLong("count"),
        "count over every group");

    String a = null;
    String b = null;
    for (int i = 0; b == null; i++) {
      String key = "txn-" + i;
      int g =
          io.minikv.kv.KvGroups.indexOf(
              io.minikv.kv.VShards.ofKv("default", key.getBytes(StandardCharsets.UTF_8)), 3);
      if (g == 0 && a == null) {
        a = key;
      } else if (g == 1) {
        b = key;
      }
    }
    var ops =
        new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("op", "put").put("key", a).put("value", "eA=="))
            .add(new JsonObject().put("op", "put").put("key", b).put("value", "eQ=="));
    var refused = c.http(2).postJson("/kv/_batch", new JsonObject().put("ops", ops));
    assertEquals(501, refused.statusCode(), Http.text(refused));
    var error = Http.json(refused);
    assertEquals("not_implemented", error.getString("error"));
    assertEquals("cross_group_transactions", error.getString("feature"));
    assertEquals(404, c.http(0).get("/kv/" + a).statusCode(), "nothing applied");
  }
}
