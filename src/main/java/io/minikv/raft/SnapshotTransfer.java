package io.minikv.raft;

import io.minikv.storage.Directories;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * Copies a leader's latest snapshot directory to a follower that Ratis notified to install one,
 * over Raft queries (so it needs no other port or credential), at a bounded rate: a new replica or
 * a node that fell far behind pulls the files in 1 MiB chunks and pauses between chunks so that it
 * never reads more than {@code bytesPerSecond} on average. The follower stages the files in {@code
 * tmp.<name>} beside the snapshots and renames the directory into place when complete.
 */
final class SnapshotTransfer {
  /** First byte of a transfer query; KV read queries start with 1 or 2. */
  static final byte TAG = 'S';

  private static final byte LIST = 'L';
  private static final byte CHUNK = 'C';
  static final int CHUNK_BYTES = 1 << 20;

  private SnapshotTransfer() {}

  /** A snapshot's term and index, and its files (relative to the snapshot directory) and sizes. */
  record Listing(TermIndex termIndex, List<String> files, List<Long> sizes) {}

  /** Sends one query to the leader and returns its answer. */
  interface Leader {
    byte[] query(byte[] request) throws IOException;
  }

  static boolean isTransfer(byte[] query) {
    return query.length > 0 && query[0] == TAG;
  }

  /**
   * Answers a transfer query: a listing of the latest snapshot ({@code latest}; empty when null),
   * or a chunk of a file of the snapshot {@code dirOf} locates (it may have been superseded since
   * it was listed, but not yet deleted).
   */
  static byte[] answer(TermIndex latest, Function<TermIndex, Path> dirOf, byte[] request)
      throws IOException {
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(request));
    in.readByte();
    byte op = in.readByte();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    if (op == LIST) {
      if (latest == null) {
        return new byte[0];
      }
      TermIndex ti = latest;
      Path snapshot = dirOf.apply(ti);
      List<Path> files = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(snapshot)) {
        walk.filter(Files::isRegularFile).sorted().forEach(files::add);
      }
      out.writeLong(ti.getTerm());
      out.writeLong(ti.getIndex());
      out.writeInt(files.size());
      for (Path f : files) {
        out.writeUTF(snapshot.relativize(f).toString());
        out.writeLong(Files.size(f));
      }
      return bytes.toByteArray();
    }
    if (op != CHUNK) {
      throw new IOException("unknown snapshot transfer request " + op);
    }
    Path snapshot = dirOf.apply(TermIndex.valueOf(in.readLong(), in.readLong()));
    if (!Files.isDirectory(snapshot)) {
      throw new IOException("snapshot " + snapshot.getFileName() + " is no longer here");
    }
    Path file = snapshot.resolve(in.readUTF()).normalize();
    if (!file.startsWith(snapshot)) {
      throw new IOException("snapshot file outside the snapshot: " + file);
    }
    long offset = in.readLong();
    int length = Math.min(in.readInt(), CHUNK_BYTES);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      raf.seek(offset);
      byte[] buf = new byte[(int) Math.max(0, Math.min(length, raf.length() - offset))];
      raf.readFully(buf);
      return buf;
    }
  }

  /** The leader's latest snapshot, or null when it has none. */
  static Listing list(Leader leader) throws IOException {
    byte[] answer = leader.query(new byte[] {TAG, LIST});
    if (answer.length == 0) {
      return null;
    }
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(answer));
    TermIndex ti = TermIndex.valueOf(in.readLong(), in.readLong());
    int n = in.readInt();
    List<String> files = new ArrayList<>(n);
    List<Long> sizes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      files.add(in.readUTF());
      sizes.add(in.readLong());
    }
    return new Listing(ti, files, sizes);
  }

  static byte[] chunkRequest(TermIndex ti, String file, long offset, int length) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(TAG);
      out.writeByte(CHUNK);
      out.writeLong(ti.getTerm());
      out.writeLong(ti.getIndex());
      out.writeUTF(file);
      out.writeLong(offset);
      out.writeInt(length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Copies {@code listing} from {@code leader} into {@code target} (staged in a sibling {@code
   * tmp.} directory, renamed when complete), reading at most {@code bytesPerSecond} on average (0:
   * no limit). Returns the bytes copied.
   */
  static long fetch(Leader leader, Listing listing, Path target, long bytesPerSecond)
      throws IOException, InterruptedException {
    Path staging = target.resolveSibling("tmp." + target.getFileName());
    Directories.deleteTree(staging);
    Files.createDirectories(staging);
    long copied = 0;
    long start = System.nanoTime();
    for (int i = 0; i < listing.files().size(); i++) {
      String name = listing.files().get(i);
      long size = listing.sizes().get(i);
      Path file = staging.resolve(name).normalize();
      if (!file.startsWith(staging)) {
        throw new IOException("snapshot file outside the snapshot: " + name);
      }
      Files.createDirectories(file.getParent());
      try (OutputStream out = Files.newOutputStream(file)) {
        for (long offset = 0; offset < size; ) {
          byte[] chunk =
              leader.query(
                  chunkRequest(
                      listing.termIndex(),
                      name,
                      offset,
                      (int) Math.min(CHUNK_BYTES, size - offset)));
          if (chunk.length == 0) {
            throw new IOException("snapshot file " + name + " ended early at " + offset);
          }
          out.write(chunk);
          offset += chunk.length;
          copied += chunk.length;
          pace(copied, start, bytesPerSecond);
        }
      }
    }
    Directories.fsyncTree(staging);
    Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    Directories.fsync(target.getParent());
    return copied;
  }

  /** Sleeps until {@code copied} bytes since {@code start} are within the rate. */
  private static void pace(long copied, long start, long bytesPerSecond)
      throws InterruptedException {
    if (bytesPerSecond <= 0) {
      return;
    }
    long dueNanos = (long) (copied * 1e9 / bytesPerSecond);
    long aheadMillis = (dueNanos - (System.nanoTime() - start)) / 1_000_000;
    if (aheadMillis > 0) {
      Thread.sleep(aheadMillis);
    }
  }
}
