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
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
 *
 * <p>Every use of the database holds a read lock, and {@link #restore} (a snapshot sent by the
 * leader) the write lock: a closed RocksDB handle must never be touched, which would crash the
 * process rather than throw. Iterators open across a restore are invalidated and fail.
 */
public final class RocksDbEngine implements StorageEngine {
  /**
   * RocksDB's default is 64 MiB. Every write's insert walks the memtable's skip list, and in a 64
   * MiB one (~300k entries of ~200 bytes, one memtable per data group) that walk was half of the
   * apply threads' CPU under a PUT load (perf, bench/RESULTS.md); at 8 MiB it costs a fraction, for
   * a flush every few seconds under load.
   */
  private static final long MEMTABLE_BYTES = 8L << 20;

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
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Set<Scan> openScans = ConcurrentHashMap.newKeySet();

  public RocksDbEngine(Path dir) {
    this.dir = dir;
    this.options =
        new Options()
            .setCreateIfMissing(true)
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setMaxBackgroundJobs(2)
            .setWriteBufferSize(MEMTABLE_BYTES)
            .setTableFormatConfig(
                new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(null));
    this.writeOptions = new WriteOptions().setDisableWAL(true).setSync(false);
    this.db = open();
  }

  private Path restoringDir() {
    return dir.resolveSibling(dir.getFileName() + ".restoring");
  }

