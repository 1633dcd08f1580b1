package io.minikv.s3;

import io.minikv.auth.Caller;
import io.minikv.kv.BucketService;
import io.minikv.kv.CommandResult;
import io.minikv.storage.Bytes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PutObject, GetObject, HeadObject, DeleteObject and the object listings (V1 and V2). */
final class ObjectRoutes {
  static final int INLINE_MAX = 64 << 10;
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;
  private static final List<String> KEPT_HEADERS =
      List.of(
          "cache-control",
          "content-disposition",
          "content-encoding",
          "content-language",
          "expires");

  private final Vertx vertx;
  private final BucketService buckets;
  private final BlobStore blobs;
  private final String owner;

  ObjectRoutes(Vertx vertx, BucketService buckets, BlobStore blobs, String owner) {
    this.vertx = vertx;
    this.buckets = buckets;
    this.blobs = blobs;
    this.owner = owner;
  }

  private static S3Exception noSuchBucket() {
    return S3Exception.noSuchBucket();
  }

  /** The bucket's entry; NoSuchBucket when it does not exist. */
  Future<io.minikv.kv.BucketEntry> existingBucket(String bucket) {
    return buckets
        .get(Caller.DEFAULT_TENANT, bucket)
        .map(
            b -> {
              if (b == null) {
                throw noSuchBucket();
              }
              return b;
            });
  }

  private static S3Exception noSuchKey() {
    return new S3Exception(404, "NoSuchKey", "The specified key does not exist.");
  }

  Future<Void> put(
      HttpServerRequest req,
      String bucket,
      String key,
      Map<String, String> headers,
      SigV4.Signed signed,
      Buffer preRead) {
    if (key.getBytes(StandardCharsets.UTF_8).length > 1024) {
      throw new S3Exception(400, "KeyTooLongError", "Your key is too long.");
    }
    if (preRead == null) {
      req.pause();
    }
    BlobStore.NewBlob blob = blobs.newBlob();
    // The body is received while the bucket is looked up: a missing bucket is rare, latency not.
    Future<io.minikv.kv.BucketEntry> bucketFound = existingBucket(bucket);
    Future<ObjectUpload.Received> body;
    try {
      body = ObjectUpload.receive(vertx, req, headers, signed, blobs, blob, preRead, INLINE_MAX);
    } catch (S3Exception e) {
      body = Future.failedFuture(e);
    }
    Future<ObjectUpload.Received> received = body;
    return Future.all(bucketFound, received)
        .map(both -> received.result())
        .map(r -> store(r, headers))
        .compose(record -> commit(bucket, key, record))
        .map(
            record -> {
              HttpServerResponse res = req.response().putHeader("ETag", record.etag());
              if (record.checksumAlgorithm() != null) {
                res.putHeader(
                    Checksums.PREFIX + record.checksumAlgorithm(), record.checksumValue());
              }
              res.end();
              return (Void) null;
            })
        .onFailure(
            e ->
                // Once the body has stopped arriving, nothing writes its file any more.
                received.onComplete(
                    ar -> vertx.executeBlocking(() -> Files.deleteIfExists(blob.path()), false)));
  }

  /** A record whose content type, user metadata and kept headers come from the request. */
  ObjectRecord describe(
      Map<String, String> headers,
      long size,
      String etag,
      String checksumAlgorithm,
      String checksum,
      List<ObjectRecord.Blob> blobList,
      byte[] inline) {
    Map<String, String> meta = new LinkedHashMap<>();
    Map<String, String> kept = new LinkedHashMap<>();
    for (Map.Entry<String, String> h : headers.entrySet()) {
      if (h.getKey().startsWith("x-amz-meta-")) {
        meta.put(h.getKey().substring("x-amz-meta-".length()), h.getValue());
      } else if (KEPT_HEADERS.contains(h.getKey())
          && !(h.getKey().equals("content-encoding") && h.getValue().contains("aws-chunked"))) {
        kept.put(h.getKey(), h.getValue());
      }
    }
    return new ObjectRecord(
        size,
        etag,
        headers.getOrDefault("content-type", "binary/octet-stream"),
        System.currentTimeMillis(),
        meta,
        kept,
        checksumAlgorithm,
        checksum,
        blobList,
        inline);
  }

