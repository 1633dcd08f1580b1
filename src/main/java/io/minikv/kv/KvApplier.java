package io.minikv.kv;

import io.minikv.storage.Bytes;
import io.minikv.storage.KeyValue;
import io.minikv.storage.StorageEngine;
import io.minikv.storage.WriteBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies committed entries to the engine, deterministically: the same entries in the same order
 * give the same engine content and results on every replica. Each entry becomes one engine batch
 * that also records the applied term, index and last revision, so a restart knows exactly which
 * entries the engine already holds. Called from one thread at a time (the Raft apply thread).
 */
public final class KvApplier {
  private static final byte[] EMPTY = new byte[0];

  private final StorageEngine engine;
  private final RecentRecords recent;
  private volatile long appliedTerm;
  private volatile long appliedIndex;
  private volatile long lastRevision;

  public KvApplier(StorageEngine engine) {
    this(engine, 0);
  }

  /**
   * An applier that keeps up to {@code recentBytes} of the records it last read or wrote in memory,
   * so that a write to a recently used key need not read the engine (0: always reads).
   */
  public KvApplier(StorageEngine engine, long recentBytes) {
    this.engine = engine;
    this.recent = new RecentRecords(recentBytes);
    reload();
  }

  /** Reads the applied position from the engine, after opening or restoring it. */
  public void reload() {
    recent.clear();
    byte[] applied = engine.get(Keyspace.APPLIED_KEY);
    if (applied == null) {
      appliedTerm = 0;
      appliedIndex = -1;
      lastRevision = 0;
    } else {
      BinaryReader r = new BinaryReader(applied);
      appliedTerm = r.i64();
      appliedIndex = r.i64();
      lastRevision = r.i64();
    }
  }

  /** Index of the last entry the engine holds; -1 when none. */
  public long appliedIndex() {
    return appliedIndex;
  }

  public long appliedTerm() {
    return appliedTerm;
  }

  int recentRecordCount() {
    return recent.size();
  }

  /** The revision of the latest mutation applied. */
  public long lastRevision() {
    return lastRevision;
  }

  /** Applies the entry at {@code (term, index)} and returns one result per command. */
  public List<CommandResult> apply(long term, long index, byte[] entry) {
    CommandCodec.Batch batch = CommandCodec.decodeBatch(entry);
    BatchView view = new BatchView(engine, recent);
    List<CommandResult> results = new ArrayList<>(batch.commands().size());
    for (Command command : batch.commands()) {
      results.add(applyOne(command, view, batch.leaderMillis()));
    }
    WriteBatch wb = view.toWriteBatch();
    wb.put(
        Keyspace.APPLIED_KEY,
        new BinaryWriter(24).i64(term).i64(index).i64(lastRevision).toByteArray());
    engine.write(wb);
    view.written();
    appliedTerm = term;
    appliedIndex = index;
    return results;
  }

  private long nextRevision(long now) {
    lastRevision = Revisions.next(lastRevision, now);
    return lastRevision;
  }

