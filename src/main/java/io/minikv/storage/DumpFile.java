package io.minikv.storage;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A portable, checksummed file of ordered key/value pairs: the checkpoint format of engines that
 * have no native one. Layout: magic, then (keyLen, key, valueLen, value)*, then -1 and the CRC32C
 * of everything before it.
 */
public final class DumpFile {
  private static final int MAGIC = 0x4D4B5644; // "MKVD"
  public static final String NAME = "engine.dump";

  private DumpFile() {}

  /** Writes every entry of {@code it} to {@code file} and fsyncs it. */
  public static void write(Path file, KeyValueIterator it) {
    try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        CheckedOutputStream checked = new CheckedOutputStream(raw, new CRC32C());
        DataOutputStream out = new DataOutputStream(checked)) {
      out.writeInt(MAGIC);
      while (it.hasNext()) {
        KeyValue kv = it.next();
        out.writeInt(kv.key().length);
        out.write(kv.key());
        out.writeInt(kv.value().length);
        out.write(kv.value());
      }
      out.writeInt(-1);
      long crc = checked.getChecksum().getValue();
      out.writeLong(crc);
      out.flush();
    } catch (IOException e) {
      throw new StorageException("cannot write dump " + file + ": " + e.getMessage(), e);
    }
    try {
      Directories.fsync(file);
    } catch (IOException e) {
      throw new StorageException("cannot fsync " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads {@code file}, verifying its checksum before the last entry is handed on. */
  public static void read(Path file, Consumer<KeyValue> sink) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        CheckedInputStream checked = new CheckedInputStream(raw, new CRC32C());
        DataInputStream in = new DataInputStream(checked)) {
      if (in.readInt() != MAGIC) {
        throw new StorageException("not a minikv dump file: " + file);
      }
      // The sink must stage entries: a bad checksum below fails the restore after they were read.
      for (int keyLen; (keyLen = in.readInt()) >= 0; ) {
        byte[] key = in.readNBytes(keyLen);
        int valueLen = in.readInt();
        byte[] value = in.readNBytes(valueLen);
        if (key.length != keyLen || value.length != valueLen) {
          throw new EOFException("truncated entry");
        }
        sink.accept(new KeyValue(key, value));
      }
      long expected = checked.getChecksum().getValue();
      long stored = in.readLong();
      if (expected != stored) {
        throw new StorageException("checksum mismatch in dump file " + file);
      }
    } catch (IOException e) {
      throw new StorageException("cannot read dump " + file + ": " + e.getMessage(), e);
    }
  }
}
