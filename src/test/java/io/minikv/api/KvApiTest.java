package io.minikv.api;

import static io.minikv.testing.Http.json;
import static io.minikv.testing.Http.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.testing.Http;
import io.minikv.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every KV route and error case, through real HTTP on a real node (RocksDB, Raft). */
class KvApiTest {
  @TempDir static Path dir;
  static TestNode node;
  static Http http;

  @BeforeAll
  static void start() throws Exception {
    node =
        TestNode.start(
            dir,
            "rocksdb",
            "--limits.max_key_bytes=64",
            "--limits.max_value_bytes=1KiB",
            "--limits.max_request_bytes=64KiB",
            "--limits.max_scan_limit=100",
            "--limits.default_scan_limit=50");
    http = node.http();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static void assertError(HttpResponse<byte[]> r, int status, String code) {
    assertEquals(status, r.statusCode(), text(r));
    JsonObject body = json(r);
    assertEquals(code, body.getString("error"), text(r));
    assertFalse(body.getString("message").isBlank());
    assertEquals(
        r.headers().firstValue("X-Request-Id").orElseThrow(), body.getString("request_id"));
  }

  @Test
  void putThenGetReturnsTheValueWithContentTypeAndRevisionHeaders() {
    HttpResponse<byte[]> put = http.put("/kv/greeting", "hello", "Content-Type", "text/plain");
    assertEquals(201, put.statusCode());
    long rev = json(put).getLong("revision");
    HttpResponse<byte[]> get = http.get("/kv/greeting");
    assertEquals(200, get.statusCode());
    assertEquals("hello", text(get));
    assertEquals("text/plain", get.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("\"" + rev + "\"", get.headers().firstValue("ETag").orElseThrow());
    assertEquals(Long.toString(rev), get.headers().firstValue("X-Minikv-Revision").orElseThrow());
    assertEquals("1", get.headers().firstValue("X-Minikv-Version").orElseThrow());
    HttpResponse<byte[]> overwrite = http.put("/kv/greeting", "bye");
    assertEquals(200, overwrite.statusCode());
    assertEquals(2, json(overwrite).getLong("version"));
    assertEquals(rev, json(overwrite).getLong("create_revision"));
    assertTrue(json(overwrite).getLong("revision") > rev);
    assertEquals(
        304,
        http.get("/kv/greeting", "If-None-Match", "\"" + json(overwrite).getLong("revision") + "\"")
            .statusCode());
  }

  @Test
  void keysMayHoldSlashesUnicodeAndArbitraryBytes() {
    assertEquals(201, http.put("/kv/a/b/c", "slashes").statusCode());
    assertEquals("slashes", text(http.get("/kv/a/b/c")));
    assertEquals(201, http.put("/kv/%C3%A9t%C3%A9%20%E2%9C%93", "unicode").statusCode());
    assertEquals("unicode", text(http.get("/kv/%C3%A9t%C3%A9%20%E2%9C%93")));
    byte[] binary = {0, 1, (byte) 0xFF, 0x7F, 'x'};
    assertEquals(201, http.send("PUT", "/kv/bin%00%FF", binary).statusCode());
    assertArrayEquals(binary, http.get("/kv/bin%00%FF").body());
    JsonObject scan = json(http.get("/kv?prefix=bin"));
    JsonObject item = scan.getJsonArray("items").getJsonObject(0);
    assertEquals("base64", item.getString("key_encoding"));
    assertArrayEquals(
        "bin\0\u00ff".getBytes(StandardCharsets.ISO_8859_1),
        Base64.getDecoder().decode(item.getString("key")));
    assertArrayEquals(binary, Base64.getDecoder().decode(item.getString("value")));
    String bad = raw("GET /kv/bad%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(bad.startsWith("HTTP/1.1 400"), bad);
    assertTrue(bad.contains("\"error\":\"invalid_key\""), bad);
  }

  @Test
  void headReturnsHeadersAndLengthWithoutABody() {
    http.put("/kv/headme", "12345");
    HttpResponse<byte[]> head = http.send("HEAD", "/kv/headme", null);
    assertEquals(200, head.statusCode());
    assertEquals("5", head.headers().firstValue("Content-Length").orElseThrow());
    assertEquals(0, head.body().length);
    assertEquals(404, http.send("HEAD", "/kv/absent-head", null).statusCode());
  }

  @Test
  void missingAndDeletedKeysAre404() {
    assertError(http.get("/kv/never"), 404, "key_not_found");
    http.put("/kv/doomed", "x");
    HttpResponse<byte[]> del = http.delete("/kv/doomed");
    assertEquals(200, del.statusCode());
    assertEquals(1, json(del).getLong("deleted"));
    assertError(http.get("/kv/doomed"), 404, "key_not_found");
    assertError(http.delete("/kv/doomed"), 404, "key_not_found");
  }

  @Test
  void conditionalWritesAnswer412WithTheCurrentRevision() {
    assertEquals(201, http.put("/kv/cas", "v1", "If-None-Match", "*").statusCode());
    HttpResponse<byte[]> again = http.put("/kv/cas", "v2", "If-None-Match", "*");
    assertError(again, 412, "precondition_failed");
    long rev = json(again).getLong("current_mod_revision");
    assertError(
        http.put("/kv/cas", "v2", "If-Match", Long.toString(rev + 1)), 412, "precondition_failed");
    assertEquals(200, http.put("/kv/cas", "v2", "If-Match", "\"" + rev + "\"").statusCode());
    assertEquals("v2", text(http.get("/kv/cas")));
    assertError(http.delete("/kv/cas", "If-Match", Long.toString(rev)), 412, "precondition_failed");
    assertError(http.put("/kv/cas-missing", "x", "If-Match", "*"), 412, "precondition_failed");
    assertError(http.put("/kv/cas", "x", "If-Match", "abc"), 400, "invalid_precondition");
    assertError(http.put("/kv/cas", "x", "If-None-Match", "\"5\""), 400, "invalid_precondition");
  }

  @Test
  void twoWritersRacingOnOneRevisionExactlyOneWins() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 20; round++) {
        String key = "/kv/race-" + round;
        long rev = json(http.put(key, "start")).getLong("revision");
        List<Callable<Integer>> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
          String value = "writer-" + w;
          writers.add(() -> http.put(key, value, "If-Match", Long.toString(rev)).statusCode());
        }
        List<Integer> codes = new ArrayList<>();
        for (Future<Integer> f : pool.invokeAll(writers)) {
          codes.add(f.get());
        }
        codes.sort(Integer::compare);
        assertEquals(List.of(200, 412), codes, "round " + round);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentCasIncrementsLoseNoUpdate() throws Exception {
    http.put("/kv/counter", "0");
    int clients = 6;
    int perClient = 15;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        tasks.add(
            () -> {
              for (int i = 0; i < perClient; ) {
                HttpResponse<byte[]> cur = http.get("/kv/counter");
                long n = Long.parseLong(text(cur));
                String rev = cur.headers().firstValue("X-Minikv-Revision").orElseThrow();
                int status =
                    http.put("/kv/counter", Long.toString(n + 1), "If-Match", rev).statusCode();
                if (status == 200) {
                  i++;
                } else {
                  assertEquals(412, status);
                }
              }
              return null;
            });
      }
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(Integer.toString(clients * perClient), text(http.get("/kv/counter")));
  }

  @Test
  void ttlKeysVanishAtExpiryAndTheReaperRemovesThem() throws Exception {
    HttpResponse<byte[]> put = http.put("/kv/ttl-key?ttl=1s", "short-lived");
    assertEquals(201, put.statusCode());
    HttpResponse<byte[]> get = http.get("/kv/ttl-key");
    assertEquals(200, get.statusCode());
    assertTrue(get.headers().firstValue("X-Minikv-Expires-At").isPresent());
    assertEquals(1, json(http.get("/kv?prefix=ttl-&count_only=true")).getLong("count"));
    Thread.sleep(1300);
    assertError(http.get("/kv/ttl-key"), 404, "key_not_found");
    assertEquals(0, json(http.get("/kv?prefix=ttl-&count_only=true")).getLong("count"));
    long deadline = System.currentTimeMillis() + 10_000;
    while (engineHolds("ttl-key") && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertFalse(engineHolds("ttl-key"), "the reaper deletes the record and its index entry");
    assertError(http.put("/kv/ttl-key?ttl=soon", "x"), 400, "invalid_ttl");
    assertError(http.put("/kv/ttl-key?ttl=0s", "x"), 400, "invalid_ttl");
  }

  private static boolean engineHolds(String text) {
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    try (KeyValueIterator it = node.node().engine().scan(null, null, false)) {
      while (it.hasNext()) {
        KeyValue kv = it.next();
        String k = new String(kv.key(), StandardCharsets.ISO_8859_1);
        if (k.contains(new String(needle, StandardCharsets.ISO_8859_1))) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<String> keys(JsonObject page) {
    List<String> out = new ArrayList<>();
    for (Object o : page.getJsonArray("items")) {
      out.add(((JsonObject) o).getString("key"));
    }
    return out;
  }

  @Test
  void scansPageWithCursorsForwardAndBackward() {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String k = String.format("page/%02d", i);
      expected.add(k);
      http.put("/kv/" + k, "v" + i);
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page =
          json(http.get("/kv?prefix=page/&limit=10" + (cursor == null ? "" : "&cursor=" + cursor)));
      seen.addAll(keys(page));
      cursor = page.getBoolean("more") ? page.getString("cursor") : null;
      pages++;
    } while (cursor != null);
    assertEquals(expected, seen);
    assertEquals(3, pages);

    List<String> reversed = new ArrayList<>();
    cursor = null;
    do {
      JsonObject page =
          json(
              http.get(
                  "/kv?prefix=page/&reverse=true&limit=7"
                      + (cursor == null ? "" : "&cursor=" + cursor)));
      reversed.addAll(keys(page));
      cursor = page.getBoolean("more") ? page.getString("cursor") : null;
    } while (cursor != null);
    List<String> expectedReverse = new ArrayList<>(expected);
    java.util.Collections.reverse(expectedReverse);
    assertEquals(expectedReverse, reversed);

    JsonObject range = json(http.get("/kv?start=page/05&end=page/08"));
    assertEquals(List.of("page/05", "page/06", "page/07"), keys(range));
    assertEquals("v5", range.getJsonArray("items").getJsonObject(0).getString("value"));
    JsonObject keysOnly = json(http.get("/kv?prefix=page/&limit=2&keys_only=true"));
    assertNull(keysOnly.getJsonArray("items").getJsonObject(0).getString("value"));
    assertNotNull(keysOnly.getJsonArray("items").getJsonObject(0).getLong("mod_revision"));
    assertEquals(25, json(http.get("/kv?prefix=page/&count_only=true")).getLong("count"));
    JsonObject b64 =
        json(
            http.get(
                "/kv?prefix=" + b64("page/0").replace("=", "%3D") + "&encoding=base64&limit=1"));
    assertEquals(b64("page/00"), b64.getJsonArray("items").getJsonObject(0).getString("key"));
    assertEquals(50, json(http.get("/kv?prefix=page/&count_only=false")).getLong("count") + 25);

    assertError(http.get("/kv?prefix=page/&cursor=%25%25"), 400, "invalid_cursor");
    String forwardCursor = json(http.get("/kv?prefix=page/&limit=1")).getString("cursor");
    assertError(
        http.get("/kv?prefix=page/&reverse=true&cursor=" + forwardCursor), 400, "invalid_cursor");
    assertError(http.get("/kv?prefix=page/&limit=101"), 400, "invalid_argument");
    assertError(http.get("/kv?prefix=page/&limit=0"), 400, "invalid_argument");
    assertError(http.get("/kv?prefix=a&start=b"), 400, "invalid_argument");
    assertError(http.get("/kv?start=z&end=a"), 400, "invalid_argument");
  }

  @Test
  void deleteByPrefixRemovesTheRangeAtomically() {
    for (int i = 0; i < 5; i++) {
      http.put("/kv/wipe/" + i, "x");
    }
    http.put("/kv/wipf", "keep");
    HttpResponse<byte[]> del = http.delete("/kv?prefix=wipe/");
    assertEquals(200, del.statusCode());
    assertEquals(5, json(del).getLong("deleted"));
    assertEquals(0, json(http.get("/kv?prefix=wipe/&count_only=true")).getLong("count"));
    assertEquals("keep", text(http.get("/kv/wipf")));
    assertError(http.delete("/kv"), 400, "invalid_argument");
  }

  @Test
  void batchAppliesBinarySafeOpsAtomically() {
    JsonObject body =
        new JsonObject()
            .put(
                "ops",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("op", "put")
                            .put("key", "batch/a")
                            .put("value", b64("A")))
                    .add(
                        new JsonObject()
                            .put("op", "put")
                            .put(
                                "key_b64",
                                Base64.getEncoder()
                                    .encodeToString(new byte[] {'b', 0, (byte) 0xFE}))
                            .put(
                                "value",
                                Base64.getEncoder().encodeToString(new byte[] {0, (byte) 0x80})))
                    .add(new JsonObject().put("op", "get").put("key", "batch/a"))
                    .add(new JsonObject().put("op", "delete").put("key", "batch/none")));
    HttpResponse<byte[]> r = http.postJson("/kv/_batch", body);
    assertEquals(200, r.statusCode(), text(r));
    JsonObject reply = json(r);
    JsonArray results = reply.getJsonArray("results");
    assertEquals(4, results.size());
    assertEquals(
        results.getJsonObject(0).getLong("revision"), results.getJsonObject(1).getLong("revision"));
    assertEquals(
        "A", results.getJsonObject(2).getJsonArray("items").getJsonObject(0).getString("value"));
    assertEquals(0, results.getJsonObject(3).getLong("deleted"));
    assertArrayEquals(new byte[] {0, (byte) 0x80}, http.get("/kv/b%00%FE").body());

    JsonObject bad =
        new JsonObject()
            .put(
                "ops",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("op", "put")
                            .put("key", "batch/ok")
                            .put("value", b64("x")))
                    .add(
                        new JsonObject()
                            .put("op", "put")
                            .put("key", "batch/bad")
                            .put("value", "***")));
    assertError(http.postJson("/kv/_batch", bad), 400, "invalid_argument");
    assertError(http.get("/kv/batch/ok"), 404, "key_not_found");
    assertError(http.postJson("/kv/_batch", new JsonObject()), 400, "invalid_argument");
    assertError(
        http.send("POST", "/kv/_batch", "{".getBytes(StandardCharsets.UTF_8)), 400, "invalid_json");
  }

  @Test
  void txnRunsOneBranchAtomically() {
    http.put("/kv/acct/a", "100");
    JsonObject txn =
        new JsonObject()
            .put(
                "compare",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("key", "acct/a")
                            .put("target", "value")
                            .put("op", "equal")
                            .put("value", b64("100")))
                    .add(
                        new JsonObject()
                            .put("key", "acct/b")
                            .put("target", "exists")
                            .put("value", false)))
            .put(
                "success",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("op", "put")
                            .put("key", "acct/a")
                            .put("value", b64("60")))
                    .add(
                        new JsonObject()
                            .put("op", "put")
                            .put("key", "acct/b")
                            .put("value", b64("40"))))
            .put(
                "failure",
                new JsonArray()
                    .add(
                        new JsonObject().put("op", "get").put("key", "acct/").put("prefix", true)));
    JsonObject first = json(http.postJson("/kv/_txn", txn));
    assertTrue(first.getBoolean("succeeded"));
    assertEquals("60", text(http.get("/kv/acct/a")));
    assertEquals("40", text(http.get("/kv/acct/b")));
    JsonObject second = json(http.postJson("/kv/_txn", txn));
    assertFalse(second.getBoolean("succeeded"));
    assertEquals(0, second.getLong("revision"));
    assertEquals(2, second.getJsonArray("results").getJsonObject(0).getInteger("count"));

    JsonObject badTarget =
        new JsonObject()
            .put(
                "compare",
                new JsonArray()
                    .add(new JsonObject().put("key", "k").put("target", "size").put("value", 1)));
    assertError(http.postJson("/kv/_txn", badTarget), 400, "invalid_argument");
    JsonObject dup =
        new JsonObject()
            .put(
                "success",
                new JsonArray()
                    .add(new JsonObject().put("op", "put").put("key", "d").put("value", b64("1")))
                    .add(new JsonObject().put("op", "delete").put("key", "d")));
    assertError(http.postJson("/kv/_txn", dup), 400, "invalid_argument");
  }

