package io.minikv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.raft.GroupReplica;
import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.testing.Http;
import io.minikv.testing.MiniCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replica placement through membership changes: a node that joins receives replicas (learner, then
 * voter) until every node holds about as many, while a writer keeps writing; a decommissioned node
 * hands its replicas to the others and keeps serving as a router; a node unreachable for longer
 * than the dead-node timeout has its replicas rebuilt elsewhere, and when it returns its stale
 * replicas are removed and it receives fresh ones. Replicas of each group end with identical data.
 */
class RebalanceTest {
  private static final String FAST = "--cluster.rebalance_interval=300ms";

  @TempDir Path dir;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aJoiningNodeTakesReplicasAndADecommissionedNodeHandsThemOver() throws Exception {
    try (MiniCluster c = MiniCluster.startFirst(dir, 4, 3, "--cluster.bootstrap_expect=3", FAST)) {
      Map<String, String> written = new ConcurrentHashMap<>();
      for (int k = 0; k < 60; k++) {
        put(c.http(k % 3), written, "before-" + k, "b" + k);
      }
      Writer writer = new Writer(c, 3, written);
      writer.start();
      c.restart(3);
      JsonObject view =
          await(
              c.http(0),
              v ->
                  replicas(v, "node-4") >= 2
                      && spread(v) <= 1
                      && idle(v)
                      && groupsOf(v).stream().allMatch(g -> g.size() == 3),
              "node-4 holds its share of replicas");
      writer.stopAndJoin();
      assertEquals(0, writer.failures.get(), "writes failed during the moves: " + writer.lastError);
      assertTrue(writer.count.get() > 0, "the writer wrote");
      assertTrue(view.getInteger("layout_version") > 1, view.encodePrettily());
      assertReplicasIdentical(c);
      Http joined = c.http(3);
      for (Map.Entry<String, String> e : written.entrySet()) {
        assertEquals(e.getValue(), Http.text(joined.get("/kv/" + e.getKey())), e.getKey());
      }
      assertTrue(c.node(3).raft().groups().size() >= 2, "node-4 hosts replicas itself");

      var unknown = c.http(1).send("POST", "/admin/nodes/node-9/decommission", new byte[0]);
      assertEquals(404, unknown.statusCode(), Http.text(unknown));
      var accepted = c.http(1).send("POST", "/admin/nodes/node-1/decommission", new byte[0]);
      assertEquals(202, accepted.statusCode(), Http.text(accepted));
      assertEquals("node-1", Http.json(accepted).getString("node"));
      await(
          c.http(1),
          v ->
              replicas(v, "node-1") == 0
                  && idle(v)
                  && state(v, "node-1").equals("decommissioned")
                  && leaderSpread(v, List.of("node-2", "node-3", "node-4")) <= 1,
          "node-1 hands over its replicas, and leadership evens out");
      await(
          c.http(0),
          v ->
              c.node(0).raft().groups().isEmpty()
                  && c.node(0).raft().dataGroups().stream()
                      .noneMatch(g -> Files.exists(dir.resolve("node-1/engines").resolve(g.id()))),
          "node-1 dropped its replicas and deleted their engine files");
      assertReplicasIdentical(c);
      for (Map.Entry<String, String> e : written.entrySet()) {
        assertEquals(e.getValue(), Http.text(c.http(0).get("/kv/" + e.getKey())), e.getKey());
      }
      put(c.http(0), written, "after-decommission", "x");
      var tooFew = c.http(2).send("POST", "/admin/nodes/node-2/decommission", new byte[0]);
      assertEquals(409, tooFew.statusCode(), Http.text(tooFew));
      assertEquals("insufficient_nodes", Http.json(tooFew).getString("error"));
    }
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aDeadNodesReplicasAreRebuiltAndItGetsFreshOnesBack() throws Exception {
    try (MiniCluster c =
        MiniCluster.start(
            dir, 4, FAST, "--cluster.dead_node_timeout=2s", "--raft.snapshot_interval=50")) {
      Map<String, String> written = new ConcurrentHashMap<>();
      for (int k = 0; k < 80; k++) {
        put(c.http(k % 4), written, "k-" + k, "v" + k);
      }
      c.stop(3);
      for (int k = 0; k < 40; k++) {
        put(c.http(k % 3), written, "while-down-" + k, "d" + k);
      }
      await(
          c.http(0),
          v ->
              replicas(v, "node-4") == 0
                  && idle(v)
                  && groupsOf(v).stream().allMatch(g -> g.size() == 3),
          "node-4's replicas rebuilt on the others");
      for (Map.Entry<String, String> e : written.entrySet()) {
        assertEquals(e.getValue(), Http.text(c.http(1).get("/kv/" + e.getKey())), e.getKey());
      }
      c.restart(3);
      await(
          c.http(3),
          v -> replicas(v, "node-4") == 3 && spread(v) <= 1 && idle(v),
          "node-4 back with fresh replicas");
      assertReplicasIdentical(c);
      for (Map.Entry<String, String> e : written.entrySet()) {
        assertEquals(
            e.getValue(),
            Http.text(c.http(3).get("/kv/" + e.getKey() + "?consistency=serializable")),
            e.getKey());
      }
    }
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aMoveCutShortByTheCoordinatorsDeathIsTidiedUpByTheNext() throws Exception {
    try (MiniCluster c =
        MiniCluster.startFirst(
            dir, 4, 3, "--cluster.bootstrap_expect=3", FAST, "--cluster.dead_node_timeout=2s")) {
      Map<String, String> written = new ConcurrentHashMap<>();
      for (int k = 0; k < 300; k++) {
        put(c.http(k % 3), written, "k-" + k, "v" + k);
      }
      c.restart(3);
      await(
          c.http(0),
          v -> v.getString("shard_manager", "").startsWith("moving group"),
          "node-1 coordinating a move to node-4");
      c.stop(0);
      await(
          c.http(1),
          v ->
              idle(v)
                  && groupsOf(v).stream().allMatch(g -> g.size() == 3 && !g.contains("node-1"))
                  && v.getString("shard_manager").equals("idle"),
          "node-2 takes over and rebuilds node-1's replicas");
      assertReplicasIdentical(c);
      for (Map.Entry<String, String> e : written.entrySet()) {
        assertEquals(e.getValue(), Http.text(c.http(3).get("/kv/" + e.getKey())), e.getKey());
      }
      assertTrue(
          Http.text(c.http(1).get("/metrics")).contains("minikv_cluster_replica_moves_total"));
    }
  }

  /** Writes through nodes 0..n-1 in turn until stopped, counting failures. */
  private static final class Writer extends Thread {
    final AtomicInteger count = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    final AtomicBoolean stop = new AtomicBoolean();
    final MiniCluster c;
    final int nodes;
    final Map<String, String> written;
    volatile String lastError = "";

    Writer(MiniCluster c, int nodes, Map<String, String> written) {
      this.c = c;
      this.nodes = nodes;
      this.written = written;
    }

    @Override
    public void run() {
      for (int i = 0; !stop.get(); i++) {
        String key = "during-" + i;
        try {
          HttpResponse<byte[]> r = c.http(i % nodes).putWithin("/kv/" + key, "w" + i, 20_000);
          if (r.statusCode() == 201 || r.statusCode() == 200) {
            written.put(key, "w" + i);
            count.incrementAndGet();
          } else {
            failures.incrementAndGet();
            lastError = r.statusCode() + " " + Http.text(r);
          }
        } catch (Exception e) {
          failures.incrementAndGet();
          lastError = e.toString();
        }
      }
    }

    void stopAndJoin() throws InterruptedException {
      stop.set(true);
      join(60_000);
    }
  }

  private static void put(Http http, Map<String, String> written, String key, String value) {
    HttpResponse<byte[]> r = http.put("/kv/" + key, value);
    assertEquals(201, r.statusCode(), Http.text(r));
    written.put(key, value);
  }

  private static JsonObject await(Http http, Predicate<JsonObject> done, String what)
      throws InterruptedException {
    return MiniCluster.awaitView(http, done, what);
  }

  private static boolean idle(JsonObject view) {
    return view.getString("shard_manager", "").startsWith("coordinated by")
        || view.getString("shard_manager", "").equals("idle");
  }

  private static int replicas(JsonObject view, String node) {
    for (Object o : view.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      if (n.getString("id").equals(node)) {
        return n.getInteger("replicas");
      }
    }
    return -1;
  }

  private static String state(JsonObject view, String node) {
    for (Object o : view.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      if (n.getString("id").equals(node)) {
        return n.getString("state");
      }
    }
    return "";
  }

  /** Max minus min replicas over the active nodes. */
  private static int spread(JsonObject view) {
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (Object o : view.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      if (n.getString("state").equals("active")) {
        min = Math.min(min, n.getInteger("replicas"));
        max = Math.max(max, n.getInteger("replicas"));
      }
    }
    return max - min;
  }

  /** Max minus min groups led over {@code nodes} (the view's node must host every group). */
  private static int leaderSpread(JsonObject view, List<String> nodes) {
    Map<String, Integer> leads = new HashMap<>();
    for (String n : nodes) {
      leads.put(n, 0);
    }
    for (Object o : view.getJsonArray("groups")) {
      leads.computeIfPresent(((JsonObject) o).getString("leader", ""), (k, v) -> v + 1);
    }
    return leads.values().stream().max(Integer::compare).orElse(0)
        - leads.values().stream().min(Integer::compare).orElse(0);
  }

  private static List<List<String>> groupsOf(JsonObject view) {
    List<List<String>> out = new ArrayList<>();
    for (Object o : view.getJsonArray("groups")) {
      JsonArray members = ((JsonObject) o).getJsonArray("members");
      List<String> ids = new ArrayList<>();
      for (Object m : members) {
        ids.add(((JsonObject) m).getString("id"));
      }
      out.add(ids);
    }
    return out;
  }

  /** Every group's replicas hold the same entries (retrying while followers finish applying). */
  private static void assertReplicasIdentical(MiniCluster c) throws Exception {
    int groups = c.node(c.size() - 1).raft().dataGroups().size();
    for (int g = 0; g < groups; g++) {
      Map<String, String> sums = new HashMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        sums.clear();
        for (int i = 0; i < c.size(); i++) {
          if (c.node(i) == null) {
            continue;
          }
          GroupReplica r = c.node(i).raft().dataGroups().get(g).replica();
          if (r != null) {
            sums.put("node-" + (i + 1), checksum(r));
          }
        }
        if (sums.size() >= 3 && sums.values().stream().distinct().count() == 1) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("replicas of group " + g + " differ: " + sums);
        }
        Thread.sleep(200);
      }
    }
  }

  private static String checksum(GroupReplica r) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (KeyValueIterator it = r.engine().scan(new byte[0], null, false)) {
      while (it.hasNext()) {
        KeyValue kv = it.next();
        md.update(kv.key());
        md.update((byte) 0);
        md.update(kv.value());
        md.update((byte) 1);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
