package io.minikv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.Http;
import io.minikv.testing.MiniCluster;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three nodes in one JVM: any node serves any request, and the group survives losing a node. */
class ClusterTest {
  @TempDir Path dir;

  private static HttpResponse<byte[]> putWithin(Http http, String path, String value, long millis)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    HttpResponse<byte[]> last = null;
    while (System.currentTimeMillis() < deadline) {
      try {
        last = http.put(path, value);
        if (last.statusCode() == 200 || last.statusCode() == 201) {
          return last;
        }
      } catch (RuntimeException e) {
        // the node may be between leaders
      }
      Thread.sleep(100);
    }
    return last;
  }

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
      String metrics = Http.text(c.http(leader).get("/metrics"));
      assertTrue(metrics.contains("minikv_raft_leader{group="), metrics);
      c.stop(leader);
      int survivor = (leader + 1) % 3;
      int other = (leader + 2) % 3;
      long t0 = System.currentTimeMillis();
      var after = putWithin(c.http(survivor), "/kv/after", "failover", 15_000);
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
}
