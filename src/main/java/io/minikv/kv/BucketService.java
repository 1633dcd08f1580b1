package io.minikv.kv;

import io.minikv.storage.Bytes;
import io.minikv.storage.KeyValue;
import io.minikv.storage.KeyValueIterator;
import io.minikv.storage.StorageEngine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bucket registry: create, delete and list a tenant's buckets through the same Raft group and
 * engine as the KV data. Reads are linearizable.
 */
public final class BucketService {
  private final Vertx vertx;
  private final StorageEngine engine;
  private final CommandSubmitter submitter;

  public BucketService(Vertx vertx, StorageEngine engine, CommandSubmitter submitter) {
    this.vertx = vertx;
    this.engine = engine;
    this.submitter = submitter;
  }

  public Future<CommandResult.BucketOutcome> create(String tenant, String name) {
    return submit(new Command.CreateBucket(tenant, name));
  }

  public Future<CommandResult.BucketOutcome> delete(String tenant, String name) {
    return submit(new Command.DeleteBucket(tenant, name));
  }

  private Future<CommandResult.BucketOutcome> submit(Command c) {
    return Future.fromCompletionStage(submitter.submit(c), vertx.getOrCreateContext())
        .map(r -> ((CommandResult.Bucket) r).outcome());
  }

  /** The bucket, or null when it does not exist. */
  public Future<BucketEntry> get(String tenant, String name) {
    return read(
        () -> {
          byte[] raw = engine.get(Keyspace.bucketKey(tenant, name));
          return raw == null ? null : new BucketEntry(name, new BinaryReader(raw).i64());
        });
  }

  /** Every bucket of the tenant, in name order. */
  public Future<List<BucketEntry>> list(String tenant) {
    return read(
        () -> {
          byte[] prefix = Keyspace.bucketPrefix(tenant);
          List<BucketEntry> out = new ArrayList<>();
          try (KeyValueIterator it = engine.scan(prefix, Bytes.prefixEnd(prefix), false)) {
            while (it.hasNext()) {
              KeyValue kv = it.next();
              String name =
                  new String(
                      kv.key(),
                      prefix.length,
                      kv.key().length - prefix.length,
                      StandardCharsets.UTF_8);
              out.add(new BucketEntry(name, new BinaryReader(kv.value()).i64()));
            }
          }
          return out;
        });
  }

  /** Stores an object record; the result says whether the bucket exists and what was replaced. */
  public Future<CommandResult.ObjectWrite> putObject(
      String tenant, String bucket, String key, byte[] record) {
    return Future.fromCompletionStage(
            submitter.submit(new Command.PutObject(tenant, bucket, key, record)),
            vertx.getOrCreateContext())
        .map(r -> (CommandResult.ObjectWrite) r);
  }

  public Future<CommandResult.ObjectWrite> deleteObject(String tenant, String bucket, String key) {
    return Future.fromCompletionStage(
            submitter.submit(new Command.DeleteObject(tenant, bucket, key)),
            vertx.getOrCreateContext())
        .map(r -> (CommandResult.ObjectWrite) r);
  }

  /** An object record as stored, or null. */
  public Future<byte[]> getObject(String tenant, String bucket, String key) {
    return read(() -> engine.get(Keyspace.objectKey(tenant, bucket, key)));
  }

  /** An object key and its record. */
  public record ObjectEntry(String key, byte[] record) {}

  /** Ordered access to a bucket's object records, for listings that skip ahead. */
  public interface ObjectScanner {
    /** Up to {@code limit} entries whose UTF-8 keys are at or after {@code from}. */
    List<ObjectEntry> scan(byte[] from, int limit);
  }

  /** Runs {@code listing} on a worker thread after a read barrier. */
  public <T> Future<T> listObjects(
      String tenant, String bucket, java.util.function.Function<ObjectScanner, T> listing) {
    byte[] prefix = Keyspace.objectPrefix(tenant, bucket);
    byte[] end = Bytes.prefixEnd(prefix);
    ObjectScanner scanner =
        (from, limit) -> {
          List<ObjectEntry> out = new ArrayList<>();
          try (KeyValueIterator it = engine.scan(Bytes.concat(prefix, from), end, false)) {
            while (it.hasNext() && out.size() < limit) {
              KeyValue kv = it.next();
              String key =
                  new String(
                      kv.key(),
                      prefix.length,
                      kv.key().length - prefix.length,
                      StandardCharsets.UTF_8);
              out.add(new ObjectEntry(key, kv.value()));
            }
          }
          return out;
        };
    return read(() -> listing.apply(scanner));
  }

