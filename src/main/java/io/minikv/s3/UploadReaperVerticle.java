package io.minikv.s3;

import io.minikv.kv.BucketService;
import io.minikv.kv.Keyspace;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader, aborts multipart uploads that began more than the configured expiry ago, through
 * the same replicated AbortUpload command as a client's abort, and deletes their parts' bodies. A
 * round walks every upload with a cursor, a page at a time.
 */
public final class UploadReaperVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(UploadReaperVerticle.class);
  private static final int PAGE = 500;

  private final BucketService buckets;
  private final BlobStore blobs;
  private final BooleanSupplier isLeader;
  private final long expiryMillis;
  private final long intervalMillis;
  private long timer;
  private boolean running;

  public UploadReaperVerticle(
      BucketService buckets,
      BlobStore blobs,
      BooleanSupplier isLeader,
      long expiryMillis,
      long intervalMillis) {
    this.buckets = buckets;
    this.blobs = blobs;
    this.isLeader = isLeader;
    this.expiryMillis = expiryMillis;
    this.intervalMillis = intervalMillis;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(intervalMillis, id -> round());
    return Future.succeededFuture();
  }

  private void round() {
    if (running || !isLeader.getAsBoolean()) {
      return;
    }
    running = true;
    page(null, System.currentTimeMillis() - expiryMillis)
        .onComplete(
            ar -> {
              running = false;
              if (ar.failed()) {
                LOG.debug("upload reaper round failed: {}", ar.cause().toString());
              } else if (ar.result() > 0) {
                LOG.info("aborted {} expired multipart uploads", ar.result());
              }
            });
  }

  /** Aborts the expired uploads of one page and continues after it; the count aborted. */
  private Future<Integer> page(Keyspace.UploadId after, long startedBefore) {
    return vertx
        .executeBlocking(() -> buckets.uploadsOfAllBuckets(after, PAGE), false)
        .compose(
            page -> {
              List<Future<Boolean>> aborts = new ArrayList<>();
              for (BucketService.UploadEntry u : page) {
                if (ObjectRecord.decode(u.record()).lastModified() < startedBefore) {
                  aborts.add(abort(u.id()));
                }
              }
              return Future.all(aborts)
                  .compose(
                      all -> {
                        int aborted = (int) aborts.stream().filter(Future::result).count();
                        if (page.size() < PAGE) {
                          return Future.succeededFuture(aborted);
                        }
                        return page(page.get(page.size() - 1).id(), startedBefore)
                            .map(more -> aborted + more);
                      });
            });
  }

  private Future<Boolean> abort(Keyspace.UploadId id) {
    return buckets
        .abortUpload(id.tenant(), id.bucket(), id.key(), id.uploadId())
        .compose(
            w ->
                vertx.executeBlocking(
                    () -> {
                      for (byte[] released : w.released()) {
                        for (ObjectRecord.Blob b : ObjectRecord.decode(released).blobs()) {
                          blobs.delete(b.id());
                        }
                      }
                      return w.exists();
                    },
                    false));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