  @Test
  void limitsAnswer413AndNameTheLimit() {
    HttpResponse<byte[]> big = http.put("/kv/big", "x".repeat(2000));
    assertError(big, 413, "value_too_large");
    assertTrue(json(big).getString("message").contains("1024"));
    HttpResponse<byte[]> longKey = http.put("/kv/" + "k".repeat(100), "x");
    assertError(longKey, 413, "key_too_large");
    assertTrue(json(longKey).getString("message").contains("64"));
    JsonArray ops = new JsonArray();
    String v = b64("y".repeat(900));
    for (int i = 0; i < 100; i++) {
      ops.add(new JsonObject().put("op", "put").put("key", "many/" + i).put("value", v));
    }
    assertError(
        http.postJson("/kv/_batch", new JsonObject().put("ops", ops)), 413, "request_too_large");
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 129; i++) {
      tooMany.add(new JsonObject().put("op", "put").put("key", "m" + i).put("value", b64("1")));
    }
    assertError(
        http.postJson("/kv/_batch", new JsonObject().put("ops", tooMany)),
        400,
        "too_many_operations");
  }

  /** Sends a request byte for byte, for what a well-behaved client refuses to send. */
  private static String raw(String request) {
    try (Socket s = new Socket("127.0.0.1", node.node().httpPort())) {
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void putWithoutLengthIs411() {
    String reply = raw("PUT /kv/nolength HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(reply.startsWith("HTTP/1.1 411"), reply);
    assertTrue(reply.contains("\"error\":\"length_required\""), reply);
  }

  @Test
  void wrongMethodsUnknownRoutesAndUnbuiltFeatures() {
    HttpResponse<byte[]> post = http.send("POST", "/kv/x", new byte[0]);
    assertError(post, 405, "method_not_allowed");
    assertTrue(post.headers().firstValue("Allow").orElseThrow().contains("PUT"));
    assertError(http.send("PUT", "/kv", new byte[0]), 405, "method_not_allowed");
    assertError(http.get("/nothing/here"), 404, "not_found");
    HttpResponse<byte[]> watch = http.get("/watch?prefix=a");
    assertError(watch, 501, "not_implemented");
    assertEquals("watch", json(watch).getString("feature"));
    assertError(http.get("/admin/nodes"), 501, "not_implemented");
    JsonObject cluster = json(http.get("/admin/cluster"));
    assertEquals("single", cluster.getString("mode"));
    assertEquals(1, cluster.getJsonArray("nodes").size());
    JsonObject group = cluster.getJsonArray("groups").getJsonObject(0);
    assertEquals(cluster.getString("node"), group.getString("leader"));
    assertEquals(1, group.getJsonArray("members").size());
    assertEquals(256, cluster.getJsonObject("vshards").getInteger("count"));
  }

  @Test
  void readsHonourTheConsistencyParameter() {
    http.put("/kv/cons", "c");
    assertEquals("c", text(http.get("/kv/cons?consistency=serializable")));
    assertEquals("c", text(http.get("/kv/cons?consistency=linearizable")));
    assertError(http.get("/kv/cons?consistency=eventual"), 400, "invalid_argument");
  }

  @Test
  void healthProbesAndPrometheusMetrics() throws Exception {
    assertEquals("ok", json(http.get("/health/live")).getString("status"));
    assertEquals("ok", json(http.get("/health/ready")).getString("status"));
    http.put("/kv/metered", "m");
    HttpResponse<byte[]> metrics = http.get("/metrics");
    assertEquals(200, metrics.statusCode());
    String text = text(metrics);
    assertTrue(
        text.contains(
            "minikv_http_requests_seconds_bucket{method=\"PUT\",route=\"/kv/{key}\",status=\"201\""),
        text);
    assertTrue(text.contains("minikv_raft_commit_seconds_bucket"), "Raft commit latency");
    assertTrue(text.contains("minikv_raft_apply_seconds_bucket"), "Raft apply latency");
    assertTrue(text.contains("minikv_engine_bytes{engine=\"rocksdb\",group="), "engine size");
    assertTrue(text.contains("minikv_raft_log_bytes"), "log size");
    assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics");
    Path promtool = Path.of("/usr/bin/promtool");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        promtool.toFile().canExecute(), "promtool not installed");
    Process p =
        new ProcessBuilder(promtool.toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(metrics.body());
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "promtool check metrics: " + out);
  }
}