  private CommandResult applyOne(Command command, BatchView view, long now) {
    if (command instanceof Command.Put p) {
      KeyRecord old = stored(view, p.tenant(), p.key());
      long current = old != null && old.liveAt(now) ? old.modRevision() : 0;
      if (!p.precondition().holds(current)) {
        return new CommandResult.PreconditionFailed(current);
      }
      return put(
          view,
          p.tenant(),
          p.key(),
          old,
          p.value(),
          p.contentType(),
          p.ttlMillis(),
          nextRevision(now),
          now);
    }
    if (command instanceof Command.Delete d) {
      KeyRecord live = live(view, d.tenant(), d.key(), now);
      long current = live == null ? 0 : live.modRevision();
      if (!d.precondition().holds(current)) {
        return new CommandResult.PreconditionFailed(current);
      }
      removeRaw(view, d.tenant(), d.key());
      return live == null
          ? new CommandResult.Delete(0, 0)
          : new CommandResult.Delete(nextRevision(now), 1);
    }
    if (command instanceof Command.DeleteRange r) {
      long deleted = deleteRange(view, r.tenant(), r.start(), r.end(), now);
      return new CommandResult.Delete(deleted > 0 ? nextRevision(now) : 0, deleted);
    }
    if (command instanceof Command.Txn t) {
      return txn(view, t, now);
    }
    if (command instanceof Command.Expire e) {
      view.delete(Keyspace.ttlKey(e.expiresAt(), e.tenant(), e.key()));
      byte[] engineKey = Keyspace.kvKey(e.tenant(), e.key());
      byte[] raw = view.get(engineKey);
      if (raw != null) {
        KeyRecord record = KeyRecord.decode(raw);
        if (record.expiresAt() == e.expiresAt() && !record.liveAt(now)) {
          view.delete(engineKey);
          return new CommandResult.Delete(nextRevision(now), 1);
        }
      }
      return new CommandResult.Delete(0, 0);
    }
    if (command instanceof Command.CreateBucket c) {
      byte[] key = Keyspace.bucketKey(c.tenant(), c.name());
      if (view.get(key) != null) {
        return new CommandResult.Bucket(CommandResult.BucketOutcome.ALREADY_EXISTS);
      }
      view.put(key, new BinaryWriter(8).i64(now).toByteArray());
      return new CommandResult.Bucket(CommandResult.BucketOutcome.CREATED);
    }
    if (command instanceof Command.DeleteBucket d) {
      byte[] key = Keyspace.bucketKey(d.tenant(), d.name());
      if (view.get(key) == null) {
        return new CommandResult.Bucket(CommandResult.BucketOutcome.NOT_FOUND);
      }
      byte[] objects = Keyspace.objectPrefix(d.tenant(), d.name());
      if (!view.scan(objects, Bytes.prefixEnd(objects), 1).isEmpty()) {
        return new CommandResult.Bucket(CommandResult.BucketOutcome.NOT_EMPTY);
      }
      view.delete(key);
      return new CommandResult.Bucket(CommandResult.BucketOutcome.DELETED);
    }
    if (command instanceof Command.PutObject p) {
      if (view.get(Keyspace.bucketKey(p.tenant(), p.bucket())) == null) {
        return new CommandResult.ObjectWrite(false, null);
      }
      byte[] key = Keyspace.objectKey(p.tenant(), p.bucket(), p.key());
      byte[] previous = view.get(key);
      view.put(key, p.record());
      return new CommandResult.ObjectWrite(true, previous);
    }
    if (command instanceof Command.DeleteObject d) {
      if (view.get(Keyspace.bucketKey(d.tenant(), d.bucket())) == null) {
        return new CommandResult.ObjectWrite(false, null);
      }
      byte[] key = Keyspace.objectKey(d.tenant(), d.bucket(), d.key());
      byte[] previous = view.get(key);
      if (previous != null) {
        view.delete(key);
      }
      return new CommandResult.ObjectWrite(true, previous);
    }
    if (command instanceof Command.CreateUpload c) {
      if (view.get(Keyspace.bucketKey(c.tenant(), c.bucket())) == null) {
        return new CommandResult.UploadWrite(false, null, List.of());
      }
      view.put(Keyspace.uploadKey(c.tenant(), c.bucket(), c.key(), c.uploadId()), c.record());
      return new CommandResult.UploadWrite(true, null, List.of());
    }
    if (command instanceof Command.PutPart p) {
      if (view.get(Keyspace.uploadKey(p.tenant(), p.bucket(), p.key(), p.uploadId())) == null) {
        return new CommandResult.UploadWrite(false, null, List.of());
      }
      byte[] key = Keyspace.partKey(p.tenant(), p.bucket(), p.key(), p.uploadId(), p.partNumber());
      byte[] previous = view.get(key);
      view.put(key, p.record());
      return new CommandResult.UploadWrite(true, previous, List.of());
    }
    if (command instanceof Command.CompleteUpload c) {
      byte[] upload = Keyspace.uploadKey(c.tenant(), c.bucket(), c.key(), c.uploadId());
      if (view.get(upload) == null) {
        return new CommandResult.UploadWrite(false, null, List.of());
      }
      byte[] parts = Keyspace.partPrefix(c.tenant(), c.bucket(), c.key(), c.uploadId());
      List<byte[]> released = new ArrayList<>();
      java.util.Set<Integer> used = new java.util.HashSet<>(c.usedParts());
      for (KeyValue kv : view.scan(parts, Bytes.prefixEnd(parts), 0)) {
        byte[] k = kv.key();
        int n = Keyspace.partNumber(k);
        if (!used.contains(n)) {
          released.add(kv.value());
        }
        view.delete(k);
      }
      view.delete(upload);
      byte[] objectKey = Keyspace.objectKey(c.tenant(), c.bucket(), c.key());
      byte[] previous = view.get(objectKey);
      view.put(objectKey, c.objectRecord());
      return new CommandResult.UploadWrite(true, previous, released);
    }
    if (command instanceof Command.AbortUpload a) {
      byte[] upload = Keyspace.uploadKey(a.tenant(), a.bucket(), a.key(), a.uploadId());
      if (view.get(upload) == null) {
        return new CommandResult.UploadWrite(false, null, List.of());
      }
      byte[] parts = Keyspace.partPrefix(a.tenant(), a.bucket(), a.key(), a.uploadId());
      List<byte[]> released = new ArrayList<>();
      for (KeyValue kv : view.scan(parts, Bytes.prefixEnd(parts), 0)) {
        released.add(kv.value());
        view.delete(kv.key());
      }
      view.delete(upload);
      return new CommandResult.UploadWrite(true, null, released);
    }
    throw new IllegalStateException("unhandled command " + command.getClass());
  }

