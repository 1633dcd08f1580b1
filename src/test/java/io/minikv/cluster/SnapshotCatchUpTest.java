package io.minikv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.Http;
import io.minikv.testing.MiniCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that was down while the others snapshotted and purged their logs past what it holds
 * catches up from a leader's snapshot (sent over Raft, verified and restored into its engine) and
 * then from the log.
 */
class SnapshotCatchUpTest {
  private static final Pattern INSTALLED =
      Pattern.compile(
          "^minikv_raft_snapshots_installed_total(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);

  @TempDir Path dir;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aNodeBehindThePurgedLogCatchesUpFromASnapshot() throws Exception {
    try (MiniCluster c =
        MiniCluster.start(
            dir,
            3,
            "--raft.snapshot_interval=20",
            "--raft.catch_up_entries=0",
            "--raft.segment_size=64KiB")) {
      Map<String, String> written = new TreeMap<>();
      assertEquals(201, c.http(0).put("/kv/before", "x").statusCode());
      written.put("before", "x");
      c.stop(2);
      // ~100 entries of 2 KiB per group: several closed 64 KiB segments, purged behind snapshots.
      String pad = "v".repeat(2048);
      for (int i = 0; i < 300; i++) {
        String key = "after-" + i;
        String value = i + pad;
        var put = c.http(i % 2).putWithin("/kv/" + key, value, 15_000);
        assertTrue(
            put != null && put.statusCode() / 100 == 2,
            key + ": " + (put == null ? "no answer" : Http.text(put)));
        written.put(key, value);
      }
      c.restart(2);
      Http restarted = c.http(2);
      Map<String, String> local = localView(restarted);
      long deadline = System.currentTimeMillis() + 60_000;
      while (!local.equals(written) && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
        local = localView(restarted);
      }
      assertEquals(written.keySet(), local.keySet(), "node-3's local keys");
      assertEquals(written, local, "node-3's local values");
      Matcher m = INSTALLED.matcher(Http.text(restarted.get("/metrics")));
      assertTrue(m.find(), "no snapshot-install counter in /metrics");
      assertTrue(
          Double.parseDouble(m.group(2)) >= 1,
          "node-3 caught up without installing a snapshot: " + m.group());
    }
  }

  /** The node's own (serializable) view of every key. */
  private static Map<String, String> localView(Http http) {
    Map<String, String> out = new TreeMap<>();
    JsonObject page = Http.json(http.get("/kv?prefix=&consistency=serializable&limit=1000"));
    JsonArray items = page.getJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      out.put(item.getString("key"), item.getString("value"));
    }
    return out;
  }
}
