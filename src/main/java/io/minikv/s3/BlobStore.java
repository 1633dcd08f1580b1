package io.minikv.s3;

import io.minikv.storage.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Object bodies too large to keep inline, one file each under {@code <data_dir>/blobs}. A body is
 * written to {@code tmp/}, forced to disk, then renamed into place before its metadata is committed
 * through Raft, so a committed record never points at a missing or partial file.
 */
public final class BlobStore {
  private final Path dir;
  private final Path tmp;
  private final boolean sync;

  /**
   * {@code sync}: force bodies to disk before their records commit ({@code [raft] sync}); without
   * it an acknowledged body survives a process crash but not a machine crash, like the log.
   */
  public BlobStore(Path dir, boolean sync) {
    this.dir = dir;
    this.sync = sync;
    this.tmp = dir.resolve("tmp");
    try {
      // Left by uploads that never finished: never referenced by a record.
      Directories.deleteTree(tmp);
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare blob directory " + dir, e);
    }
  }

  /** A blob id and where its file goes; the file is written in place (see BlobWriter). */
  record NewBlob(String id, Path path) {}

  /**
   * A fresh blob for an upload written in place: until its record commits it is unreferenced, so a
   * crash leaves it to the sweep at the next start.
   */
  NewBlob newBlob() {
    String id = UUID.randomUUID().toString().replace("-", "");
    return new NewBlob(id, path(id));
  }

  boolean sync() {
    return sync;
  }

  /** Makes a blob written in place and forced to disk durable in its directory. Blocking. */
  void syncDirectory(NewBlob blob) throws IOException {
    fsync(blob.path().getParent());
  }

  /** Forces a file or directory to disk when bodies are synced. */
  private void fsync(Path p) throws IOException {
    if (sync) {
      Directories.fsync(p);
    }
  }

  /** A fresh temporary file name for an upload in progress. */
  Path newTempFile() {
    return tmp.resolve(UUID.randomUUID().toString());
  }

  Path path(String id) {
    return dir.resolve(id.substring(0, 2)).resolve(id);
  }

  /** Forces the upload to disk and moves it into place; returns its blob id. Blocking. */
  String commit(Path upload) throws IOException {
    fsync(upload);
    String id = UUID.randomUUID().toString().replace("-", "");
    Path target = path(id);
    Files.createDirectories(target.getParent());
    Files.move(upload, target, StandardCopyOption.ATOMIC_MOVE);
    fsync(target.getParent());
    return id;
  }

  /**
   * Deletes blob files older than {@code before} (ms) that no object record references: left by a
   * crash between writing a body and committing its record, or between replacing a record and
   * deleting the old body. Blocking; returns how many were deleted.
   */
  int sweep(java.util.Set<String> referenced, long before) throws IOException {
    int deleted = 0;
    try (java.util.stream.Stream<Path> walk = Files.walk(dir, 2)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (!Files.isRegularFile(p) || p.getParent().equals(tmp)) {
          continue;
        }
        String id = p.getFileName().toString();
        if (!referenced.contains(id) && Files.getLastModifiedTime(p).toMillis() < before) {
          Files.delete(p);
          deleted++;
        }
      }
    }
    return deleted;
  }

  /** A new blob with the same content, as a hard link (no bytes copied). Blocking. */
  String duplicate(String id) throws IOException {
    String copy = UUID.randomUUID().toString().replace("-", "");
    Path target = path(copy);
    Files.createDirectories(target.getParent());
    Files.createLink(target, path(id));
    fsync(target.getParent());
    return copy;
  }

  /** A blob made by {@link #copyRange} and the MD5 of its bytes. */
  record Copy(String id, String md5Hex) {}

  /**
   * Copies {@code length} bytes of an object's body, from {@code offset}, into a new blob (the body
   * of UploadPartCopy). Blocking.
   */
  Copy copyRange(ObjectRecord src, long offset, long length) throws IOException {
    Path file = newTempFile();
    MessageDigest md5 = ObjectUpload.md5();
    try (FileChannel out =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      if (src.inline() != null) {
        ByteBuffer b = ByteBuffer.wrap(src.inline(), (int) offset, (int) length);
        md5.update(b.duplicate());
        while (b.hasRemaining()) {
          out.write(b);
        }
      } else {
        copyBlobs(src.blobs(), offset, length, out, md5);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
    return new Copy(commit(file), HexFormat.of().formatHex(md5.digest()));
  }

  private void copyBlobs(
      List<ObjectRecord.Blob> from, long offset, long length, FileChannel out, MessageDigest md5)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    long skip = offset;
    long remaining = length;
    for (ObjectRecord.Blob blob : from) {
      if (remaining == 0) {
        return;
      }
      if (skip >= blob.size()) {
        skip -= blob.size();
        continue;
      }
      try (FileChannel in = FileChannel.open(path(blob.id()), StandardOpenOption.READ)) {
        long pos = skip;
        skip = 0;
        while (remaining > 0 && pos < blob.size()) {
          buf.clear().limit((int) Math.min(buf.capacity(), Math.min(remaining, blob.size() - pos)));
          int n = in.read(buf, pos);
          if (n < 0) {
            throw new IOException("blob " + blob.id() + " is shorter than its record says");
          }
          buf.flip();
          md5.update(buf.duplicate());
          while (buf.hasRemaining()) {
            out.write(buf);
          }
          pos += n;
          remaining -= n;
        }
      }
    }
  }

  /** Removes a blob whose record was replaced or deleted. Blocking. */
  void delete(String id) {
    try {
      Files.deleteIfExists(path(id));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