  private RocksDB open() {
    try {
      Path restoring = restoringDir();
      if (Files.isDirectory(restoring)) {
        if (Files.isDirectory(dir)) {
          // Cut off while copying: the old content is intact, the partial copy is not.
          Directories.deleteTree(restoring);
        } else {
          // Cut off between removing the old content and renaming the complete (fsynced) copy.
          Files.move(restoring, dir, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      Files.createDirectories(dir);
      return RocksDB.open(options, dir.toString());
    } catch (IOException | RocksDBException e) {
      throw new StorageException("cannot open RocksDB at " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The open database, with the read lock held; release it with {@code lock.readLock()}. */
  private RocksDB acquire() {
    Lock read = lock.readLock();
    read.lock();
    RocksDB current = db;
    if (current == null) {
      read.unlock();
      throw new StorageException("the RocksDB engine at " + dir + " is closed");
    }
    return current;
  }

  private void release() {
    lock.readLock().unlock();
  }

  @Override
  public byte[] get(byte[] key) {
    RocksDB d = acquire();
    try {
      return d.get(key);
    } catch (RocksDBException e) {
      throw new StorageException("RocksDB get failed: " + e.getMessage(), e);
    } finally {
      release();
    }
  }

  @Override
  public List<byte[]> multiGet(List<byte[]> keys) {
    RocksDB d = acquire();
    try {
      return d.multiGetAsList(keys);
    } catch (RocksDBException e) {
      throw new StorageException("RocksDB multiGet failed: " + e.getMessage(), e);
    } finally {
      release();
    }
  }

  @Override
  public void write(WriteBatch batch) {
    RocksDB d = acquire();
    try (org.rocksdb.WriteBatch wb = new org.rocksdb.WriteBatch()) {
      for (WriteBatch.Op op : batch.ops()) {
        if (op instanceof WriteBatch.Put p) {
          wb.put(p.key(), p.value());
        } else if (op instanceof WriteBatch.Delete del) {
          wb.delete(del.key());
        } else if (op instanceof WriteBatch.DeleteRange r) {
          wb.deleteRange(r.start(), r.end());
        }
      }
      d.write(writeOptions, wb);
    } catch (RocksDBException e) {
      throw new StorageException("RocksDB write failed: " + e.getMessage(), e);
    } finally {
      release();
    }
  }

  @Override
  public KeyValueIterator scan(byte[] start, byte[] end, boolean reverse) {
    RocksDB d = acquire();
    try {
      Scan scan = new Scan(d, start, end, reverse);
      openScans.add(scan);
      return scan;
    } finally {
      release();
    }
  }

  /**
   * One range scan. Each step holds the read lock; a restore closes the scan's native objects first
   * (under the write lock), after which the scan fails instead of reading freed memory.
   */
  private final class Scan implements KeyValueIterator {
    private final ReadOptions ro = new ReadOptions();
    private final Slice lower;
    private final Slice upper;
    private final RocksIterator it;
    private final boolean reverse;
    private boolean closed;
    private volatile boolean invalidated;

    Scan(RocksDB d, byte[] start, byte[] end, boolean reverse) {
      this.reverse = reverse;
      this.lower = start == null ? null : new Slice(start);
      this.upper = end == null ? null : new Slice(end);
      if (lower != null) {
        ro.setIterateLowerBound(lower);
      }
      if (upper != null) {
        ro.setIterateUpperBound(upper);
      }
      this.it = d.newIterator(ro);
      if (reverse) {
        it.seekToLast();
      } else {
        it.seekToFirst();
      }
    }

    private void checkUsable() {
      if (invalidated) {
        throw new StorageException(
            "the RocksDB engine at " + dir + " was replaced by a snapshot during a scan");
      }
    }

    @Override
    public boolean hasNext() {
      if (closed) {
        return false;
      }
      acquire();
      try {
        return validLocked();
      } finally {
        release();
      }
    }

    @Override
    public KeyValue next() {
      if (closed) {
        throw new NoSuchElementException();
      }
      acquire();
      try {
        if (!validLocked()) {
          throw new NoSuchElementException();
        }
        KeyValue kv = new KeyValue(it.key(), it.value());
        if (reverse) {
          it.prev();
        } else {
          it.next();
        }
        return kv;
      } finally {
        release();
      }
    }

    /** Whether the iterator is on an entry; call with the read lock held. */
    private boolean validLocked() {
      checkUsable();
      if (it.isValid()) {
        return true;
      }
      // An iterator also stops on an I/O or corruption error: that must not look like the end.
      try {
        it.status();
      } catch (RocksDBException e) {
        throw new StorageException("RocksDB scan failed: " + e.getMessage(), e);
      }
      return false;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        openScans.remove(this);
        lock.readLock().lock();
        try {
          if (!invalidated) {
            freeNative();
          }
        } finally {
          lock.readLock().unlock();
        }
      }
    }

    /** Frees the native objects; called once, by close or (write lock held) by a restore. */
    private void freeNative() {
      it.close();
      ro.close();
      if (lower != null) {
        lower.close();
      }
      if (upper != null) {
        upper.close();
      }
    }

    /** Called with the write lock held. */
    private void invalidate() {
      if (!invalidated) {
        invalidated = true;
        freeNative();
      }
    }
  }

  @Override
  public long approximateSizeBytes() {
    RocksDB d;
    try {
      d = acquire();
    } catch (StorageException closed) {
      return -1;
    }
    try {
      return d.getLongProperty("rocksdb.total-sst-files-size")
          + d.getLongProperty("rocksdb.cur-size-all-mem-tables");
    } catch (RocksDBException e) {
      return -1;
    } finally {
      release();
    }
  }

  @Override
  public void checkpoint(Path target) {
    RocksDB d = acquire();
    // With the WAL off the memtable must be flushed, or the checkpoint would miss it.
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true);
        Checkpoint cp = Checkpoint.create(d)) {
      d.flush(fo);
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new StorageException(
          "RocksDB checkpoint to " + target + " failed: " + e.getMessage(), e);
    } finally {
      release();
    }
  }

  /** Flushes the memtable so that everything written so far is in SST files. */
  public void flush() {
    RocksDB d = acquire();
    try {
      flush(d);
    } finally {
      release();
    }
  }

  private static void flush(RocksDB d) {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      d.flush(fo);
    } catch (RocksDBException e) {
      throw new StorageException("RocksDB flush failed: " + e.getMessage(), e);
    }
  }

  /**
   * Replaces the content with the checkpoint in {@code source}: copied beside the database and
   * forced to disk first, then swapped in by a rename, so a crash at any point leaves either the
   * old or the new content (see {@link #open}).
   */
  @Override
  public void restore(Path source) {
    Path restoring = restoringDir();
    try {
      Directories.deleteTree(restoring);
      Files.createDirectories(restoring);
      try (Stream<Path> files = Files.list(source)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.copy(f, restoring.resolve(f.getFileName()));
        }
      }
      Directories.fsyncTree(restoring);
    } catch (IOException e) {
      throw new StorageException(
          "cannot restore RocksDB from " + source + ": " + e.getMessage(), e);
    }
    lock.writeLock().lock();
    try {
      closeScansAndDb();
      Directories.deleteTree(dir);
      Files.move(restoring, dir, StandardCopyOption.ATOMIC_MOVE);
      Directories.fsync(dir.getParent());
      db = open();
    } catch (IOException e) {
      throw new StorageException(
          "cannot restore RocksDB from " + source + ": " + e.getMessage(), e);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Called with the write lock held. */
  private void closeScansAndDb() {
    for (Scan scan : openScans) {
      scan.invalidate();
    }
    openScans.clear();
    if (db != null) {
      db.close();
      db = null;
    }
  }

  @Override
  public String name() {
    return RocksDbEngineProvider.NAME;
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (db != null) {
        // Flush so that a clean shutdown leaves nothing for Raft to replay.
        flush(db);
        closeScansAndDb();
        writeOptions.close();
        options.close();
        cache.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
