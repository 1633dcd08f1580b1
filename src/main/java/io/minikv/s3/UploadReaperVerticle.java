package io.minikv.s3;

import io.minikv.kv.BucketService;
import io.minikv.kv.Keyspace;
import io.minikv.kv.PeriodicLeaderVerticle;
import io.vertx.core.Future;
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
public final class UploadReaperVerticle extends PeriodicLeaderVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(UploadReaperVerticle.class);
  private static final int PAGE = 500;

  private final BucketService buckets;
  private final BlobStore blobs;
  private final long expiryMillis;

  public UploadReaperVerticle(
      BucketService buckets,
      BlobStore blobs,
      BooleanSupplier isLeader,
      long expiryMillis,
      long intervalMillis) {
    super(isLeader, intervalMillis);
    this.buckets = buckets;
    this.blobs = blobs;
    this.expiryMillis = expiryMillis;
  }

  @Override
  protected Future<?> round() {
    return page(null, System.currentTimeMillis() - expiryMillis)
        .onSuccess(
            aborted -> {
              if (aborted > 0) {
                LOG.info("aborted {} expired multipart uploads", aborted);
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
}
