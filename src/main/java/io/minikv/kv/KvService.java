package io.minikv.kv;

import io.minikv.storage.Bytes;
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
 * for the data group that owns each key and reads that group's replica after a ReadIndex barrier
 * when linearizable. A scan over several groups merges their ordered pages. Engine reads run on
 * worker threads, never on an event loop.
 */
public final class KvService {
  private final Vertx vertx;
  private final KvGroups groups;
  private final KvLimits limits;

  public KvService(Vertx vertx, KvGroups groups, KvLimits limits) {
    this.vertx = vertx;
    this.groups = groups;
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
    return submit(groups.ofKey(tenant, key), command)
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
    return submit(groups.ofKey(tenant, key), new Command.Delete(tenant, key, precondition))
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

  /**
   * Deletes every key in {@code [start, end)}; a null end is open. Atomic within each data group
   * (the range is deleted in every group, each in one entry); the result sums the deletions.
   */
  public Future<CommandResult.Delete> deleteRange(String tenant, byte[] start, byte[] end) {
    List<Future<CommandResult>> parts = new ArrayList<>();
    for (KvGroups.Group g : groups.all()) {
      parts.add(submit(g, new Command.DeleteRange(tenant, start, end)));
    }
    return Future.all(parts)
        .map(
            all -> {
              long revision = 0;
              long deleted = 0;
              for (int i = 0; i < all.size(); i++) {
                CommandResult.Delete d = all.resultAt(i);
                revision = Math.max(revision, d.revision());
                deleted += d.deleted();
              }
              return new CommandResult.Delete(revision, deleted);
            });
  }

  /** Runs an etcd-style transaction atomically; its keys must all belong to one data group. */
  public Future<CommandResult.Txn> txn(Command.Txn txn) {
    checkTxn(txn);
    return submit(groupOf(txn), txn).map(r -> (CommandResult.Txn) r);
  }

  /**
   * The one group every key of {@code txn} belongs to. A range operation covers every group. Until
   * two-phase commit is built, a transaction over several groups is refused, never half-applied.
   */
  private KvGroups.Group groupOf(Command.Txn txn) {
    if (groups.size() == 1) {
      return groups.get(0);
    }
    java.util.TreeSet<Integer> touched = new java.util.TreeSet<>();
    for (Compare c : txn.compares()) {
      touched.add(groups.indexOfKey(txn.tenant(), c.key()));
    }
    List<TxnOp> ops = new ArrayList<>(txn.success());
    ops.addAll(txn.failure());
    for (TxnOp op : ops) {
      boolean ranged =
          (op instanceof TxnOp.Range r && r.end() != null)
              || (op instanceof TxnOp.Delete d && d.end() != null);
      if (ranged) {
        throw new KvException.CrossGroup(
            "a transaction with a range operation spans all "
                + groups.size()
                + " data groups; transactions across data groups (two-phase commit) are not"
                + " built yet");
      }
      touched.add(groups.indexOfKey(txn.tenant(), op.key()));
    }
    if (touched.size() > 1) {
      throw new KvException.CrossGroup(
          "the transaction's keys belong to "
              + touched.size()
              + " data groups; transactions across data groups (two-phase commit) are not built"
              + " yet");
    }
    return groups.get(touched.isEmpty() ? 0 : touched.first());
  }

  /** Reads {@code key}; fails with {@link KvException.KeyNotFound} when absent or expired. */
  public Future<KeyEntry> get(String tenant, byte[] key, Consistency consistency) {
    checkKey(key);
    KvGroups.Group group = groups.ofKey(tenant, key);
    StorageEngine local = group.engine();
    Future<KeyRecord> read =
        local != null
            ? read(
                group,
                consistency,
                () -> KvReads.get(local, tenant, key, System.currentTimeMillis()))
            : remote(group, ReadQuery.get(tenant, key), consistency).map(ReadQuery::decodeGet);
    return read.map(
        record -> {
          if (record == null) {
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
    if (groups.size() == 1) {
      return scanGroup(groups.get(0), tenant, request, consistency);
    }
    List<Future<ScanResult>> parts = new ArrayList<>();
    for (KvGroups.Group g : groups.all()) {
      parts.add(scanGroup(g, tenant, request, consistency));
    }
    return Future.all(parts)
        .map(
            all -> {
              List<ScanResult> pages = new ArrayList<>();
              for (int i = 0; i < all.size(); i++) {
                pages.add(all.resultAt(i));
              }
              return merge(request, pages);
            });
  }

  /**
   * Merges per-group pages of one scan: each holds its group's first {@code limit} matches in scan
   * order, so the first {@code limit} of their union in scan order are the scan's first page.
   */
  static ScanResult merge(ScanRequest request, List<ScanResult> pages) {
    if (request.countOnly()) {
      long count = 0;
      for (ScanResult p : pages) {
        count += p.count();
      }
      return new ScanResult(List.of(), count, false);
    }
    List<KeyEntry> all = new ArrayList<>();
    boolean more = false;
    for (ScanResult p : pages) {
      all.addAll(p.entries());
      more |= p.more();
    }
    java.util.Comparator<KeyEntry> order = (a, b) -> Bytes.compare(a.key(), b.key());
    all.sort(request.reverse() ? order.reversed() : order);
    if (all.size() > request.limit()) {
      more = true;
      all = new ArrayList<>(all.subList(0, request.limit()));
    }
    return new ScanResult(all, all.size(), more);
  }

  private Future<ScanResult> scanGroup(
      KvGroups.Group g, String tenant, ScanRequest request, Consistency consistency) {
    StorageEngine local = g.engine();
    if (local != null) {
      return read(
          g, consistency, () -> KvReads.scan(local, tenant, request, System.currentTimeMillis()));
    }
    return remote(g, ReadQuery.scan(tenant, request), consistency).map(ReadQuery::decodeScan);
  }

  private Future<byte[]> remote(KvGroups.Group group, byte[] query, Consistency consistency) {
    return Future.fromCompletionStage(
        group.remote().query(query, consistency != Consistency.SERIALIZABLE),
        vertx.getOrCreateContext());
  }

  private <T> Future<T> read(KvGroups.Group group, Consistency consistency, Supplier<T> reader) {
    Context ctx = vertx.getOrCreateContext();
    if (consistency == Consistency.SERIALIZABLE) {
      return vertx.executeBlocking(reader::get, false);
    }
    CompletableFuture<Void> barrier = group.submitter().readBarrier();
    if (barrier.isDone() && !barrier.isCompletedExceptionally()) {
      return vertx.executeBlocking(reader::get, false);
    }
    return Future.fromCompletionStage(barrier, ctx)
        .compose(v -> vertx.executeBlocking(reader::get, false));
  }

  private Future<CommandResult> submit(KvGroups.Group group, Command command) {
    return Future.fromCompletionStage(
        group.submitter().submit(command), vertx.getOrCreateContext());
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
