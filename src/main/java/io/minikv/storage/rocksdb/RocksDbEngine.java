package io.minikv.storage.rocksdb;

import io.minikv.storage.Directories;
import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageException;
import io.minikv.storage.WriteBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Checkpoint;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteOptions;

/**
 * RocksDB with its WAL off: the Raft log is the write-ahead log, and the applied index is written
 * in the same batch as the data, so after a crash the memtable's lost tail is replayed from Raft.
 * One column family: namespaces are key prefixes, which keeps flushes atomic without atomic_flush
 * across families.
 */
public final class RocksDbEngine implements StorageEngine {
  static {
    // The native library is extracted to java.io.tmpdir, which may not exist yet.
    try {
      Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    } catch (IOException e) {
      throw new StorageException("cannot create java.io.tmpdir for RocksDB: " + e.getMessage(), e);
    }
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final LRUCache cache = new LRUCache(64L << 20);
  private final Options options;
  private final WriteOptions writeOptions;
  private volatile RocksDB db;

  public RocksDbEngine(Path dir) {
    this.dir = dir;
    this.options =
        new Options()
            .setCreateIfMissing(true)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setMaxBackgroundJobs(2)
            .setTableFormatConfig(
                new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(null));
    this.writeOptions = new WriteOptions().setDisableWAL(true).setSync(false);
    this.db = open();
  }

  private RocksDB open() {
    try {
      Files.createDirectories(dir);
      return RocksDB.open(options, dir.toString());
    } catch (IOException | RocksDBException e) {
      throw new StorageException("cannot open RocksDB at " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public byte[] get(byte[] key) {
    try {
      return db.get(key);
    } catch (RocksDBException e) {
      throw new StorageException("RocksDB get failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<byte[]> multiGet(List<byte[]> keys) {
    try {
      return db.multiGetAsList(keys);
    } catch (RocksDBException e) {
      throw new StorageException("RocksDB multiGet failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void write(WriteBatch batch) {
    try (org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch()) {
      for (WriteBatch.Op op : batch.ops()) {
        if (op instanceof WriteBatch.Put p) {
          wb.put(p.key(), p.value());
        } else if (op instanceof WriteBatch.Delete d) {
          wb.delete(d.key());
        } else if (op instanceof WriteBatch.DeleteRange r) {
          wb.deleteRange(r.start(), r.end());
        }
      }
      db.write(writeOptions, wb);
    } catch (RocksDBException e) {
      throw new StorageException("RocksDB write failed: " + e.getMessage(), e);
    }
  }

  @Override
  public KeyValueIterator scan(byte[] start, byte[] end, boolean reverse) {
    ReadOptions ro = new ReadOptions();
    Slice lower = start == null ? null : new Slice(start);
    Slice upper = end == null ? null : new Slice(end);
    if (lower != null) {
      ro.setIterateLowerBound(lower);
    }
    if (upper != null) {
      ro.setIterateUpperBound(upper);
    }
    RocksIterator it = db.newIterator(ro);
    if (reverse) {
      it.seekToLast();
    } else {
      it.seekToFirst();
    }
    return new KeyValueIterator() {
      private boolean closed;

      @Override
      public boolean hasNext() {
        return !closed && it.isValid();
      }

      @Override
      public KeyValue next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        KeyValue kv = new KeyValue(it.key(), it.value());
        if (reverse) {
          it.prev();
        } else {
          it.next();
        }
        return kv;
      }

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          it.close();
          ro.close();
          if (lower != null) {
            lower.close();
          }
          if (upper != null) {
            upper.close();
          }
        }
      }
    };
  }

  @Override
  public long approximateSizeBytes() {
    try {
      return db.getLongProperty("rocksdb.total-sst-files-size")
          + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
    } catch (RocksDBException e) {
      return -1;
    }
  }

  @Override
  public void checkpoint(Path target) {
    // With the WAL off the memtable must be flushed, or the checkpoint would miss it.
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true);
        Checkpoint cp = Checkpoint.create(db)) {
      db.flush(fo);
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new StorageException(
          "RocksDB checkpoint to " + target + " failed: " + e.getMessage(), e);
    }
  }

  /** Flushes the memtable so that everything written so far is in SST files. */
  public void flush() {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo);
    } catch (RocksDBException e) {
      throw new StorageException("RocksDB flush failed: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void restore(Path source) {
    db.close();
    try {
      Directories.deleteTree(dir);
      Files.createDirectories(dir);
      try (Stream<Path> files = Files.list(source)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.copy(f, dir.resolve(f.getFileName()));
        }
      }
    } catch (IOException e) {
      throw new StorageException(
          "cannot restore RocksDB from " + source + ": " + e.getMessage(), e);
    }
    db = open();
  }

  @Override
  public String name() {
    return RocksDbEngineProvider.NAME;
  }

  @Override
  public synchronized void close() {
    if (db != null) {
      // Flush so that a clean shutdown leaves nothing for Raft to replay.
      flush();
      db.close();
      db = null;
      writeOptions.close();
      options.close();
      cache.close();
    }
  }
}
