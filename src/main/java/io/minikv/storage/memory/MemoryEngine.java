package io.minikv.storage.memory;

import io.minikv.storage.Bytes;
import io.minikv.storage.DumpFile;
import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageException;
import io.minikv.storage.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps everything in a skip list. Nothing survives a restart by itself: the node restores the
 * latest Raft snapshot and replays the log into it.
 */
public final class MemoryEngine implements StorageEngine {
  private volatile ConcurrentSkipListMap<byte[], byte[]> map =
      new ConcurrentSkipListMap<>(Bytes.ORDER);
  private final AtomicLong bytes = new AtomicLong();
  // Batches take the write lock so that readers and checkpoints never see half a batch.
  private final ReadWriteLock lock = new ReentrantReadWriteLock();

  @Override
  public byte[] get(byte[] key) {
    lock.readLock().lock();
    try {
      return map.get(key);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void write(WriteBatch batch) {
    lock.writeLock().lock();
    try {
      for (WriteBatch.Op op : batch.ops()) {
        if (op instanceof WriteBatch.Put p) {
          byte[] old = map.put(p.key(), p.value());
          bytes.addAndGet(p.key().length + p.value().length - size(p.key(), old));
        } else if (op instanceof WriteBatch.Delete d) {
          bytes.addAndGet(-size(d.key(), map.remove(d.key())));
        } else if (op instanceof WriteBatch.DeleteRange r) {
          NavigableMap<byte[], byte[]> range = map.subMap(r.start(), true, r.end(), false);
          for (Map.Entry<byte[], byte[]> e : range.entrySet()) {
            bytes.addAndGet(-size(e.getKey(), e.getValue()));
          }
          range.clear();
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static long size(byte[] key, byte[] value) {
    return value == null ? 0 : key.length + value.length;
  }

  @Override
  public KeyValueIterator scan(byte[] start, byte[] end, boolean reverse) {
    NavigableMap<byte[], byte[]> view = map;
    if (start != null && end != null) {
      view =
          Bytes.compare(start, end) >= 0
              ? view.subMap(start, true, start, false)
              : view.subMap(start, true, end, false);
    } else if (start != null) {
      view = view.tailMap(start, true);
    } else if (end != null) {
      view = view.headMap(end, false);
    }
    if (reverse) {
      view = view.descendingMap();
    }
    Iterator<Map.Entry<byte[], byte[]>> it = view.entrySet().iterator();
    // Held until close so that a scan never sees half of a batch; scans are short and bounded.
    lock.readLock().lock();
    return new KeyValueIterator() {
      private boolean closed;

      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public KeyValue next() {
        Map.Entry<byte[], byte[]> e = it.next();
        return new KeyValue(e.getKey(), e.getValue());
      }

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          lock.readLock().unlock();
        }
      }
    };
  }

  @Override
  public long approximateSizeBytes() {
    return bytes.get();
  }

  @Override
  public void checkpoint(Path dir) {
    lock.writeLock().lock();
    try {
      Files.createDirectories(dir);
      try (KeyValueIterator it = scan(null, null, false)) {
        DumpFile.write(dir.resolve(DumpFile.NAME), it);
      }
    } catch (IOException e) {
      throw new StorageException("cannot checkpoint memory engine to " + dir, e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void restore(Path dir) {
    ConcurrentSkipListMap<byte[], byte[]> loaded = new ConcurrentSkipListMap<>(Bytes.ORDER);
    AtomicLong loadedBytes = new AtomicLong();
    DumpFile.read(
        dir.resolve(DumpFile.NAME),
        kv -> {
          loaded.put(kv.key(), kv.value());
          loadedBytes.addAndGet(kv.key().length + kv.value().length);
        });
    lock.writeLock().lock();
    try {
      map = loaded;
      bytes.set(loadedBytes.get());
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public String name() {
    return MemoryEngineProvider.NAME;
  }

  @Override
  public void close() {
    map = new ConcurrentSkipListMap<>(Bytes.ORDER);
  }
}
