package io.minikv.kv;

import io.minikv.storage.Bytes;
import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.storage.StorageEngine;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The KV operations every adapter (REST, gRPC) calls: validates against the limits, builds commands
 * for the Raft group and reads the engine after a ReadIndex barrier when linearizable. Engine reads
 * run on worker threads, never on an event loop.
 */
public final class KvService {
  private final Vertx vertx;
  private final StorageEngine engine;
  private final CommandSubmitter submitter;
  private final KvLimits limits;

  public KvService(Vertx vertx, StorageEngine engine, CommandSubmitter submitter, KvLimits limits) {
    this.vertx = vertx;
    this.engine = engine;
    this.submitter = submitter;
    this.limits = limits;
  }

  public KvLimits limits() {
    return limits;
  }

  /** Writes {@code key}; {@code ttlMillis} 0 means no expiry. */
  public Future<CommandResult.Put> put(
      String tenant,
      byte[] key,
      byte[] value,
      String contentType,
      long ttlMillis,
      Precondition precondition) {
    checkKey(key);
    checkValue(key, value);
    checkTtl(ttlMillis);
    Command.Put command = new Command.Put(tenant, key, value, contentType, ttlMillis, precondition);
    return submit(command)
        .map(
            r -> {
              if (r instanceof CommandResult.PreconditionFailed f) {
                throw new KvException.PreconditionFailed(
                    KeyDisplay.of(key), f.currentModRevision());
              }
              return (CommandResult.Put) r;
            });
  }

  /** Deletes {@code key}; fails with {@link KvException.KeyNotFound} when it does not exist. */
  public Future<CommandResult.Delete> delete(String tenant, byte[] key, Precondition precondition) {
    checkKey(key);
    return submit(new Command.Delete(tenant, key, precondition))
        .map(
            r -> {
              if (r instanceof CommandResult.PreconditionFailed f) {
                throw new KvException.PreconditionFailed(
                    KeyDisplay.of(key), f.currentModRevision());
              }
              CommandResult.Delete d = (CommandResult.Delete) r;
              if (d.deleted() == 0) {
                throw new KvException.KeyNotFound(KeyDisplay.of(key));
              }
              return d;
            });
  }

  /** Deletes every key in {@code [start, end)}; a null end is open. */
  public Future<CommandResult.Delete> deleteRange(String tenant, byte[] start, byte[] end) {
    return submit(new Command.DeleteRange(tenant, start, end)).map(r -> (CommandResult.Delete) r);
  }

  /** Runs an etcd-style transaction atomically. */
  public Future<CommandResult.Txn> txn(Command.Txn txn) {
    checkTxn(txn);
    return submit(txn).map(r -> (CommandResult.Txn) r);
  }

  /** Reads {@code key}; fails with {@link KvException.KeyNotFound} when absent or expired. */
  public Future<KeyEntry> get(String tenant, byte[] key, Consistency consistency) {
    checkKey(key);
    return read(
        consistency,
        () -> {
          byte[] raw = engine.get(Keyspace.kvKey(tenant, key));
          KeyRecord record = raw == null ? null : KeyRecord.decode(raw);
          if (record == null || !record.liveAt(System.currentTimeMillis())) {
            throw new KvException.KeyNotFound(KeyDisplay.of(key));
          }
          return new KeyEntry(key, record);
        });
  }

  /** One page of a range scan. */
  public Future<ScanResult> scan(String tenant, ScanRequest request, Consistency consistency) {
    if (request.limit() < 1 || request.limit() > limits.maxScanLimit()) {
      throw new KvException.InvalidArgument(
          "limit must be between 1 and " + limits.maxScanLimit() + ", got " + request.limit());
    }
    return read(consistency, () -> scanNow(tenant, request));
  }

