package io.minikv.kv;

import io.minikv.storage.StorageEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * A read of a data group this node holds no replica of, sent as a Raft query to the group's leader
 * (after a ReadIndex barrier when linearizable) and answered from the leader's engine.
 */
public final class ReadQuery {
  private static final int GET = 1;
  private static final int SCAN = 2;

  private ReadQuery() {}

  public static byte[] get(String tenant, byte[] key) {
    return new BinaryWriter(16 + key.length).u8(GET).string(tenant).bytes(key).toByteArray();
  }

  public static byte[] scan(String tenant, ScanRequest q) {
    return new BinaryWriter(64)
        .u8(SCAN)
        .string(tenant)
        .nullableBytes(q.start())
        .nullableBytes(q.end())
        .varint(q.limit())
        .bool(q.reverse())
        .bool(q.keysOnly())
        .bool(q.countOnly())
        .nullableBytes(q.after())
        .toByteArray();
  }

  /** Runs an encoded query against {@code engine} and encodes its answer. */
  public static byte[] answer(StorageEngine engine, byte[] query, long nowMillis) {
    BinaryReader r = new BinaryReader(query);
    int type = r.u8();
    String tenant = r.string();
    if (type == GET) {
      KeyRecord record = KvReads.get(engine, tenant, r.bytes(), nowMillis);
      BinaryWriter w = new BinaryWriter(64).bool(record != null);
      if (record != null) {
        w.bytes(record.encode());
      }
      return w.toByteArray();
    }
    if (type == SCAN) {
      ScanRequest q =
          new ScanRequest(
              r.nullableBytes(),
              r.nullableBytes(),
              r.length(),
              r.bool(),
              r.bool(),
              r.bool(),
              r.nullableBytes());
      ScanResult result = KvReads.scan(engine, tenant, q, nowMillis);
      BinaryWriter w = new BinaryWriter(256).i64(result.count()).bool(result.more());
      w.varint(result.entries().size());
      for (KeyEntry e : result.entries()) {
        w.bytes(e.key()).bytes(e.record().encode());
      }
      return w.toByteArray();
    }
    throw new CodecException("unknown read query type " + type);
  }

  /** The record a GET query answered, or null. */
  public static KeyRecord decodeGet(byte[] answer) {
    BinaryReader r = new BinaryReader(answer);
    return r.bool() ? KeyRecord.decode(r.bytes()) : null;
  }

  public static ScanResult decodeScan(byte[] answer) {
    BinaryReader r = new BinaryReader(answer);
    long count = r.i64();
    boolean more = r.bool();
    int n = r.length();
    List<KeyEntry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      entries.add(new KeyEntry(r.bytes(), KeyRecord.decode(r.bytes())));
    }
    return new ScanResult(entries, count, more);
  }
}