  /** The record under {@code key}, expired or not; null when there is none. */
  private static KeyRecord stored(BatchView view, String tenant, byte[] key) {
    byte[] raw = view.get(Keyspace.kvKey(tenant, key));
    return raw == null ? null : KeyRecord.decode(raw);
  }

  private static KeyRecord live(BatchView view, String tenant, byte[] key, long now) {
    KeyRecord record = stored(view, tenant, key);
    return record != null && record.liveAt(now) ? record : null;
  }

  private static CommandResult.Put put(
      BatchView view,
      String tenant,
      byte[] key,
      KeyRecord old,
      byte[] value,
      String contentType,
      long ttlMillis,
      long revision,
      long now) {
    byte[] engineKey = Keyspace.kvKey(tenant, key);
    if (old != null && old.expiresAt() != 0) {
      view.delete(Keyspace.ttlKey(old.expiresAt(), tenant, key));
    }
    // An expired key that the reaper has not removed yet starts over, as if it had been deleted.
    KeyRecord live = old != null && old.liveAt(now) ? old : null;
    long expiresAt = ttlMillis > 0 ? now + ttlMillis : 0;
    KeyRecord record =
        new KeyRecord(
            live == null ? revision : live.createRevision(),
            revision,
            live == null ? 1 : live.version() + 1,
            expiresAt,
            contentType,
            value);
    view.put(engineKey, record.encode());
    if (expiresAt != 0) {
      view.put(Keyspace.ttlKey(expiresAt, tenant, key), EMPTY);
    }
    return new CommandResult.Put(revision, record.createRevision(), record.version());
  }

  /** Removes a key's record and TTL index entry, whether or not it is still live. */
  private static void removeRaw(BatchView view, String tenant, byte[] key) {
    byte[] engineKey = Keyspace.kvKey(tenant, key);
    byte[] raw = view.get(engineKey);
    if (raw == null) {
      return;
    }
    KeyRecord old = KeyRecord.decode(raw);
    if (old.expiresAt() != 0) {
      view.delete(Keyspace.ttlKey(old.expiresAt(), tenant, key));
    }
    view.delete(engineKey);
  }

