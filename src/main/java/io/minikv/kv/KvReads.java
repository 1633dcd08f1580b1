package io.minikv.kv;

import io.minikv.storage.Bytes;
import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.storage.StorageEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * KV reads of one replica's engine: the node's own replica after its read barrier, or — for a group
 * the node holds no replica of — the leader's, as a Raft query (see {@link ReadQuery}).
 */
public final class KvReads {
  private KvReads() {}

  /** The live record of {@code key}, or null when absent or expired at {@code nowMillis}. */
  public static KeyRecord get(StorageEngine engine, String tenant, byte[] key, long nowMillis) {
    byte[] raw = engine.get(Keyspace.kvKey(tenant, key));
    KeyRecord record = raw == null ? null : KeyRecord.decode(raw);
    return record == null || !record.liveAt(nowMillis) ? null : record;
  }

  /** One page of {@code request} over the engine's live keys of {@code tenant}. */
  public static ScanResult scan(
      StorageEngine engine, String tenant, ScanRequest request, long nowMillis) {
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
    List<KeyEntry> entries = new ArrayList<>();
    long count = 0;
    boolean more = false;
    try (KeyValueIterator it = engine.scan(from, to, request.reverse())) {
      while (it.hasNext()) {
        KeyValue kv = it.next();
        KeyRecord record = KeyRecord.decode(kv.value());
        if (!record.liveAt(nowMillis)) {
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
}
