package io.minikv.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.Http;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node processes started by {@code scripts/minikv cluster start 3}; writers acknowledge at
 * least 5000 keys through every node while each node in turn is killed with SIGKILL and restarted.
 * Afterwards every acknowledged key has its value on every node, and the replicas hold identical
 * data.
 */
class ClusterKillTest {
  private static final int NODES = 3;
  @TempDir Path dir;

  /** A port offset whose 15 cluster ports are all free here, all below the ephemeral range. */
  private static int freeOffset() throws Exception {
    for (int attempt = 0; attempt < 50; attempt++) {
      // Below the ephemeral range (32768+): the highest port is 23790 + 3 + offset.
      int offset = 1000 + ThreadLocalRandom.current().nextInt(7800);
      boolean free = true;
      for (int base : new int[] {8080, 9000, 23790, 9870, 5700}) {
        for (int i = 1; i <= NODES && free; i++) {
          try (ServerSocket s =
              new ServerSocket(base + i + offset, 1, java.net.InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort() > 0;
          } catch (java.io.IOException e) {
            free = false;
          }
        }
      }
      if (free) {
        return offset;
      }
    }
    throw new IllegalStateException("no free port range");
  }

  private Process script(int offset, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", "scripts/minikv", "cluster"));
    cmd.addAll(List.of(args));
    cmd.add("--auth.enabled=false");
    cmd.add("--storage.engine=rocksdb");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("script.log").toFile()));
    pb.environment().put("NODE_CLASSPATH", System.getProperty("java.class.path"));
    pb.environment().put("CLUSTER_DIR", dir.resolve("data").toString());
    pb.environment().put("PORT_OFFSET", Integer.toString(offset));
    // C1 only: these short-lived node JVMs start ~40 % faster and the test is about durability.
    pb.environment().put("JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1");
    return pb.start();
  }

  private void run(int offset, String... args) throws Exception {
    Process p = script(offset, args);
    if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "scripts/minikv cluster " + String.join(" ", args) + " failed:\n" + log());
    }
  }

  private String log() throws Exception {
    return Files.readString(dir.resolve("script.log"));
  }

  private long pid(int node) throws Exception {
    return Long.parseLong(Files.readString(dir.resolve("data/node-" + node + ".pid")).trim());
  }

  // Four process starts (each a JVM, Hazelcast join and Raft replay) dominate: ~100 s here.
  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void acknowledgedKeysSurviveKillingEachNodeInTurn() throws Exception {
    long t0 = System.currentTimeMillis();
    int offset = freeOffset();
    Http[] http = new Http[NODES + 1];
    for (int i = 1; i <= NODES; i++) {
      http[i] = new Http("http://127.0.0.1:" + (8080 + i + offset));
    }
    run(offset, "start", Integer.toString(NODES));
    System.out.println("cluster started after " + (System.currentTimeMillis() - t0) + " ms");
    Map<String, String> acked = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger down = new AtomicInteger();
    AtomicInteger sequence = new AtomicInteger();
    List<Thread> writers = new ArrayList<>();
    try {
      for (int w = 0; w < 4; w++) {
        Thread t =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    int n = sequence.incrementAndGet();
                    int node = 1 + n % NODES;
                    if (node == down.get()) {
                      node = 1 + (node % NODES);
                    }
                    String key = "k-" + n;
                    String value = "v-" + n + "-" + ThreadLocalRandom.current().nextInt();
                    try {
                      int status = http[node].put("/kv/" + key, value).statusCode();
                      if (status == 200 || status == 201) {
                        acked.put(key, value);
                      }
                    } catch (RuntimeException e) {
                      // not acknowledged: the node died under us
                    }
                  }
                });
        t.start();
        writers.add(t);
      }
      for (int victim = 1; victim <= NODES; victim++) {
        int target = victim * 1500;
        while (acked.size() < target) {
          Thread.sleep(50);
        }
        down.set(victim);
        ProcessHandle.of(pid(victim)).ifPresent(ProcessHandle::destroyForcibly);
        Thread.sleep(500);
        long restart = System.currentTimeMillis();
        run(offset, "node", Integer.toString(victim), Integer.toString(NODES));
        down.set(0);
        System.out.println(
            "node-"
                + victim
                + " killed at "
                + target
                + " acknowledged keys, ready again after "
                + (System.currentTimeMillis() - restart)
                + " ms");
      }
      while (acked.size() < 5000) {
        Thread.sleep(50);
      }
    } finally {
      stop.set(true);
      // Each request is bounded by the client's timeouts (5 s connect, 30 s response); a writer
      // still running could acknowledge a key after the fences, which would prove nothing.
      for (Thread t : writers) {
        t.join(60_000);
        assertTrue(!t.isAlive(), "a writer is still running 60 s after being told to stop");
      }
    }
    try {
      // A last write through every node into every data group, then each node's local
      // (serializable) view is compared once it holds them all.
      int groups = Http.json(http[1].get("/admin/cluster")).getJsonArray("groups").size();
      fences = fenceKeys(groups);
      for (int f = 0; f < fences.size(); f++) {
        // Retried: a leader may just be handing over to the restarted node (its priority).
        var fence =
            http[1 + f * NODES / fences.size()].putWithin("/kv/" + fences.get(f), "x", 15_000);
        assertTrue(fence != null && fence.statusCode() == 201, "fence " + fences.get(f));
      }
      Map<String, String> reference = null;
      for (int i = 1; i <= NODES; i++) {
        // A restarted node serves (and is "ready") before it has replayed and caught up; its
        // local view is compared once it holds every fence, i.e. the whole history.
        long waitStart = System.currentTimeMillis();
        Map<String, String> local = scan(http[i], "?consistency=serializable");
        long deadline = waitStart + 90_000;
        while (!hasFences(local) && System.currentTimeMillis() < deadline) {
          Thread.sleep(200);
          local = scan(http[i], "?consistency=serializable");
        }
        assertTrue(
            hasFences(local),
            "node-"
                + i
                + " did not catch up within 90 s: "
                + Http.text(http[i].get("/admin/cluster")));
        System.out.println(
            "node-"
                + i
                + " held every fence after "
                + (System.currentTimeMillis() - waitStart)
                + " ms");
        // The pages of one scan are read one after another, so the view that showed the fences
        // (on its last page) may have read its first pages before the node caught up. A scan
        // started now, after the fences were seen, holds everything written before them.
        local = scan(http[i], "?consistency=serializable");
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> e : acked.entrySet()) {
          if (!e.getValue().equals(local.get(e.getKey()))) {
            wrong.add(
                e.getKey() + "=" + local.get(e.getKey()) + " (acknowledged " + e.getValue() + ")");
          }
        }
        assertTrue(
            wrong.isEmpty(),
            "node-"
                + i
                + " lacks "
                + wrong.size()
                + " of "
                + acked.size()
                + " acknowledged keys, e.g. "
                + wrong.subList(0, Math.min(5, wrong.size()))
                + "; cluster: "
                + Http.text(http[i].get("/admin/cluster")));
        if (reference == null) {
          reference = local;
        } else {
          assertEquals(reference, local, "node-" + i + " holds the same data as node-1");
        }
      }
      Map<String, String> linearizable = scan(http[2], "");
      assertTrue(linearizable.keySet().containsAll(acked.keySet()));
      System.out.println("acknowledged " + acked.size() + " keys; " + reference.size() + " stored");
    } finally {
      run(offset, "stop");
    }
  }

  private List<String> fences = List.of();

  /** For every node and every data group, one key in that group. */
  private static List<String> fenceKeys(int groups) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) {
      for (int g = 0; g < groups; g++) {
        for (int n = 0; n < 100_000; n++) {
          String key = "zz-fence-" + i + "-" + g + "-" + n;
          byte[] raw = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
          if (io.minikv.kv.KvGroups.indexOf(io.minikv.kv.VShards.ofKv("default", raw), groups)
              == g) {
            out.add(key);
            break;
          }
        }
      }
    }
    assertEquals(NODES * groups, out.size(), "a fence key for every node and group");
    return out;
  }

  private boolean hasFences(Map<String, String> local) {
    return local.keySet().containsAll(fences);
  }

  /** Every key and value of the node, page by page. */
  private static Map<String, String> scan(Http http, String consistency) {
    Map<String, String> out = new TreeMap<>();
    String cursor = null;
    do {
      String q =
          (consistency.isEmpty() ? "?" : consistency + "&")
              + "prefix=&limit=5000"
              + (cursor == null ? "" : "&cursor=" + cursor);
      JsonObject page = Http.json(http.get("/kv" + q));
      JsonArray items = page.getJsonArray("items");
      for (int i = 0; i < items.size(); i++) {
        JsonObject item = items.getJsonObject(i);
        out.put(item.getString("key"), item.getString("value"));
      }
      cursor = page.getBoolean("more") ? page.getString("cursor") : null;
    } while (cursor != null);
    return out;
  }
}
