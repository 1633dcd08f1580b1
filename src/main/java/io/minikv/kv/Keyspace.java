package io.minikv.kv;

import io.minikv.storage.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Layout of engine keys: {@code namespace byte, tenant, 0x00, key}. Namespaces keep KV data, the
 * TTL index and system records apart, and (namespace, tenant, key) order makes a tenant's range or
 * prefix one ordered engine scan. Tenant names never contain 0x00.
 */
public final class Keyspace {
  private Keyspace() {}

  static final byte NS_KV = 'k';
  static final byte NS_TTL = 't';
  static final byte NS_SYSTEM = 's';
  static final byte NS_BUCKET = 'b';
  static final byte NS_OBJECT = 'o';
  static final byte NS_UPLOAD = 'u';
  static final byte NS_PART = 'q';

  /** Where the state machine keeps the applied term, index and last revision. */
  static final byte[] APPLIED_KEY = {NS_SYSTEM, 'a', 'p', 'p', 'l', 'i', 'e', 'd'};

  /** The first engine key of a tenant's KV namespace. */
  static byte[] kvPrefix(String tenant) {
    byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[t.length + 2];
    out[0] = NS_KV;
    System.arraycopy(t, 0, out, 1, t.length);
    return out;
  }

  static byte[] kvKey(String tenant, byte[] key) {
    byte[] prefix = kvPrefix(tenant);
    byte[] out = Arrays.copyOf(prefix, prefix.length + key.length);
    System.arraycopy(key, 0, out, prefix.length, key.length);
    return out;
  }

  /** Where a tenant's bucket record lives; records of one tenant share this prefix. */
  static byte[] bucketKey(String tenant, String bucket) {
    byte[] prefix = bucketPrefix(tenant);
    byte[] name = bucket.getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(prefix, prefix.length + name.length);
    System.arraycopy(name, 0, out, prefix.length, name.length);
    return out;
  }

  static byte[] bucketPrefix(String tenant) {
    byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[t.length + 2];
    out[0] = NS_BUCKET;
    System.arraycopy(t, 0, out, 1, t.length);
    return out;
  }

  /** The prefix of every object record of a bucket ({@code bucket/} then the object key). */
  static byte[] objectPrefix(String tenant, String bucket) {
    byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
    byte[] b = bucket.getBytes(StandardCharsets.UTF_8);
    BinaryWriter w = new BinaryWriter(t.length + b.length + 3);
    w.u8(NS_OBJECT).raw(t).u8(0).raw(b).u8('/');
    return w.toByteArray();
  }

  static byte[] objectKey(String tenant, String bucket, String key) {
    return Bytes.concat(objectPrefix(tenant, bucket), key.getBytes(StandardCharsets.UTF_8));
  }

  /** An upload's record: {@code u tenant 0 bucket/ key 0 uploadId}. */
  static byte[] uploadKey(String tenant, String bucket, String key, String uploadId) {
    return uploadScoped(NS_UPLOAD, tenant, bucket, key, uploadId);
  }

  /** The prefix of every upload record of a bucket, ordered by object key then upload id. */
  static byte[] uploadPrefix(String tenant, String bucket) {
    BinaryWriter w = new BinaryWriter(32 + bucket.length());
    w.u8(NS_UPLOAD).raw(tenant.getBytes(StandardCharsets.UTF_8)).u8(0);
    w.raw(bucket.getBytes(StandardCharsets.UTF_8)).u8('/');
    return w.toByteArray();
  }

  /** The parts of an upload key made by {@link #uploadKey}. */
  public record UploadId(String tenant, String bucket, String key, String uploadId) {}

