package io.minikv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.Http;
import io.minikv.testing.MiniCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five nodes, five data groups of three replicas: every node holds three groups and serves the
 * other two through their leaders (writes, linearizable and serializable reads, merged scans).
 */
class FiveNodeClusterTest {
  private static final int KEYS = 60;

  @TempDir Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void everyNodeServesGroupsItHoldsNoReplicaOf() throws Exception {
    try (MiniCluster c = MiniCluster.start(dir, 5, "--raft.leader_wait=40s")) {
      JsonObject view = Http.json(c.http(0).get("/admin/cluster"));
      JsonArray groups = view.getJsonArray("groups");
      assertEquals(5, groups.size(), view.encodePrettily());
      int hosted = 0;
      for (int g = 0; g < groups.size(); g++) {
        assertEquals(3, groups.getJsonObject(g).getJsonArray("members").size());
        hosted += groups.getJsonObject(g).getBoolean("hosted") ? 1 : 0;
      }
      assertEquals(3, hosted, "node-1 holds three of the five groups");
      for (int g = 0; g < 5; g++) {
        assertTrue(c.leader(g) >= 0, "group " + g + " has a leader");
      }

      for (int k = 0; k < KEYS; k++) {
        var put = c.http(k % 5).put("/kv/key-" + k, "value-" + k);
        assertEquals(201, put.statusCode(), Http.text(put));
      }
      for (int n = 0; n < 5; n++) {
        for (int k = 0; k < KEYS; k += 7) {
          assertEquals("value-" + k, Http.text(c.http(n).get("/kv/key-" + k)), "node " + n);
          var serializable = c.http(n).get("/kv/key-" + k + "?consistency=serializable");
          assertTrue(
              serializable.statusCode() == 200 || serializable.statusCode() == 404,
              Http.text(serializable));
        }
        assertEquals(KEYS, scanAll(c.http(n), 25).size(), "node " + n + " scans every group");
        JsonObject count = Http.json(c.http(n).get("/kv?prefix=key-&count_only=true"));
        assertEquals(KEYS, count.getLong("count").intValue());
      }

      // A delete through every node, each of which lacks a replica of some keys' groups.
      for (int n = 0; n < 5; n++) {
        assertEquals(200, c.http(n).delete("/kv/key-" + n).statusCode());
        for (int m = 0; m < 5; m++) {
          assertEquals(404, c.http(m).get("/kv/key-" + n).statusCode());
        }
      }

      // A group down to one live replica has no leader, and that replica refuses ReadIndex
      // requests. A read of it through a node without a replica waits for a leader (up to
      // raft.leader_wait: restarting a node here takes longer than the default 5 s) instead of
      // failing, and is answered once a second replica is back.
      int lone = 0;
      while (c.node(0).raft().dataGroups().get(lone).hosted()) {
        lone++;
      }
      List<Integer> members = new ArrayList<>();
      for (String voter : c.node(0).raft().dataGroups().get(lone).voters()) {
        members.add(MiniCluster.index(voter));
      }
      c.stop(members.get(0));
      c.stop(members.get(1));
      CompletableFuture<List<String>> reads =
          CompletableFuture.supplyAsync(
              () -> {
                List<String> refused = new ArrayList<>();
                for (int k = 5; k < KEYS; k++) {
                  var get = c.http(0).get("/kv/key-" + k);
                  if (get.statusCode() != 200) {
                    refused.add("key-" + k + ": " + Http.text(get));
                  }
                }
                return refused;
              });
      Thread.sleep(1000);
      c.restart(members.get(1));
      assertEquals(List.of(), reads.get(60, TimeUnit.SECONDS));
      c.restart(members.get(0));

      // One node down: every group keeps two of its three replicas and stays writable.
      c.stop(4);
      for (int k = 0; k < 20; k++) {
        var put = c.http(k % 4).putWithin("/kv/after-" + k, "v", 15_000);
        assertTrue(put != null && put.statusCode() / 100 == 2, "after-" + k);
      }
      assertEquals(KEYS - 5 + 20, scanAll(c.http(0), 1000).size());
    }
  }

  private static List<String> scanAll(Http http, int limit) {
    List<String> keys = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page =
          Http.json(
              http.get("/kv?prefix=&limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor)));
      JsonArray items = page.getJsonArray("items");
      for (int i = 0; i < items.size(); i++) {
        keys.add(items.getJsonObject(i).getString("key"));
      }
      cursor = page.getBoolean("more") ? page.getString("cursor") : null;
    } while (cursor != null);
    return keys;
  }
}
