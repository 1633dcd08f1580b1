package io.minikv.s3;

import io.minikv.kv.BucketService;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reclaims blob space a crash left behind. Runs once the group is ready (every committed record is
 * applied), and only considers files older than this process, so an upload in flight now is never
 * touched.
 */
public final class BlobSweeper {
  private static final Logger LOG = LoggerFactory.getLogger(BlobSweeper.class);

  private BlobSweeper() {}

  /** Blocking. Returns how many unreferenced blobs were deleted. */
  public static int sweep(BucketService buckets, BlobStore blobs, long processStartMillis)
      throws IOException {
    Set<String> referenced = new HashSet<>();
    buckets.forEachBodyRecord(
        raw -> {
          for (ObjectRecord.Blob b : ObjectRecord.decode(raw).blobs()) {
            referenced.add(b.id());
          }
        });
    int deleted = blobs.sweep(referenced, processStartMillis);
    if (deleted > 0) {
      LOG.info("deleted {} unreferenced blob files left by an earlier crash", deleted);
    }
    return deleted;
  }
}