  /** The record of a received body: inline when small, else its blob. */
  private ObjectRecord store(ObjectUpload.Received r, Map<String, String> headers) {
    return describe(
        headers,
        r.size(),
        "\"" + r.md5Hex() + "\"",
        r.checksumAlgorithm(),
        r.checksum(),
        ObjectRecord.single(r.blobId(), r.size()),
        r.inline());
  }

  private Future<ObjectRecord> commit(String bucket, String key, ObjectRecord record) {
    return buckets
        .putObject(Caller.DEFAULT_TENANT, bucket, key, record.encode())
        .compose(
            w -> {
              if (!w.bucketExists()) {
                dropBlobs(record);
                throw noSuchBucket();
              }
              if (w.previous() != null) {
                dropBlobs(ObjectRecord.decode(w.previous()));
              }
              return Future.succeededFuture(record);
            });
  }

  void dropBlobs(ObjectRecord r) {
    if (!r.blobs().isEmpty()) {
      vertx.executeBlocking(
          () -> {
            for (ObjectRecord.Blob b : r.blobs()) {
              blobs.delete(b.id());
            }
            return null;
          },
          false);
    }
  }

  Future<Void> delete(HttpServerRequest req, String bucket, String key) {
    return buckets
        .deleteObject(Caller.DEFAULT_TENANT, bucket, key)
        .map(
            w -> {
              if (!w.bucketExists()) {
                throw noSuchBucket();
              }
              if (w.previous() != null) {
                dropBlobs(ObjectRecord.decode(w.previous()));
              }
              req.response().setStatusCode(204).end();
              return null;
            });
  }

  /**
   * CopyObject: the source's body (blobs are hard-linked, not copied) with its metadata (COPY, the
   * default) or the request's (REPLACE); copy-source conditions honoured.
   */
  Future<Void> copy(HttpServerRequest req, String bucket, String key, Map<String, String> headers) {
    CopySource source = CopySource.parse(headers.get("x-amz-copy-source"));
    String srcBucket = source.bucket();
    String srcKey = source.key();
    String directive = headers.getOrDefault("x-amz-metadata-directive", "COPY");
    if (!directive.equals("COPY") && !directive.equals("REPLACE")) {
      throw S3Exception.invalidArgument("Unknown metadata directive.");
    }
    if (srcBucket.equals(bucket) && srcKey.equals(key) && directive.equals("COPY")) {
      throw new S3Exception(
          400,
          "InvalidRequest",
          "This copy request is illegal because it is trying to copy an object to itself without"
              + " changing the object's metadata, storage class, website redirect location or"
              + " encryption attributes.");
    }
    return existingObject(srcBucket, srcKey)
        .compose(
            src -> {
              checkCopyConditions(headers, src);
              return vertx.executeBlocking(
                  () -> {
                    List<ObjectRecord.Blob> copies = new ArrayList<>();
                    for (ObjectRecord.Blob b : src.blobs()) {
                      copies.add(new ObjectRecord.Blob(blobs.duplicate(b.id()), b.size()));
                    }
                    boolean replace = directive.equals("REPLACE");
                    Map<String, String> meta = new LinkedHashMap<>();
                    Map<String, String> kept = new LinkedHashMap<>();
                    if (replace) {
                      for (Map.Entry<String, String> h : headers.entrySet()) {
                        if (h.getKey().startsWith("x-amz-meta-")) {
                          meta.put(h.getKey().substring("x-amz-meta-".length()), h.getValue());
                        } else if (KEPT_HEADERS.contains(h.getKey())) {
                          kept.put(h.getKey(), h.getValue());
                        }
                      }
                    }
                    return new ObjectRecord(
                        src.size(),
                        src.etag(),
                        replace
                            ? headers.getOrDefault("content-type", "binary/octet-stream")
                            : src.contentType(),
                        System.currentTimeMillis(),
                        replace ? meta : src.userMetadata(),
                        replace ? kept : src.headers(),
                        src.checksumAlgorithm(),
                        src.checksumValue(),
                        copies,
                        src.inline());
                  },
                  false);
            })
        .compose(record -> commit(bucket, key, record))
        .map(
            record -> {
              Xml x =
                  new Xml()
                      .openNs("CopyObjectResult")
                      .element("LastModified", Xml.time(record.lastModified()))
                      .element("ETag", record.etag())
                      .close("CopyObjectResult");
              x.send(req, 200);
              return null;
            });
  }

