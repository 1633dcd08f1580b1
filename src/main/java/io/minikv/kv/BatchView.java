package io.minikv.kv;

import io.minikv.storage.Bytes;
import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.storage.StorageEngine;
import io.minikv.storage.WriteBatch;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The engine as seen while one entry is applied: writes collect in an ordered overlay (a null value
 * marks a delete) so later commands of the same entry read them, and become one engine batch at the
 * end. Point reads not in the overlay are answered from the recent records when they know the key.
 */
final class BatchView {
  private final StorageEngine engine;
  private final RecentRecords recent;
  private final TreeMap<byte[], byte[]> overlay = new TreeMap<>(Bytes.ORDER);

  BatchView(StorageEngine engine, RecentRecords recent) {
    this.engine = engine;
    this.recent = recent;
  }

  byte[] get(byte[] key) {
    if (overlay.containsKey(key)) {
      return overlay.get(key);
    }
    byte[] known = recent.get(key);
    if (known != RecentRecords.UNKNOWN) {
      return known;
    }
    byte[] stored = engine.get(key);
    recent.remember(key, stored);
    return stored;
  }

  void put(byte[] key, byte[] value) {
    overlay.put(key, value);
  }

  void delete(byte[] key) {
    overlay.put(key, null);
  }

  /**
   * Up to {@code limit} (0 = all) live entries of {@code [start, end)}, merged with the overlay.
   */
  List<KeyValue> scan(byte[] start, byte[] end, int limit) {
    List<KeyValue> out = new ArrayList<>();
    NavigableMap<byte[], byte[]> pending = overlay.subMap(start, true, end, false);
    Iterator<Map.Entry<byte[], byte[]>> ov = pending.entrySet().iterator();
    Map.Entry<byte[], byte[]> o = ov.hasNext() ? ov.next() : null;
    try (KeyValueIterator it = engine.scan(start, end, false)) {
      KeyValue e = it.hasNext() ? it.next() : null;
      while ((e != null || o != null) && (limit == 0 || out.size() < limit)) {
        int c = e == null ? 1 : o == null ? -1 : Bytes.compare(e.key(), o.getKey());
        if (c < 0) {
          out.add(e);
          e = it.hasNext() ? it.next() : null;
        } else {
          if (o.getValue() != null) {
            out.add(new KeyValue(o.getKey(), o.getValue()));
          }
          if (c == 0) {
            e = it.hasNext() ? it.next() : null;
          }
          o = ov.hasNext() ? ov.next() : null;
        }
      }
    }
    return out;
  }

  /** Tells the recent records what the engine holds now that the overlay's batch is written. */
  void written() {
    for (Map.Entry<byte[], byte[]> e : overlay.entrySet()) {
      recent.update(e.getKey(), e.getValue());
    }
  }

  /** The overlay as one engine batch, in key order. */
  WriteBatch toWriteBatch() {
    WriteBatch batch = new WriteBatch();
    for (Map.Entry<byte[], byte[]> e : overlay.entrySet()) {
      if (e.getValue() == null) {
        batch.delete(e.getKey());
      } else {
        batch.put(e.getKey(), e.getValue());
      }
    }
    return batch;
  }
}