  private static long deleteRange(
      BatchView view, String tenant, byte[] start, byte[] end, long now) {
    byte[] prefix = Keyspace.kvPrefix(tenant);
    byte[] from = Keyspace.kvKey(tenant, start);
    byte[] to = openEnd(end) ? Bytes.prefixEnd(prefix) : Keyspace.kvKey(tenant, end);
    long deleted = 0;
    for (KeyValue kv : view.scan(from, to, 0)) {
      KeyRecord record = KeyRecord.decode(kv.value());
      if (record.liveAt(now)) {
        deleted++;
      }
      removeRaw(view, tenant, Keyspace.userKey(kv.key(), prefix.length));
    }
    return deleted;
  }

  private CommandResult txn(BatchView view, Command.Txn t, long now) {
    boolean succeeded = true;
    for (Compare c : t.compares()) {
      if (!c.holds(live(view, t.tenant(), c.key(), now))) {
        succeeded = false;
        break;
      }
    }
    List<TxnOp> ops = succeeded ? t.success() : t.failure();
    List<CommandResult> responses = new ArrayList<>(ops.size());
    long revision = 0;
    for (TxnOp op : ops) {
      if (op instanceof TxnOp.Put p) {
        if (revision == 0) {
          revision = nextRevision(now);
        }
        responses.add(
            put(
                view,
                t.tenant(),
                p.key(),
                stored(view, t.tenant(), p.key()),
                p.value(),
                p.contentType(),
                p.ttlMillis(),
                revision,
                now));
      } else if (op instanceof TxnOp.Delete d) {
        long deleted;
        if (d.end() == null) {
          deleted = live(view, t.tenant(), d.key(), now) == null ? 0 : 1;
          removeRaw(view, t.tenant(), d.key());
        } else {
          deleted = deleteRange(view, t.tenant(), d.key(), d.end(), now);
        }
        if (deleted > 0 && revision == 0) {
          revision = nextRevision(now);
        }
        responses.add(new CommandResult.Delete(deleted > 0 ? revision : 0, deleted));
      } else if (op instanceof TxnOp.Range r) {
        responses.add(new CommandResult.Range(range(view, t.tenant(), r, now)));
      }
    }
    return new CommandResult.Txn(succeeded, revision, responses);
  }

  private static List<KeyEntry> range(BatchView view, String tenant, TxnOp.Range r, long now) {
    List<KeyEntry> out = new ArrayList<>();
    if (r.end() == null) {
      KeyRecord record = live(view, tenant, r.key(), now);
      if (record != null) {
        out.add(new KeyEntry(r.key(), r.keysOnly() ? withoutValue(record) : record));
      }
      return out;
    }
    byte[] prefix = Keyspace.kvPrefix(tenant);
    byte[] to = openEnd(r.end()) ? Bytes.prefixEnd(prefix) : Keyspace.kvKey(tenant, r.end());
    for (KeyValue kv : view.scan(Keyspace.kvKey(tenant, r.key()), to, 0)) {
      KeyRecord record = KeyRecord.decode(kv.value());
      if (record.liveAt(now)) {
        byte[] key = Keyspace.userKey(kv.key(), prefix.length);
        out.add(new KeyEntry(key, r.keysOnly() ? withoutValue(record) : record));
        if (r.limit() > 0 && out.size() >= r.limit()) {
          break;
        }
      }
    }
    return out;
  }

  /** A null or empty range end means "to the end of the tenant" (etcd's "\0"). */
  private static boolean openEnd(byte[] end) {
    return end == null || end.length == 0;
  }

  static KeyRecord withoutValue(KeyRecord r) {
    return new KeyRecord(
        r.createRevision(), r.modRevision(), r.version(), r.expiresAt(), r.contentType(), EMPTY);
  }
}