  static void checkCopyConditions(Map<String, String> h, ObjectRecord src) {
    long modified = src.lastModified() / 1000;
    String ifMatch = h.get("x-amz-copy-source-if-match");
    String ifNoneMatch = h.get("x-amz-copy-source-if-none-match");
    Long ifModifiedSince = httpDate(h.get("x-amz-copy-source-if-modified-since"));
    Long ifUnmodifiedSince = httpDate(h.get("x-amz-copy-source-if-unmodified-since"));
    boolean ok =
        (ifMatch == null || etagMatches(ifMatch, src.etag()))
            && (ifNoneMatch == null || !etagMatches(ifNoneMatch, src.etag()))
            && (ifModifiedSince == null || ifMatch != null || modified > ifModifiedSince)
            && (ifUnmodifiedSince == null || ifMatch != null || modified <= ifUnmodifiedSince);
    if (!ok) {
      throw new S3Exception(
          412,
          "PreconditionFailed",
          "At least one of the pre-conditions you specified did not hold");
    }
  }

  /** DeleteObjects: up to 1000 keys in one request; quiet mode lists only the failures. */
  Future<Void> deleteMany(HttpServerRequest req, String bucket, Buffer body) {
    DeleteRequestXml.Parsed parsed = DeleteRequestXml.parse(body.getBytes());
    return existingBucket(bucket)
        .compose(
            b -> {
              List<Future<CommandResult.ObjectWrite>> all = new ArrayList<>();
              for (String key : parsed.keys()) {
                all.add(buckets.deleteObject(Caller.DEFAULT_TENANT, bucket, key));
              }
              return Future.join(all).transform(ar -> Future.succeededFuture(all));
            })
        .map(
            results -> {
              Xml x = new Xml().openNs("DeleteResult");
              for (int i = 0; i < results.size(); i++) {
                Future<CommandResult.ObjectWrite> f = results.get(i);
                String key = parsed.keys().get(i);
                if (f.succeeded() && f.result().bucketExists()) {
                  if (f.result().previous() != null) {
                    dropBlobs(ObjectRecord.decode(f.result().previous()));
                  }
                  if (!parsed.quiet()) {
                    x.open("Deleted").element("Key", key).close("Deleted");
                  }
                } else {
                  x.open("Error")
                      .element("Key", key)
                      .element("Code", "InternalError")
                      .element("Message", "We encountered an internal error. Please try again.")
                      .close("Error");
                }
              }
              x.close("DeleteResult");
              x.send(req, 200);
              return null;
            });
  }

  /** GET and HEAD, with a single Range, conditional headers and response-* overrides. */
  Future<Void> get(HttpServerRequest req, String bucket, String key, Map<String, String> query) {
    return existingObject(bucket, key)
        .map(
            record -> {
              serve(req, record, query);
              return null;
            });
  }

  /** The object's record; NoSuchBucket or NoSuchKey when either is missing. */
  Future<ObjectRecord> existingObject(String bucket, String key) {
    return existingBucket(bucket)
        .compose(
            b -> {
              return buckets.getObject(Caller.DEFAULT_TENANT, bucket, key);
            })
        .map(
            raw -> {
              if (raw == null) {
                throw noSuchKey();
              }
              return ObjectRecord.decode(raw);
            });
  }