  private ScanResult scanNow(String tenant, ScanRequest request) {
    byte[] prefix = Keyspace.kvPrefix(tenant);
    byte[] from = Keyspace.kvKey(tenant, request.start() == null ? new byte[0] : request.start());
    byte[] to =
        request.end() == null ? Bytes.prefixEnd(prefix) : Keyspace.kvKey(tenant, request.end());
    if (request.after() != null) {
      byte[] after = Keyspace.kvKey(tenant, request.after());
      if (request.reverse()) {
        to = Bytes.compare(after, to) < 0 ? after : to;
      } else {
        byte[] next = Bytes.successor(after);
        from = Bytes.compare(next, from) > 0 ? next : from;
      }
    }
    long now = System.currentTimeMillis();
    List<KeyEntry> entries = new ArrayList<>();
    long count = 0;
    boolean more = false;
    try (KeyValueIterator it = engine.scan(from, to, request.reverse())) {
      while (it.hasNext()) {
        KeyValue kv = it.next();
        KeyRecord record = KeyRecord.decode(kv.value());
        if (!record.liveAt(now)) {
          continue;
        }
        if (request.countOnly()) {
          count++;
          continue;
        }
        if (entries.size() == request.limit()) {
          more = true;
          break;
        }
        byte[] key = Keyspace.userKey(kv.key(), prefix.length);
        entries.add(
            new KeyEntry(key, request.keysOnly() ? KvApplier.withoutValue(record) : record));
      }
    }
    return new ScanResult(entries, request.countOnly() ? count : entries.size(), more);
  }

  private <T> Future<T> read(Consistency consistency, Supplier<T> reader) {
    Context ctx = vertx.getOrCreateContext();
    if (consistency == Consistency.SERIALIZABLE) {
      return vertx.executeBlocking(reader::get, false);
    }
    CompletableFuture<Void> barrier = submitter.readBarrier();
    if (barrier.isDone() && !barrier.isCompletedExceptionally()) {
      return vertx.executeBlocking(reader::get, false);
    }
    return Future.fromCompletionStage(barrier, ctx)
        .compose(v -> vertx.executeBlocking(reader::get, false));
  }

  private Future<CommandResult> submit(Command command) {
    return Future.fromCompletionStage(submitter.submit(command), vertx.getOrCreateContext());
  }

  private void checkKey(byte[] key) {
    if (key.length == 0) {
      throw new KvException.InvalidArgument("key must not be empty");
    }
    if (key.length > limits.maxKeyBytes()) {
      throw new KvException.LimitExceeded(
          KvException.Limit.KEY_SIZE,
          "key is " + key.length + " bytes; the limit is " + limits.maxKeyBytes() + " bytes");
    }
  }

  private void checkValue(byte[] key, byte[] value) {
    if (value.length > limits.maxValueBytes()) {
      throw new KvException.LimitExceeded(
          KvException.Limit.VALUE_SIZE,
          "value of key '"
              + KeyDisplay.of(key)
              + "' is "
              + value.length
              + " bytes; the limit is "
              + limits.maxValueBytes()
              + " bytes");
    }
  }

  private static void checkTtl(long ttlMillis) {
    if (ttlMillis < 0) {
      throw new KvException.InvalidArgument("ttl must be positive, got " + ttlMillis + " ms");
    }
  }

  private void checkTxn(Command.Txn txn) {
    int max = limits.maxTxnOps();
    if (txn.compares().size() > max || txn.success().size() > max || txn.failure().size() > max) {
      throw new KvException.LimitExceeded(
          KvException.Limit.TXN_OPERATIONS,
          "a transaction may have at most "
              + max
              + " compares and "
              + max
              + " operations per branch");
    }
    for (Compare c : txn.compares()) {
      checkKey(c.key());
    }
    checkBranch(txn.success());
    checkBranch(txn.failure());
  }

  private void checkBranch(List<TxnOp> ops) {
    Set<String> written = new HashSet<>();
    for (TxnOp op : ops) {
      if (op instanceof TxnOp.Range r && r.end() != null) {
        if (r.key().length > limits.maxKeyBytes()) {
          checkKey(r.key());
        }
        continue;
      }
      if (op instanceof TxnOp.Delete d && d.end() != null) {
        continue;
      }
      checkKey(op.key());
      if (op instanceof TxnOp.Put p) {
        checkValue(p.key(), p.value());
        checkTtl(p.ttlMillis());
      }
      if (!(op instanceof TxnOp.Range)
          && !written.add(java.util.HexFormat.of().formatHex(op.key()))) {
        throw new KvException.InvalidArgument(
            "key '" + KeyDisplay.of(op.key()) + "' is written more than once in one branch");
      }
    }
  }
}
