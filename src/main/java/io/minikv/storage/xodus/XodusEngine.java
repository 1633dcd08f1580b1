package io.minikv.storage.xodus;

import io.minikv.storage.Bytes;
import io.minikv.storage.DumpFile;
import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.storage.StorageEngine;
import io.minikv.storage.StorageException;
import io.minikv.storage.WriteBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import jetbrains.exodus.env.Transaction;

/**
 * Xodus (pure Java): one Environment, one store, one transaction per batch. Durable writes are off
 * because the Raft log is the write-ahead log; a committed transaction is in the OS page cache and
 * survives a process crash. The store is a B-tree: Xodus' Patricia store ("with prefixing") returns
 * a key before the longer keys it prefixes when iterating backwards.
 */
public final class XodusEngine implements StorageEngine {
  private static final String STORE = "kv";

  private final Path dir;
  private final Environment env;
  private volatile Store store;

  public XodusEngine(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StorageException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    EnvironmentConfig config =
        new EnvironmentConfig()
            .setLogDurableWrite(false)
            .setEnvGatherStatistics(false)
            .setManagementEnabled(false);
    this.env = Environments.newInstance(dir.toFile(), config);
    this.store =
        env.computeInTransaction(txn -> env.openStore(STORE, StoreConfig.WITHOUT_DUPLICATES, txn));
  }

  private static ByteIterable bi(byte[] bytes) {
    return new ArrayByteIterable(bytes);
  }

  private static byte[] bytes(ByteIterable it) {
    return Arrays.copyOf(it.getBytesUnsafe(), it.getLength());
  }

  @Override
  public byte[] get(byte[] key) {
    return env.computeInReadonlyTransaction(
        txn -> {
          ByteIterable v = store.get(txn, bi(key));
          return v == null ? null : bytes(v);
        });
  }

  @Override
  public void write(WriteBatch batch) {
    env.executeInExclusiveTransaction(
        txn -> {
          for (WriteBatch.Op op : batch.ops()) {
            if (op instanceof WriteBatch.Put p) {
              store.put(txn, bi(p.key()), bi(p.value()));
            } else if (op instanceof WriteBatch.Delete d) {
              store.delete(txn, bi(d.key()));
            } else if (op instanceof WriteBatch.DeleteRange r) {
              deleteRange(txn, r.start(), r.end());
            }
          }
        });
  }

  private void deleteRange(Transaction txn, byte[] start, byte[] end) {
    try (Cursor c = store.openCursor(txn)) {
      ByteIterable k = c.getSearchKeyRange(bi(start));
      while (k != null && Bytes.compare(bytes(k), end) < 0) {
        c.deleteCurrent();
        k = c.getNext() ? c.getKey() : null;
      }
    }
  }

  @Override
  public KeyValueIterator scan(byte[] start, byte[] end, boolean reverse) {
    Transaction txn = env.beginReadonlyTransaction();
    Cursor cursor = store.openCursor(txn);
    return new KeyValueIterator() {
      private KeyValue next = reverse ? seekLast() : seekFirst();
      private boolean closed;

      private KeyValue seekFirst() {
        boolean found =
            start == null ? cursor.getNext() : cursor.getSearchKeyRange(bi(start)) != null;
        return current(found);
      }

      private KeyValue seekLast() {
        boolean found;
        if (end == null) {
          found = cursor.getLast();
        } else if (cursor.getSearchKeyRange(bi(end)) != null) {
          found = cursor.getPrev();
        } else {
          found = cursor.getLast();
        }
        return current(found);
      }

      private KeyValue current(boolean found) {
        if (!found) {
          return null;
        }
        byte[] key = bytes(cursor.getKey());
        if (!Bytes.inRange(key, start, end)) {
          return null;
        }
        return new KeyValue(key, bytes(cursor.getValue()));
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public KeyValue next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        KeyValue kv = next;
        next = current(reverse ? cursor.getPrev() : cursor.getNext());
        return kv;
      }

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          cursor.close();
          txn.abort();
        }
      }
    };
  }

  @Override
  public long approximateSizeBytes() {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }

  @Override
  public void checkpoint(Path target) {
    try {
      Files.createDirectories(target);
    } catch (IOException e) {
      throw new StorageException("cannot create " + target + ": " + e.getMessage(), e);
    }
    try (KeyValueIterator it = scan(null, null, false)) {
      DumpFile.write(target.resolve(DumpFile.NAME), it);
    }
  }

  @Override
  public void restore(Path source) {
    // One transaction: a dump with a bad checksum aborts it and leaves the engine as it was.
    Transaction txn = env.beginExclusiveTransaction();
    try {
      env.truncateStore(STORE, txn);
      Store fresh = env.openStore(STORE, StoreConfig.WITHOUT_DUPLICATES, txn);
      DumpFile.read(
          source.resolve(DumpFile.NAME), kv -> fresh.put(txn, bi(kv.key()), bi(kv.value())));
      if (!txn.commit()) {
        throw new StorageException("Xodus restore transaction did not commit");
      }
      store = fresh;
    } catch (RuntimeException e) {
      if (!txn.isFinished()) {
        txn.abort();
      }
      throw e;
    }
  }

  @Override
  public String name() {
    return XodusEngineProvider.NAME;
  }

  @Override
  public void close() {
    if (env.isOpen()) {
      env.close();
    }
  }
}