  private void serve(HttpServerRequest req, ObjectRecord r, Map<String, String> query) {
    HttpServerResponse res = req.response();
    long modifiedSecond = r.lastModified() / 1000;
    String lastModified =
        HTTP_DATE.format(
            ZonedDateTime.ofInstant(Instant.ofEpochSecond(modifiedSecond), ZoneOffset.UTC));
    checkConditions(req, r.etag(), modifiedSecond, res, lastModified);
    res.putHeader("ETag", r.etag())
        .putHeader("Last-Modified", lastModified)
        .putHeader("Accept-Ranges", "bytes")
        .putHeader("Content-Type", r.contentType());
    r.headers().forEach(res::putHeader);
    r.userMetadata().forEach((k, v) -> res.putHeader("x-amz-meta-" + k, v));
    if (r.checksumAlgorithm() != null && "ENABLED".equals(req.getHeader("x-amz-checksum-mode"))) {
      res.putHeader(Checksums.PREFIX + r.checksumAlgorithm(), r.checksumValue());
    }
    for (String o :
        List.of(
            "content-type",
            "content-language",
            "expires",
            "cache-control",
            "content-disposition",
            "content-encoding")) {
      String v = query.get("response-" + o);
      if (v != null) {
        res.putHeader(o, v);
      }
    }
    long start = 0;
    long length = r.size();
    String range = req.getHeader("Range");
    if (range != null) {
      long[] span = parseRange(range, r.size());
      if (span != null) {
        start = span[0];
        length = span[1] - span[0] + 1;
        res.setStatusCode(206)
            .putHeader("Content-Range", "bytes " + span[0] + "-" + span[1] + "/" + r.size());
      }
    }
    res.putHeader("Content-Length", Long.toString(length));
    if (req.method() == HttpMethod.HEAD) {
      res.end();
    } else if (r.inline() != null) {
      res.end(Buffer.buffer(r.inline()).slice((int) start, (int) (start + length)));
    } else if (length == 0) {
      res.end();
    } else if (r.blobs().size() == 1) {
      res.sendFile(blobs.path(r.blobs().get(0).id()).toString(), start, length);
    } else {
      sendSegments(res, r.blobs(), start, length);
    }
  }

  /** Streams [start, start + length) across several part files, with back-pressure. */
  private void sendSegments(
      HttpServerResponse res, List<ObjectRecord.Blob> parts, long start, long length) {
    List<long[]> spans = new ArrayList<>(); // {index, offset, count}
    long pos = 0;
    long end = start + length;
    for (int i = 0; i < parts.size(); i++) {
      long size = parts.get(i).size();
      long from = Math.max(start, pos);
      long to = Math.min(end, pos + size);
      if (from < to) {
        spans.add(new long[] {i, from - pos, to - from});
      }
      pos += size;
    }
    sendSpan(res, parts, spans, 0);
  }

  private void sendSpan(
      HttpServerResponse res, List<ObjectRecord.Blob> parts, List<long[]> spans, int next) {
    if (next == spans.size()) {
      res.end();
      return;
    }
    long[] span = spans.get(next);
    String path = blobs.path(parts.get((int) span[0]).id()).toString();
    vertx
        .fileSystem()
        .open(path, new io.vertx.core.file.OpenOptions().setRead(true))
        .compose(
            file -> {
              file.setReadPos(span[1]).setReadLength(span[2]);
              return file.pipe().endOnSuccess(false).to(res).eventually(file::close);
            })
        .onSuccess(v -> sendSpan(res, parts, spans, next + 1))
        .onFailure(e -> res.reset());
  }

  private static void checkConditions(
      HttpServerRequest req,
      String etag,
      long modifiedSecond,
      HttpServerResponse res,
      String lastModified) {
    String ifMatch = req.getHeader("If-Match");
    String ifNoneMatch = req.getHeader("If-None-Match");
    Long ifModifiedSince = httpDate(req.getHeader("If-Modified-Since"));
    Long ifUnmodifiedSince = httpDate(req.getHeader("If-Unmodified-Since"));
    if (ifMatch != null && !etagMatches(ifMatch, etag)) {
      throw new S3Exception(
          412,
          "PreconditionFailed",
          "At least one of the pre-conditions you specified did not hold");
    }
    if (ifMatch == null && ifUnmodifiedSince != null && modifiedSecond > ifUnmodifiedSince) {
      throw new S3Exception(
          412,
          "PreconditionFailed",
          "At least one of the pre-conditions you specified did not hold");
    }
    boolean notModified =
        ifNoneMatch != null
            ? etagMatches(ifNoneMatch, etag)
            : ifModifiedSince != null && modifiedSecond <= ifModifiedSince;
    if (notModified) {
      res.putHeader("ETag", etag).putHeader("Last-Modified", lastModified);
      throw new S3Exception(304, "NotModified", "Not Modified");
    }
  }

