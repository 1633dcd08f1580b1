package io.minikv.kv;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine's values for the keys the applier touched last, up to a byte budget (the least
 * recently used go first). Every write reads its key's previous record (revisions, version, TTL
 * entry) before writing; in a large memtable that read is a skip-list search of some twenty cache
 * misses, which on a busy node cost more than the rest of applying the write. Used by the apply
 * thread only. It mirrors the engine exactly: it learns a key from an engine read, follows the
 * engine writes to the keys it holds once they succeeded, and forgets everything when the engine's
 * content is replaced. Keys only ever written (TTL index entries, applied position) never take
 * room.
 */
final class RecentRecords {
  /** What {@link #get} answers for a key it does not remember. */
  static final byte[] UNKNOWN = new byte[0];

  // Marks a key remembered as absent; compared by identity, like UNKNOWN.
  private static final byte[] ABSENT = new byte[0];
  // Map entry, key object, hash and array headers, roughly.
  private static final int ENTRY_OVERHEAD = 96;

  private final long budget;
  private final long largestEntry;
  private final LinkedHashMap<Key, byte[]> entries = new LinkedHashMap<>(1024, 0.75f, true);
  private long bytes;

  /** Remembers up to {@code budget} bytes; 0 remembers nothing. */
  RecentRecords(long budget) {
    this.budget = budget;
    // One large value must not push out thousands of small records.
    this.largestEntry = budget / 16;
  }

  /** The engine's value for {@code key}: null when absent, {@link #UNKNOWN} when not remembered. */
  byte[] get(byte[] key) {
    if (budget == 0) {
      return UNKNOWN;
    }
    byte[] value = entries.get(new Key(key));
    if (value == null) {
      return UNKNOWN;
    }
    return value == ABSENT ? null : value;
  }

  /** Records that the engine holds {@code value} (null: nothing) under {@code key}. */
  void remember(byte[] key, byte[] value) {
    if (budget > 0) {
      remember(new Key(key), value);
    }
  }

  private void remember(Key k, byte[] value) {
    byte[] key = k.bytes;
    long size = sizeOf(key, value);
    byte[] previous;
    if (size > largestEntry) {
      previous = entries.remove(k);
    } else {
      previous = entries.put(k, value == null ? ABSENT : value);
      bytes += size;
    }
    if (previous != null) {
      bytes -= sizeOf(key, previous == ABSENT ? null : previous);
    }
    Iterator<Map.Entry<Key, byte[]>> eldest = entries.entrySet().iterator();
    while (bytes > budget && eldest.hasNext()) {
      Map.Entry<Key, byte[]> e = eldest.next();
      bytes -= sizeOf(e.getKey().bytes, e.getValue() == ABSENT ? null : e.getValue());
      eldest.remove();
    }
  }

  /**
   * Records that the engine now holds {@code value} under {@code key}, if the key is remembered.
   */
  void update(byte[] key, byte[] value) {
    if (budget == 0) {
      return;
    }
    Key k = new Key(key);
    if (entries.containsKey(k)) {
      remember(k, value);
    }
  }

  /** Forgets everything: the engine's content was replaced. */
  void clear() {
    entries.clear();
    bytes = 0;
  }

  long bytes() {
    return bytes;
  }

  int size() {
    return entries.size();
  }

  private static long sizeOf(byte[] key, byte[] value) {
    return ENTRY_OVERHEAD + key.length + (value == null ? 0 : value.length);
  }

  /** An engine key compared by content. */
  private static final class Key {
    private final byte[] bytes;
    private final int hash;

    Key(byte[] bytes) {
      this.bytes = bytes;
      this.hash = Arrays.hashCode(bytes);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