  /**
   * Every object and part record of every tenant, read locally (for housekeeping such as blob
   * sweeps): the records that can point at body files.
   */
  public void forEachBodyRecord(java.util.function.Consumer<byte[]> action) {
    for (byte ns : new byte[] {Keyspace.NS_OBJECT, Keyspace.NS_PART}) {
      try (KeyValueIterator it =
          engine.scan(new byte[] {ns}, new byte[] {(byte) (ns + 1)}, false)) {
        while (it.hasNext()) {
          action.accept(it.next().value());
        }
      }
    }
  }

  private Future<CommandResult.UploadWrite> upload(Command c) {
    return Future.fromCompletionStage(submitter.submit(c), vertx.getOrCreateContext())
        .map(r -> (CommandResult.UploadWrite) r);
  }

  public Future<CommandResult.UploadWrite> createUpload(
      String tenant, String bucket, String key, String uploadId, byte[] record) {
    return upload(new Command.CreateUpload(tenant, bucket, key, uploadId, record));
  }

  public Future<CommandResult.UploadWrite> putPart(
      String tenant, String bucket, String key, String uploadId, int part, byte[] record) {
    return upload(new Command.PutPart(tenant, bucket, key, uploadId, part, record));
  }

  public Future<CommandResult.UploadWrite> completeUpload(
      String tenant,
      String bucket,
      String key,
      String uploadId,
      byte[] record,
      List<Integer> used) {
    return upload(new Command.CompleteUpload(tenant, bucket, key, uploadId, record, used));
  }

  public Future<CommandResult.UploadWrite> abortUpload(
      String tenant, String bucket, String key, String uploadId) {
    return upload(new Command.AbortUpload(tenant, bucket, key, uploadId));
  }

  /** An upload's record, or null when there is no such upload. */
  public Future<byte[]> getUpload(String tenant, String bucket, String key, String uploadId) {
    return read(() -> engine.get(Keyspace.uploadKey(tenant, bucket, key, uploadId)));
  }

  /** An upload in progress and its record. */
  public record UploadEntry(Keyspace.UploadId id, byte[] record) {}

  /** Ordered access to a bucket's uploads, by object key then upload id. */
  public interface UploadScanner {
    /**
     * Up to {@code limit} uploads at or after {@code from}: the UTF-8 object key, then optionally
     * 0x00 and an upload id.
     */
    List<UploadEntry> scan(byte[] from, int limit);
  }

  /** Runs {@code listing} over a bucket's uploads on a worker thread after a read barrier. */
  public <T> Future<T> listUploads(
      String tenant, String bucket, java.util.function.Function<UploadScanner, T> listing) {
    byte[] prefix = Keyspace.uploadPrefix(tenant, bucket);
    return read(
        () ->
            listing.apply(
                (from, limit) ->
                    uploads(Bytes.concat(prefix, from), Bytes.prefixEnd(prefix), limit)));
  }

  /**
   * Up to {@code limit} uploads of every tenant and bucket, read locally from the start (for the
   * expiry reaper on the leader).
   */
  public List<UploadEntry> uploadsOfAllBuckets(Keyspace.UploadId after, int limit) {
    byte[] from =
        after == null
            ? new byte[] {Keyspace.NS_UPLOAD}
            : Bytes.successor(
                Keyspace.uploadKey(after.tenant(), after.bucket(), after.key(), after.uploadId()));
    return uploads(from, new byte[] {Keyspace.NS_UPLOAD + 1}, limit);
  }

  private List<UploadEntry> uploads(byte[] from, byte[] to, int limit) {
    List<UploadEntry> out = new ArrayList<>();
    try (KeyValueIterator it = engine.scan(from, to, false)) {
      while (it.hasNext() && out.size() < limit) {
        KeyValue kv = it.next();
        out.add(new UploadEntry(Keyspace.parseUploadKey(kv.key()), kv.value()));
      }
    }
    return out;
  }

  /** A part number and its record. */
  public record PartEntry(int number, byte[] record) {}

  /** The parts of an upload, in part-number order. */
  public Future<List<PartEntry>> listParts(
      String tenant, String bucket, String key, String uploadId) {
    return read(
        () -> {
          byte[] prefix = Keyspace.partPrefix(tenant, bucket, key, uploadId);
          List<PartEntry> out = new ArrayList<>();
          try (KeyValueIterator it = engine.scan(prefix, Bytes.prefixEnd(prefix), false)) {
            while (it.hasNext()) {
              KeyValue kv = it.next();
              byte[] k = kv.key();
              int n = Keyspace.partNumber(k);
              out.add(new PartEntry(n, kv.value()));
            }
          }
          return out;
        });
  }

  private <T> Future<T> read(java.util.concurrent.Callable<T> reader) {
    return Future.fromCompletionStage(submitter.readBarrier(), vertx.getOrCreateContext())
        .compose(v -> vertx.executeBlocking(reader, false));
  }
}
