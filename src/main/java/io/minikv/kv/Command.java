package io.minikv.kv;

import java.util.List;

/**
 * A replicated mutation. Every command names its tenant; the group that owns the key's vshard
 * applies it. The set is closed: {@link CommandCodec} encodes exactly these.
 */
public sealed interface Command
    permits Command.Put,
        Command.Delete,
        Command.DeleteRange,
        Command.Txn,
        Command.Expire,
        Command.CreateBucket,
        Command.DeleteBucket,
        Command.PutObject,
        Command.DeleteObject,
        Command.CreateUpload,
        Command.PutPart,
        Command.CompleteUpload,
        Command.AbortUpload {

  String tenant();

  /** Sets {@code key}; {@code ttlMillis} 0 means no expiry. */
  record Put(
      String tenant,
      byte[] key,
      byte[] value,
      String contentType,
      long ttlMillis,
      Precondition precondition)
      implements Command {}

  /** Deletes {@code key} when the precondition holds. */
  record Delete(String tenant, byte[] key, Precondition precondition) implements Command {}

  /** Deletes every key of the tenant in {@code [start, end)}; a null end is open. */
  record DeleteRange(String tenant, byte[] start, byte[] end) implements Command {}

  /** etcd's transaction: if every compare holds run {@code success}, else {@code failure}. */
  record Txn(String tenant, List<Compare> compares, List<TxnOp> success, List<TxnOp> failure)
      implements Command {}

  /** Issued by the TTL reaper: deletes {@code key} if it still expires at {@code expiresAt}. */
  record Expire(String tenant, byte[] key, long expiresAt) implements Command {}

  /** Creates an S3 bucket in the tenant; fails when the name is taken. */
  record CreateBucket(String tenant, String name) implements Command {}

  /** Deletes an empty S3 bucket. */
  record DeleteBucket(String tenant, String name) implements Command {}

  /**
   * Stores an object record (encoded by the S3 layer; opaque here) under {@code bucket/key} if the
   * bucket exists; the result carries the record it replaced.
   */
  record PutObject(String tenant, String bucket, String key, byte[] record) implements Command {}

  /** Removes an object record; the result carries the removed record. */
  record DeleteObject(String tenant, String bucket, String key) implements Command {}

  /** Starts a multipart upload (its record is opaque here) if the bucket exists. */
  record CreateUpload(String tenant, String bucket, String key, String uploadId, byte[] record)
      implements Command {}

  /** Stores a part record of an existing upload; the result carries the part it replaced. */
  record PutPart(
      String tenant, String bucket, String key, String uploadId, int partNumber, byte[] record)
      implements Command {}

  /**
   * Ends an upload atomically: writes the object record, removes the upload and all its part
   * records; the result carries the replaced object and the parts that were not used.
   */
  record CompleteUpload(
      String tenant,
      String bucket,
      String key,
      String uploadId,
      byte[] objectRecord,
      java.util.List<Integer> usedParts)
      implements Command {}

  /** Removes an upload and its parts; the result carries the removed parts. */
  record AbortUpload(String tenant, String bucket, String key, String uploadId)
      implements Command {}
}