  static UploadId parseUploadKey(byte[] k) {
    int tenantEnd = indexOf(k, (byte) 0, 1);
    int bucketEnd = indexOf(k, (byte) '/', tenantEnd + 1);
    // The key may not hold 0x00 but the upload id never does: split at the last two zeros.
    int idEnd = k.length - 1;
    int keyEnd = idEnd - 1;
    while (k[keyEnd] != 0) {
      keyEnd--;
    }
    return new UploadId(
        new String(k, 1, tenantEnd - 1, StandardCharsets.UTF_8),
        new String(k, tenantEnd + 1, bucketEnd - tenantEnd - 1, StandardCharsets.UTF_8),
        new String(k, bucketEnd + 1, keyEnd - bucketEnd - 1, StandardCharsets.UTF_8),
        new String(k, keyEnd + 1, idEnd - keyEnd - 1, StandardCharsets.UTF_8));
  }

  private static int indexOf(byte[] k, byte b, int from) {
    for (int i = from; i < k.length; i++) {
      if (k[i] == b) {
        return i;
      }
    }
    throw new IllegalArgumentException("malformed engine key");
  }

  /** The prefix of an upload's part records; the 4-byte part number follows. */
  static byte[] partPrefix(String tenant, String bucket, String key, String uploadId) {
    return uploadScoped(NS_PART, tenant, bucket, key, uploadId);
  }

  static byte[] partKey(String tenant, String bucket, String key, String uploadId, int part) {
    byte[] prefix = partPrefix(tenant, bucket, key, uploadId);
    byte[] out = Arrays.copyOf(prefix, prefix.length + 4);
    for (int i = 0; i < 4; i++) {
      out[prefix.length + i] = (byte) (part >>> (24 - 8 * i));
    }
    return out;
  }

  /** The part number at the end of a key made by {@link #partKey}. */
  static int partNumber(byte[] partKey) {
    int n = partKey.length;
    return ((partKey[n - 4] & 0xFF) << 24)
        | ((partKey[n - 3] & 0xFF) << 16)
        | ((partKey[n - 2] & 0xFF) << 8)
        | (partKey[n - 1] & 0xFF);
  }

  private static byte[] uploadScoped(
      byte ns, String tenant, String bucket, String key, String uploadId) {
    BinaryWriter w = new BinaryWriter(64 + key.length());
    w.u8(ns).raw(tenant.getBytes(StandardCharsets.UTF_8)).u8(0);
    w.raw(bucket.getBytes(StandardCharsets.UTF_8))
        .u8('/')
        .raw(key.getBytes(StandardCharsets.UTF_8));
    w.u8(0).raw(uploadId.getBytes(StandardCharsets.UTF_8)).u8(0);
    return w.toByteArray();
  }

  /**
   * The user key inside an engine key made by {@link #kvKey} for a tenant of that prefix length.
   */
  static byte[] userKey(byte[] engineKey, int prefixLength) {
    return Arrays.copyOfRange(engineKey, prefixLength, engineKey.length);
  }

  /** TTL index entry: ordered by expiry time first, so the reaper scans from the oldest. */
  static byte[] ttlKey(long expiresAtMillis, String tenant, byte[] key) {
    byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
    BinaryWriter w = new BinaryWriter(1 + 8 + t.length + 1 + key.length);
    w.u8(NS_TTL).i64(expiresAtMillis).raw(t).u8(0).raw(key);
    return w.toByteArray();
  }

  /** The first TTL index key that expires after {@code millis}. */
  static byte[] ttlBound(long millis) {
    return new BinaryWriter(9).u8(NS_TTL).i64(millis).toByteArray();
  }

  /** A parsed TTL index entry. */
  record TtlEntry(long expiresAt, String tenant, byte[] key) {}

  static TtlEntry parseTtlKey(byte[] k) {
    BinaryReader r = new BinaryReader(k);
    r.u8();
    long expiresAt = r.i64();
    int zero = 9;
    while (zero < k.length && k[zero] != 0) {
      zero++;
    }
    String tenant = new String(k, 9, zero - 9, StandardCharsets.UTF_8);
    return new TtlEntry(expiresAt, tenant, Arrays.copyOfRange(k, zero + 1, k.length));
  }
}