  private static boolean etagMatches(String header, String etag) {
    for (String candidate : header.split(",")) {
      String c = candidate.trim();
      if (c.equals("*") || c.equals(etag) || ("\"" + c + "\"").equals(etag)) {
        return true;
      }
    }
    return false;
  }

  private static Long httpDate(String value) {
    if (value == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(value.trim(), HTTP_DATE).toEpochSecond();
    } catch (DateTimeParseException e) {
      return null; // S3 ignores an unparsable date
    }
  }

  /**
   * {@code [first, last]} of a single byte range, null to serve the whole object; 416 if
   * unsatisfiable.
   */
  private static long[] parseRange(String header, long size) {
    String h = header.trim();
    if (!h.startsWith("bytes=") || h.contains(",")) {
      return null;
    }
    String spec = h.substring("bytes=".length());
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).trim();
      String b = spec.substring(dash + 1).trim();
      long first;
      long last;
      if (a.isEmpty()) {
        long suffix = Long.parseLong(b);
        if (suffix == 0) {
          throw invalidRange(size);
        }
        first = Math.max(0, size - suffix);
        last = size - 1;
      } else {
        first = Long.parseLong(a);
        last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
      }
      if (first >= size || first > last) {
        throw invalidRange(size);
      }
      return new long[] {first, last};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static S3Exception invalidRange(long size) {
    return new S3Exception(416, "InvalidRange", "The requested range is not satisfiable");
  }

  /** ListObjects (V1) and ListObjectsV2 over the bucket's ordered records. */
  Future<Void> list(HttpServerRequest req, String bucket, Map<String, String> q) {
    boolean v2 = "2".equals(q.get("list-type"));
    String prefix = q.getOrDefault("prefix", "");
    String delimiter = q.get("delimiter");
    if (delimiter != null && delimiter.isEmpty()) {
      delimiter = null;
    }
    int maxKeys = 1000;
    if (q.containsKey("max-keys")) {
      try {
        maxKeys = Math.min(1000, Integer.parseInt(q.get("max-keys")));
      } catch (NumberFormatException e) {
        throw S3Exception.invalidArgument(
            "Provided max-keys not an integer or within integer range");
      }
      if (maxKeys < 0) {
        throw S3Exception.invalidArgument("max-keys must not be negative");
      }
    }
    boolean urlEncode = "url".equals(q.get("encoding-type"));
    if (q.containsKey("encoding-type") && !urlEncode) {
      throw S3Exception.invalidArgument("Invalid Encoding Method specified in Request");
    }
    String after;
    String token = q.get("continuation-token");
    if (v2 && token != null) {
      try {
        after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw S3Exception.invalidArgument("The continuation token provided is incorrect");
      }
    } else {
      after = v2 ? q.get("start-after") : q.get("marker");
    }
    String d = delimiter;
    int max = maxKeys;
    String startAfter = after;
    return existingBucket(bucket)
        .compose(
            b -> {
              return buckets.listObjects(
                  Caller.DEFAULT_TENANT,
                  bucket,
                  scanner -> Listing.run(scanner, prefix, d, startAfter, max));
            })
        .map(
            page -> {
              Xml x = new Xml().openNs("ListBucketResult");
              x.element("Name", bucket).element("Prefix", enc(prefix, urlEncode));
              if (v2) {
                x.element(
                    "KeyCount", Integer.toString(page.objects().size() + page.prefixes().size()));
                if (token != null) {
                  x.element("ContinuationToken", token);
                }
                if (q.containsKey("start-after")) {
                  x.element("StartAfter", enc(q.get("start-after"), urlEncode));
                }
                if (page.truncated()) {
                  x.element(
                      "NextContinuationToken",
                      Base64.getUrlEncoder()
                          .withoutPadding()
                          .encodeToString(page.last().getBytes(StandardCharsets.UTF_8)));
                }
              } else {
                x.element("Marker", enc(q.getOrDefault("marker", ""), urlEncode));
                if (page.truncated() && d != null) {
                  x.element("NextMarker", enc(page.last(), urlEncode));
                }
              }
              x.element("MaxKeys", Integer.toString(max));
              if (d != null) {
                x.element("Delimiter", enc(d, urlEncode));
              }
              if (urlEncode) {
                x.element("EncodingType", "url");
              }
              x.element("IsTruncated", Boolean.toString(page.truncated()));
              boolean fetchOwner = !v2 || "true".equals(q.get("fetch-owner"));
              for (BucketService.ObjectEntry e : page.objects()) {
                ObjectRecord r = ObjectRecord.decode(e.record());
                x.open("Contents")
                    .element("Key", enc(e.key(), urlEncode))
                    .element("LastModified", Xml.time(r.lastModified()))
                    .element("ETag", r.etag())
                    .element("Size", Long.toString(r.size()));
                if (fetchOwner) {
                  x.open("Owner").element("ID", owner).element("DisplayName", owner).close("Owner");
                }
                x.element("StorageClass", "STANDARD").close("Contents");
              }
              for (String p : page.prefixes()) {
                x.open("CommonPrefixes")
                    .element("Prefix", enc(p, urlEncode))
                    .close("CommonPrefixes");
              }
              x.close("ListBucketResult");
              x.send(req, 200);
              return null;
            });
  }

