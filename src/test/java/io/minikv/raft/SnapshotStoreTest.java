package io.minikv.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.storage.WriteBatch;
import io.minikv.storage.memory.MemoryEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageDirectory;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {
  @TempDir Path dir;
  SnapshotStore store;

  @BeforeEach
  void init() throws IOException {
    store = new SnapshotStore();
    RaftStorage storage =
        RaftStorage.newBuilder()
            .setDirectory(dir.toFile())
            .setOption(RaftStorage.StartupOption.FORMAT)
            .setStorageFreeSpaceMin(org.apache.ratis.util.SizeInBytes.ONE_MB)
            .build();
    storage.initialize();
    store.init(storage);
    assertTrue(storage.getStorageDir() instanceof RaftStorageDirectory);
  }

  private static MemoryEngine engineWith(String key, String value) {
    MemoryEngine engine = new MemoryEngine();
    engine.write(
        new WriteBatch()
            .put(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
    return engine;
  }

  @Test
  void latestSnapshotIsTheHighestIndexAndRestoresItsContent() throws IOException {
    store.create(engineWith("k", "old"), TermIndex.valueOf(1, 10));
    store.create(engineWith("k", "new"), TermIndex.valueOf(2, 20));
    assertEquals(TermIndex.valueOf(2, 20), store.getLatestSnapshot().getTermIndex());
    MemoryEngine target = new MemoryEngine();
    target.restore(store.verifiedEngineDir(TermIndex.valueOf(2, 20)));
    assertArrayEquals(
        "new".getBytes(StandardCharsets.UTF_8), target.get("k".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aCorruptedSnapshotFailsVerification() throws IOException {
    Path snapshot = store.create(engineWith("k", "v"), TermIndex.valueOf(1, 5));
    Path dump = snapshot.resolve(SnapshotStore.ENGINE_DIR).resolve("engine.dump");
    byte[] bytes = Files.readAllBytes(dump);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(dump, bytes);
    IOException e =
        assertThrows(IOException.class, () -> store.verifiedEngineDir(TermIndex.valueOf(1, 5)));
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
  }

  @Test
  void cleanupKeepsTheNewestAndAHalfWrittenSnapshotIsIgnored() throws IOException {
    for (int i = 1; i <= 4; i++) {
      store.create(engineWith("k", "v" + i), TermIndex.valueOf(1, i * 10L));
    }
    store.cleanupOldSnapshots(
        new SnapshotRetentionPolicy() {
          @Override
          public int getNumSnapshotsRetained() {
            return 2;
          }
        });
    assertTrue(Files.isDirectory(store.pathOf(TermIndex.valueOf(1, 40))));
    assertTrue(Files.isDirectory(store.pathOf(TermIndex.valueOf(1, 30))));
    assertFalse(Files.exists(store.pathOf(TermIndex.valueOf(1, 20))));
    Files.createDirectories(store.getSnapshotDir().toPath().resolve("tmp.snapshot.1_99"));
    assertEquals(40, store.getLatestSnapshot().getIndex());
  }

  @Test
  void theLatestSnapshotIsRememberedUntilTheDirectoryChanges() throws IOException {
    assertEquals(null, store.getLatestSnapshot());
    store.create(engineWith("k", "v1"), TermIndex.valueOf(1, 10));
    assertEquals(10, store.getLatestSnapshot().getIndex());
    // Copied in from elsewhere (as a snapshot fetched from a leader is): unseen until changed().
    Path copied = store.pathOf(TermIndex.valueOf(1, 20));
    Files.createDirectories(copied.resolve(SnapshotStore.ENGINE_DIR));
    assertEquals(10, store.getLatestSnapshot().getIndex());
    store.changed();
    assertEquals(20, store.getLatestSnapshot().getIndex());
    store.create(engineWith("k", "v3"), TermIndex.valueOf(2, 30));
    assertEquals(TermIndex.valueOf(2, 30), store.getLatestSnapshot().getTermIndex());
  }
}
