package io.minikv;

import static io.minikv.testing.Http.json;
import static io.minikv.testing.Http.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.config.Config;
import io.minikv.raft.GroupIdentity;
import io.minikv.testing.TestNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A clean restart keeps the identity, the group, the data and the revision order. */
class NodeRestartTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"rocksdb", "xodus", "memory"})
  void dataGroupAndRevisionsSurviveACleanRestart(String engine) throws Exception {
    GroupIdentity identity;
    long lastRevision;
    try (TestNode node = TestNode.start(dir, engine, "--raft.snapshot_interval=50")) {
      for (int i = 0; i < 120; i++) {
        node.http().put("/kv/r/" + i, "value-" + i);
      }
      lastRevision = json(node.http().put("/kv/last", "x")).getLong("revision");
      identity = node.node().raft().identity();
    }
    try (TestNode node = TestNode.start(dir, engine, "--raft.snapshot_interval=50")) {
      assertEquals(identity, node.node().raft().identity());
      for (int i = 0; i < 120; i++) {
        assertEquals("value-" + i, text(node.http().get("/kv/r/" + i)), engine + " key " + i);
      }
      assertEquals(121, json(node.http().get("/kv?prefix=&count_only=true")).getLong("count"));
      long next = json(node.http().put("/kv/after", "y")).getLong("revision");
      assertTrue(next > lastRevision, "revisions keep increasing across restarts");
    }
  }

  @Test
  void aDifferentConfiguredNodeIdIsRefused() throws Exception {
    try (TestNode node = TestNode.start(dir, "memory", "--node.id=alpha")) {
      assertEquals("alpha", node.node().raft().identity().nodeId());
    }
    Config other =
        Config.load(
            null,
            Map.of(),
            List.of(
                "--node.data_dir=" + dir,
                "--node.id=beta",
                "--http.port=0",
                "--raft.port=0",
                "--s3.port=0",
                "--storage.engine=memory",
                "--auth.enabled=false"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Node.start(other));
    assertTrue(e.getMessage().contains("alpha"), e.getMessage());
  }
}
