package io.minikv.raft;

import io.minikv.storage.Directories;
import io.minikv.storage.StorageEngine;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * Snapshots as directories {@code snapshot.<term>_<index>} under {@code sm/snapshots}, each an
 * engine checkpoint plus a {@code CHECKSUMS} file (CRC32C and size of every file). A snapshot is
 * built in a temporary directory and renamed into place, so one that exists is complete; its
 * checksums are verified before it is restored.
 *
 * <p>A snapshot sent by a leader arrives in {@code sm/tmp} and Ratis then swaps that directory in
 * for the whole of {@code sm/snapshots}; the two must be siblings, not one inside the other.
 */
final class SnapshotStore implements StateMachineStorage {
  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
  static final String CHECKSUMS = "CHECKSUMS";
  static final String ENGINE_DIR = "engine";

  private static final String SNAPSHOTS_DIR = "snapshots";
  private static final String RECEIVE_DIR = "tmp";

  private volatile Path dir;
  private volatile Path receiveDir;

  /**
   * Ratis asks for the latest snapshot on every appendEntries it handles or sends; listing the
   * directory each time cost ~8 system calls per call (~1,200 calls/s per node under load). Every
   * change to the directory bumps {@code generation} once complete, and an answer computed under an
   * older generation is not reused.
   */
  private final AtomicLong generation = new AtomicLong();

  private volatile Latest latest;

  private record Latest(long generation, SnapshotInfo info) {}

  @Override
  public void init(RaftStorage storage) throws IOException {
    Path sm = storage.getStorageDir().getStateMachineDir().toPath();
    dir = sm.resolve(SNAPSHOTS_DIR);
    receiveDir = sm.resolve(RECEIVE_DIR);
    Files.createDirectories(dir);
    // Snapshots of data directories from before sm/snapshots existed.
    try (Stream<Path> s = Files.list(sm)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (NAME.matcher(p.getFileName().toString()).matches()) {
          Files.move(p, dir.resolve(p.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
      }
    }
    // Left by a crash while building or receiving a snapshot: never complete, safe to drop.
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().startsWith("tmp.")) {
          Directories.deleteTree(p);
        }
      }
    }
    Directories.deleteTree(receiveDir);
    Files.createDirectories(receiveDir);
    Directories.fsync(sm);
    changed();
  }

  /**
   * Call after the snapshot directory changed other than through this class (a snapshot copied from
   * a leader, or one Ratis installed), so the next {@link #getLatestSnapshot} reads it again.
   */
  void changed() {
    generation.incrementAndGet();
  }

  /** The directory of the snapshot at {@code ti}. */
  Path pathOf(TermIndex ti) {
    return dir.resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex());
  }

  private record Found(Path path, TermIndex termIndex) {}

  private List<Found> list() {
    List<Found> out = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches() && Files.isDirectory(p)) {
          out.add(
              new Found(
                  p, TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)))));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list snapshots in " + dir, e);
    }
    out.sort(Comparator.comparingLong((Found f) -> f.termIndex().getIndex()).reversed());
    return out;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    long g = generation.get();
    Latest known = latest;
    if (known != null && known.generation() == g) {
      return known.info();
    }
    SnapshotInfo info = readLatest();
    latest = new Latest(g, info);
    return info;
  }

  private SnapshotInfo readLatest() {
    List<Found> all = list();
    if (all.isEmpty()) {
      return null;
    }
    Found latest = all.get(0);
    List<FileInfo> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(latest.path())) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (Files.isRegularFile(p) && !isTransferDigest(p)) {
          // Absolute: Ratis opens these to send them and sends each relative to getSnapshotDir().
          files.add(new FileInfo(p, null));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read snapshot " + latest.path(), e);
    }
    return new FileListSnapshotInfo(files, latest.termIndex());
  }

  /** Checkpoints {@code engine} as the snapshot at {@code ti}; returns its directory. */
  Path create(StorageEngine engine, TermIndex ti) throws IOException {
    Path target = pathOf(ti);
    if (Files.isDirectory(target)) {
      return target;
    }
    Path tmp = dir.resolve("tmp." + target.getFileName());
    Directories.deleteTree(tmp);
    Files.createDirectories(tmp);
    engine.checkpoint(tmp.resolve(ENGINE_DIR));
    writeChecksums(tmp);
    Directories.fsyncTree(tmp);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    Directories.fsync(dir);
    changed();
    return target;
  }

  /** Verifies the snapshot's checksums and returns its engine checkpoint directory. */
  Path verifiedEngineDir(TermIndex ti) throws IOException {
    Path snapshot = pathOf(ti);
    List<String> expected = Files.readAllLines(snapshot.resolve(CHECKSUMS), StandardCharsets.UTF_8);
    List<String> actual = checksumLines(snapshot);
    if (!expected.equals(actual)) {
      throw new IOException("snapshot " + snapshot + " is corrupt: checksums do not match");
    }
    return snapshot.resolve(ENGINE_DIR);
  }

  /** The MD5 file Ratis writes beside every file of a snapshot it received. */
  private static boolean isTransferDigest(Path p) {
    return p.getFileName().toString().endsWith(".md5");
  }

  private static void writeChecksums(Path snapshot) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(snapshot.resolve(CHECKSUMS))) {
      for (String line : checksumLines(snapshot)) {
        w.write(line);
        w.write('\n');
      }
    }
  }

  private static List<String> checksumLines(Path snapshot) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(snapshot)) {
      walk.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().equals(CHECKSUMS) && !isTransferDigest(p))
          .sorted()
          .forEach(files::add);
    }
    List<String> lines = new ArrayList<>();
    byte[] buf = new byte[1 << 16];
    for (Path f : files) {
      CRC32C crc = new CRC32C();
      try (InputStream in = Files.newInputStream(f)) {
        for (int n; (n = in.read(buf)) > 0; ) {
          crc.update(buf, 0, n);
        }
      }
      lines.add(
          String.format(
              "%08x %d %s", crc.getValue(), Files.size(f), snapshot.relativize(f).toString()));
    }
    return lines;
  }

  @Override
  public void format() {}

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    int keep = Math.max(1, policy.getNumSnapshotsRetained());
    List<Found> all = list();
    try {
      for (int i = keep; i < all.size(); i++) {
        Directories.deleteTree(all.get(i).path());
      }
    } finally {
      changed();
    }
  }

  @Override
  public File getSnapshotDir() {
    return dir.toFile();
  }

  @Override
  public File getTmpDir() {
    return receiveDir.toFile();
  }
}
