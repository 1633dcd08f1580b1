package io.minikv.s3;

import io.minikv.kv.BucketService;
import io.minikv.storage.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One page of ListMultipartUploads: uploads ordered by key, then by upload id (which starts with
 * the creation time, so an object's uploads come in the order they were initiated), with keys that
 * share a delimited prefix rolled up into CommonPrefixes.
 */
record UploadListing(
    List<BucketService.UploadEntry> uploads,
    List<String> prefixes,
    boolean truncated,
    String nextKeyMarker,
    String nextUploadIdMarker) {

  static UploadListing run(
      BucketService.UploadScanner scanner,
      String prefix,
      String delimiter,
      String keyMarker,
      String uploadIdMarker,
      int max) {
    List<BucketService.UploadEntry> uploads = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    byte[] from = prefix.getBytes(StandardCharsets.UTF_8);
    if (keyMarker != null) {
      // Upload keys are "key 0x00 id 0x00": "key 0x01" is past every upload of the marker key.
      byte[] marker =
          uploadIdMarker == null
              ? Bytes.concat(keyMarker.getBytes(StandardCharsets.UTF_8), new byte[] {1})
              : resumeAfter(keyMarker, uploadIdMarker);
      if (Bytes.compare(marker, from) > 0) {
        from = marker;
      }
    }
    String nextKey = null;
    String nextId = null;
    while (true) {
      List<BucketService.UploadEntry> batch = scanner.scan(from, 256);
      if (batch.isEmpty()) {
        return new UploadListing(uploads, prefixes, false, nextKey, nextId);
      }
      byte[] nextFrom = null;
      for (BucketService.UploadEntry e : batch) {
        String key = e.id().key();
        if (!key.startsWith(prefix)) {
          return new UploadListing(uploads, prefixes, false, nextKey, nextId);
        }
        if (uploads.size() + prefixes.size() >= max) {
          return new UploadListing(uploads, prefixes, true, nextKey, nextId);
        }
        int cut = delimiter == null ? -1 : key.indexOf(delimiter, prefix.length());
        if (cut >= 0) {
          String common = key.substring(0, cut + delimiter.length());
          nextFrom = Bytes.prefixEnd(common.getBytes(StandardCharsets.UTF_8));
          if (!common.equals(keyMarker)) {
            prefixes.add(common);
            nextKey = common;
            nextId = null;
          }
          break;
        }
        uploads.add(e);
        nextKey = key;
        nextId = e.id().uploadId();
        nextFrom = resumeAfter(key, nextId);
      }
      if (nextFrom == null) {
        return new UploadListing(uploads, prefixes, false, nextKey, nextId);
      }
      from = nextFrom;
    }
  }

  /** The first upload position after (key, uploadId). */
  private static byte[] resumeAfter(String key, String uploadId) {
    return Bytes.concat(
        key.getBytes(StandardCharsets.UTF_8),
        new byte[] {0},
        uploadId.getBytes(StandardCharsets.UTF_8),
        new byte[] {1});
  }
}
