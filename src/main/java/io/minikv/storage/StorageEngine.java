package io.minikv.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An ordered byte-key store. Keys compare as unsigned bytes, lexicographically. Writes go through
 * {@link #write(WriteBatch)} and are atomic. Engines do not fsync on their own: durability comes
 * from the Raft log, which is replayed after the applied index the state machine stores in the same
 * batch.
 */
public interface StorageEngine extends AutoCloseable {

  /** The value under {@code key}, or null. */
  byte[] get(byte[] key);

  /** Values under {@code keys} in the same order; null where a key is absent. */
  default List<byte[]> multiGet(List<byte[]> keys) {
    List<byte[]> values = new ArrayList<>(keys.size());
    for (byte[] key : keys) {
      values.add(get(key));
    }
    return values;
  }

  /** Applies every operation of the batch, all or nothing. */
  void write(WriteBatch batch);

  /**
   * Iterates keys in {@code [start, end)}. A null bound is open. In reverse the iteration starts at
   * the greatest key below {@code end}. The caller must close the iterator.
   */
  KeyValueIterator scan(byte[] start, byte[] end, boolean reverse);

  /** Approximate bytes on disk (or in memory) used by this engine. */
  long approximateSizeBytes();

  /**
   * Writes a consistent copy of the whole engine into {@code dir}, which must not exist yet. The
   * copy reflects every batch written before the call returns.
   */
  void checkpoint(Path dir);

  /**
   * Replaces the whole content with a copy made by {@link #checkpoint(Path)} of the same engine.
   */
  void restore(Path dir);

  /** The engine's name as used in configuration. */
  String name();

  @Override
  void close();
}
