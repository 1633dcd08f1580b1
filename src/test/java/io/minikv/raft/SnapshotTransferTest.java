package io.minikv.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.ratis.server.protocol.TermIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica copies a leader's snapshot directory through transfer queries: every file arrives whole
 * (several chunks, nested directories), the directory appears only when complete, the copy keeps to
 * its byte rate, and a request for a file outside the snapshot is refused.
 */
class SnapshotTransferTest {
  @TempDir Path leaderDir;
  @TempDir Path followerDir;

  private final TermIndex ti = TermIndex.valueOf(3, 120);

  private Path snapshotOf(TermIndex t) {
    return leaderDir.resolve("snapshot." + t.getTerm() + "_" + t.getIndex());
  }

  private SnapshotTransfer.Leader leader(TermIndex latest) {
    return request -> SnapshotTransfer.answer(latest, this::snapshotOf, request);
  }

  private byte[] writeSnapshot() throws IOException {
    Path snapshot = snapshotOf(ti);
    Files.createDirectories(snapshot.resolve("engine"));
    byte[] big = new byte[(3 << 20) + 12345];
    new Random(7).nextBytes(big);
    Files.write(snapshot.resolve("engine/000007.sst"), big);
    Files.writeString(snapshot.resolve("engine/CURRENT"), "MANIFEST-000005\n");
    Files.writeString(snapshot.resolve("CHECKSUMS"), "abc 1 engine/CURRENT\n");
    Files.createFile(snapshot.resolve("engine/EMPTY"));
    return big;
  }

  @Test
  void copiesEveryFileWholeAndRenamesTheDirectoryWhenDone() throws Exception {
    byte[] big = writeSnapshot();
    SnapshotTransfer.Listing listing = SnapshotTransfer.list(leader(ti));
    assertEquals(ti, listing.termIndex());
    assertEquals(4, listing.files().size());
    Path target = followerDir.resolve("snapshot.3_120");
    long copied = SnapshotTransfer.fetch(leader(ti), listing, target, 0);
    assertEquals(big.length + 16 + 21, copied);
    assertArrayEquals(big, Files.readAllBytes(target.resolve("engine/000007.sst")));
    assertEquals("MANIFEST-000005\n", Files.readString(target.resolve("engine/CURRENT")));
    assertEquals(0, Files.size(target.resolve("engine/EMPTY")));
    assertFalse(Files.exists(followerDir.resolve("tmp.snapshot.3_120")), "staging renamed");
  }

  @Test
  void keepsToItsByteRate() throws Exception {
    writeSnapshot();
    SnapshotTransfer.Listing listing = SnapshotTransfer.list(leader(ti));
    long start = System.nanoTime();
    long copied = SnapshotTransfer.fetch(leader(ti), listing, followerDir.resolve("s"), 2L << 20);
    double seconds = (System.nanoTime() - start) / 1e9;
    // 3 MiB and a little at 2 MiB/s: the limiter must have held it back for about 1.5 s.
    assertTrue(seconds >= copied / (double) (2L << 20) - 0.1, "took only " + seconds + " s");
  }

  @Test
  void aLeaderWithoutASnapshotListsNothing() throws Exception {
    assertNull(SnapshotTransfer.list(leader(null)));
  }

  @Test
  void refusesFilesOutsideTheSnapshotAndSnapshotsThatAreGone() throws Exception {
    writeSnapshot();
    Files.writeString(leaderDir.resolve("secret"), "no");
    assertThrows(
        IOException.class, () -> leader(ti).query(chunk(ti, "../secret")), "path traversal");
    assertThrows(
        IOException.class,
        () -> leader(ti).query(chunk(TermIndex.valueOf(2, 50), "CHECKSUMS")),
        "a deleted snapshot");
    assertEquals(3, leader(ti).query(chunk(ti, "CHECKSUMS")).length);
  }

  private static byte[] chunk(TermIndex t, String file) {
    return SnapshotTransfer.chunkRequest(t, file, 0, 3);
  }
}
