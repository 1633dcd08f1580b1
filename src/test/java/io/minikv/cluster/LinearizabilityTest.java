package io.minikv.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.Http;
import io.minikv.testing.Linearizability;
import io.minikv.testing.Linearizability.Kind;
import io.minikv.testing.Linearizability.Op;
import io.minikv.testing.MiniCluster;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent clients write, read and compare-and-set one key through every node of a 3-node cluster
 * while the leader is stopped; the history must be linearizable.
 */
class LinearizabilityTest {
  private static final long UNKNOWN = Long.MAX_VALUE;
  @TempDir Path dir;

  @Test
  void theCheckerRejectsAStaleReadAndAcceptsConcurrentOverlap() {
    // write a [0,1], then read [2,3] sees the initial value: not linearizable.
    assertFalse(
        Linearizability.check(
            List.of(
                new Op(Kind.WRITE, "a", null, true, 0, 1),
                new Op(Kind.READ, null, null, true, 2, 3)),
            null));
    // The same read overlapping the write may see either.
    assertTrue(
        Linearizability.check(
            List.of(
                new Op(Kind.WRITE, "a", null, true, 0, 5),
                new Op(Kind.READ, null, null, true, 2, 3)),
            null));
    // A CAS that succeeded against a value nobody wrote is impossible.
    assertFalse(Linearizability.check(List.of(new Op(Kind.CAS, "b", "zzz", true, 0, 1)), null));
    // An unacknowledged write may explain a later read, or not happen at all.
    assertTrue(
        Linearizability.check(
            List.of(
                new Op(Kind.WRITE, "a", null, false, 0, UNKNOWN),
                new Op(Kind.READ, "a", null, true, 5, 6)),
            null));
  }

  @Test
  void registerHistoriesAcrossALeaderStopAreLinearizable() throws Exception {
    try (MiniCluster c = MiniCluster.start(dir, 3)) {
      List<Op> history = Collections.synchronizedList(new ArrayList<>());
      java.util.concurrent.atomic.AtomicReference<int[]> alive =
          new java.util.concurrent.atomic.AtomicReference<>(new int[] {0, 1, 2});
      long end = System.nanoTime() + 8_000_000_000L;
      List<Thread> clients = new ArrayList<>();
      for (int id = 0; id < 4; id++) {
        int client = id;
        Thread t =
            new Thread(
                () -> {
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  String lastValue = null;
                  String lastEtag = null;
                  int n = 0;
                  while (System.nanoTime() < end) {
                    int[] nodes = alive.get();
                    Http http = c.http(nodes[random.nextInt(nodes.length)]);
                    int dice = random.nextInt(3);
                    long invoke = System.nanoTime();
                    try {
                      if (dice == 0) {
                        String v = "c" + client + "-" + n++;
                        HttpResponse<byte[]> r = http.put("/kv/reg", v);
                        long done = System.nanoTime();
                        boolean ok = r.statusCode() == 200 || r.statusCode() == 201;
                        history.add(new Op(Kind.WRITE, v, null, ok, invoke, ok ? done : UNKNOWN));
                      } else if (dice == 1) {
                        HttpResponse<byte[]> r = http.get("/kv/reg");
                        long done = System.nanoTime();
                        if (r.statusCode() == 200 || r.statusCode() == 404) {
                          String v = r.statusCode() == 404 ? null : Http.text(r);
                          history.add(new Op(Kind.READ, v, null, true, invoke, done));
                          lastValue = v;
                          lastEtag = r.headers().firstValue("ETag").orElse(null);
                        }
                      } else if (lastEtag != null) {
                        String v = "c" + client + "-" + n++;
                        HttpResponse<byte[]> r = http.put("/kv/reg", v, "If-Match", lastEtag);
                        long done = System.nanoTime();
                        int s = r.statusCode();
                        if (s == 200 || s == 201) {
                          history.add(new Op(Kind.CAS, v, lastValue, true, invoke, done));
                        } else if (s == 412) {
                          history.add(new Op(Kind.CAS, v, lastValue, false, invoke, done));
                        } else {
                          history.add(new Op(Kind.CAS, v, lastValue, false, invoke, UNKNOWN));
                        }
                      }
                    } catch (RuntimeException e) {
                      // The outcome is unknown: a write or CAS may or may not have happened.
                      if (dice == 0) {
                        history.add(
                            new Op(
                                Kind.WRITE,
                                "c" + client + "-" + (n - 1),
                                null,
                                false,
                                invoke,
                                UNKNOWN));
                      }
                    }
                  }
                });
        t.start();
        clients.add(t);
      }
      Thread.sleep(3000);
      int leader = c.leader();
      int[] survivors = new int[2];
      for (int i = 0, j = 0; i < 3; i++) {
        if (i != leader) {
          survivors[j++] = i;
        }
      }
      alive.set(survivors);
      c.stop(leader);
      for (Thread t : clients) {
        t.join(60_000);
      }
      System.out.println("history of " + history.size() + " operations");
      assertTrue(history.size() > 50, "too few operations: " + history.size());
      assertTrue(Linearizability.check(history, null), "not linearizable: " + history);
    }
  }
}
