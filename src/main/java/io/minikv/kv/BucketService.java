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

  private <T> Future<T> read(java.util.concurrent.Callable<T> reader) {
    return Future.fromCompletionStage(submitter.readBarrier(), vertx.getOrCreateContext())
        .compose(v -> vertx.executeBlocking(reader, false));
  }
}
