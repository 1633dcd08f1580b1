package io.minikv.kv;

/** One operation of a transaction branch. */
public sealed interface TxnOp permits TxnOp.Put, TxnOp.Delete, TxnOp.Range {

  /** The key the operation starts at. */
  byte[] key();

  /** Sets a key; {@code ttlMillis} 0 means no expiry. */
  record Put(byte[] key, byte[] value, String contentType, long ttlMillis) implements TxnOp {}

  /** Deletes {@code key}, or every key in {@code [key, end)} when {@code end} is not null. */
  record Delete(byte[] key, byte[] end) implements TxnOp {}

  /** Reads {@code key}, or up to {@code limit} keys of {@code [key, end)} (0 = no limit). */
  record Range(byte[] key, byte[] end, int limit, boolean keysOnly) implements TxnOp {}
}
