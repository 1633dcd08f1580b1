package io.minikv.kv;

/**
 * What the engine stores under a KV key: etcd's per-key metadata, the expiry time (0 = none), the
 * content type given at PUT and the value.
 */
public record KeyRecord(
    long createRevision,
    long modRevision,
    long version,
    long expiresAt,
    String contentType,
    byte[] value) {
  private static final int FORMAT = 1;

  /** Whether the key is visible at {@code nowMillis}; expired keys are invisible before reaping. */
  public boolean liveAt(long nowMillis) {
    return expiresAt == 0 || expiresAt > nowMillis;
  }

  byte[] encode() {
    BinaryWriter w = new BinaryWriter(48 + value.length);
    w.u8(FORMAT).i64(createRevision).i64(modRevision).i64(version).i64(expiresAt);
    w.nullableString(contentType).raw(value);
    return w.toByteArray();
  }

  static KeyRecord decode(byte[] bytes) {
    BinaryReader r = new BinaryReader(bytes);
    int format = r.u8();
    if (format != FORMAT) {
      throw new CodecException("unknown key record format " + format);
    }
    return new KeyRecord(r.i64(), r.i64(), r.i64(), r.i64(), r.nullableString(), r.rest());
  }
}