  static String enc(String s, boolean url) {
    return url ? UriEncoding.encode(s, false) : s;
  }

  /** One page of a listing: objects and common prefixes in key order. */
  record Listing(
      List<BucketService.ObjectEntry> objects,
      List<String> prefixes,
      boolean truncated,
      String last) {

    static Listing run(
        BucketService.ObjectScanner scanner,
        String prefix,
        String delimiter,
        String after,
        int max) {
      List<BucketService.ObjectEntry> objects = new ArrayList<>();
      List<String> prefixes = new ArrayList<>();
      byte[] prefixBytes = prefix.getBytes(StandardCharsets.UTF_8);
      byte[] from = prefixBytes;
      if (after != null) {
        byte[] next = Bytes.successor(after.getBytes(StandardCharsets.UTF_8));
        if (Bytes.compare(next, from) > 0) {
          from = next;
        }
      }
      String last = null;
      while (true) {
        List<BucketService.ObjectEntry> batch = scanner.scan(from, 256);
        if (batch.isEmpty()) {
          return new Listing(objects, prefixes, false, last);
        }
        byte[] nextFrom = null;
        for (BucketService.ObjectEntry e : batch) {
          if (!e.key().startsWith(prefix)) {
            return new Listing(objects, prefixes, false, last);
          }
          if (objects.size() + prefixes.size() >= max) {
            return new Listing(objects, prefixes, true, last);
          }
          int cut = delimiter == null ? -1 : e.key().indexOf(delimiter, prefix.length());
          if (cut >= 0) {
            String common = e.key().substring(0, cut + delimiter.length());
            nextFrom = Bytes.prefixEnd(common.getBytes(StandardCharsets.UTF_8));
            // A marker that is a common prefix resumes after everything that rolls up into it.
            if (after == null || !common.equals(after)) {
              prefixes.add(common);
              last = common;
            }
            break;
          }
          objects.add(e);
          last = e.key();
          nextFrom = Bytes.successor(e.key().getBytes(StandardCharsets.UTF_8));
        }
        if (nextFrom == null) {
          return new Listing(objects, prefixes, false, last);
        }
        from = nextFrom;
      }
    }
  }
}
