package io.minikv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.Http;
import io.minikv.testing.NodeProcess;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every acknowledged write survives a kill -9 of the node process: writers keep writing while the
 * JVM is killed, and after a restart every key that was acknowledged holds its value. With a small
 * snapshot interval the restart goes through snapshot + log tail, with the log purged behind it.
 */
class CrashRecoveryTest {
  private static final int ACKED_BEFORE_KILL = 2500;
  @TempDir Path dir;

  @ParameterizedTest(name = "{0}, snapshots: {1}")
  @CsvSource({
    "rocksdb, false",
    "rocksdb, true",
    "xodus, false",
    "xodus, true",
    "memory, false",
    "memory, true"
  })
  void everyAcknowledgedWriteSurvivesKill9(String engine, boolean snapshots) throws Exception {
    int httpPort = NodeProcess.freePort();
    Path config = dir.resolve("node.toml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "[node]",
            "data_dir = \"" + dir.resolve("data") + "\"",
            "[http]",
            "port = " + httpPort,
            "[raft]",
            "port = " + NodeProcess.freePort(),
            "snapshot_interval = " + (snapshots ? 40 : 10_000_000),
            "catch_up_entries = 0",
            "segment_size = \"" + (snapshots ? "64KiB" : "32MiB") + "\"",
            "[s3]",
            "port = " + NodeProcess.freePort(),
            "[storage]",
            "engine = \"" + engine + "\"",
            "[auth]",
            "enabled = false",
            ""));
    Map<String, String> acked = new ConcurrentHashMap<>();
    try (NodeProcess node = new NodeProcess(config, dir.resolve("node.log"), httpPort)) {
      node.start(Duration.ofSeconds(60));
      Http http = new Http(node.base());
      AtomicInteger next = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService writers = Executors.newFixedThreadPool(16);
      for (int w = 0; w < 16; w++) {
        writers.execute(
            () -> {
              while (!stop.get()) {
                String key = "crash/" + next.getAndIncrement();
                String value = "value-of-" + key + "-" + System.nanoTime();
                try {
                  HttpResponse<byte[]> r = http.put("/kv/" + key, value);
                  if (r.statusCode() == 201) {
                    acked.put(key, value);
                  }
                } catch (RuntimeException e) {
                  // the node is being killed: this write was never acknowledged
                }
              }
            });
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (acked.size() < ACKED_BEFORE_KILL && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(
          acked.size() >= ACKED_BEFORE_KILL, "only " + acked.size() + " writes acknowledged");
      node.kill9();
      stop.set(true);
      writers.shutdown();
      assertTrue(writers.awaitTermination(60, TimeUnit.SECONDS));
      if (snapshots) {
        assertTrue(snapshotCount() > 0, "a snapshot was taken before the kill");
        assertTrue(firstLogIndex() > 0, "the log was purged behind a snapshot");
      }

      node.start(Duration.ofSeconds(60));
      List<String> missing = new ArrayList<>();
      for (Map.Entry<String, String> e : acked.entrySet()) {
        HttpResponse<byte[]> r = http.get("/kv/" + e.getKey());
        if (r.statusCode() != 200 || !Http.text(r).equals(e.getValue())) {
          missing.add(e.getKey() + " -> " + r.statusCode());
        }
      }
      assertEquals(List.of(), missing.subList(0, Math.min(10, missing.size())), node.tail());
      long count = Http.json(http.get("/kv?prefix=crash/&count_only=true")).getLong("count");
      assertTrue(count >= acked.size(), "count " + count + " < acked " + acked.size());
      // And the node still takes writes after recovery.
      assertEquals(201, http.put("/kv/after-crash", "ok").statusCode());
      node.stop();
      assertTrue(node.tail().contains("node stopped"), "SIGTERM shuts down gracefully");
    }
  }

  /**
   * The first index still in the Raft log: segment files are log_<start>-<end>,
   * log_inprogress_<start>.
   */
  private long firstLogIndex() throws IOException {
    try (Stream<Path> walk = Files.walk(dir.resolve("data").resolve("raft"))) {
      return walk.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("log_"))
          .mapToLong(
              n ->
                  Long.parseLong(
                      n.replace("log_inprogress_", "").replace("log_", "").split("-")[0]))
          .min()
          .orElse(0);
    }
  }

  private long snapshotCount() throws IOException {
    try (Stream<Path> walk = Files.walk(dir.resolve("data").resolve("raft"))) {
      return walk.filter(p -> p.getFileName().toString().startsWith("snapshot.")).count();
    }
  }
}
