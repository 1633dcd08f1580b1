package io.minikv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.Http;
import io.minikv.testing.MiniCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that joins a formed cluster takes the layout the others published and, holding no replica
 * (rebalancing is off here; RebalanceTest covers moving replicas to it), serves every request
 * through the groups' leaders; it keeps that layout across a restart.
 */
class JoinNodeTest {
  @TempDir Path dir;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aNodeJoiningAFormedClusterServesEveryGroup() throws Exception {
    try (MiniCluster c =
        MiniCluster.startFirst(
            dir, 4, 3, "--cluster.bootstrap_expect=3", "--cluster.rebalance=false")) {
      for (int k = 0; k < 12; k++) {
        assertEquals(201, c.http(k % 3).put("/kv/before-" + k, "b" + k).statusCode());
      }
      c.restart(3);
      Http joined = c.http(3);
      JsonObject view = Http.json(joined.get("/admin/cluster"));
      assertEquals(4, view.getJsonArray("nodes").size(), view.encodePrettily());
      JsonArray groups = view.getJsonArray("groups");
      assertEquals(3, groups.size());
      for (int g = 0; g < groups.size(); g++) {
        assertFalse(groups.getJsonObject(g).getBoolean("hosted"));
        assertFalse(groups.getJsonObject(g).getJsonArray("members").toString().contains("node-4"));
      }
      for (int k = 0; k < 12; k++) {
        assertEquals("b" + k, Http.text(joined.get("/kv/before-" + k)));
        var put = joined.put("/kv/after-" + k, "a" + k);
        assertEquals(201, put.statusCode(), Http.text(put));
        assertEquals("a" + k, Http.text(c.http(k % 3).get("/kv/after-" + k)));
      }
      JsonObject page = Http.json(joined.get("/kv?prefix=&limit=100"));
      assertEquals(24, page.getJsonArray("items").size());

      c.stop(3);
      c.restart(3);
      assertEquals("a5", Http.text(c.http(3).get("/kv/after-5")));
      assertTrue(Http.json(c.http(3).get("/admin/cluster")).getJsonArray("groups").size() == 3);
    }
  }
}
