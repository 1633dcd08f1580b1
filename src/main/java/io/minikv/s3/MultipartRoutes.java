package io.minikv.s3;

import io.minikv.auth.Caller;
import io.minikv.kv.BucketService;
import io.minikv.kv.CommandResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Multipart uploads: create, upload part (streamed like PutObject, always to a blob), complete
 * (order, ETags and the 5 MiB minimum checked; ETag is the MD5 of the part MD5s plus "-N"; the
 * object's body is the part files, nothing is copied), abort and list parts.
 */
final class MultipartRoutes {
  static final long MIN_PART_BYTES = 5L << 20;
  private static final int MAX_PART_NUMBER = 10_000;

  private final Vertx vertx;
  private final BucketService buckets;
  private final BlobStore blobs;
  private final ObjectRoutes objects;
  private final String owner;

  MultipartRoutes(
      Vertx vertx, BucketService buckets, BlobStore blobs, ObjectRoutes objects, String owner) {
    this.owner = owner;
    this.vertx = vertx;
    this.buckets = buckets;
    this.blobs = blobs;
    this.objects = objects;
  }

  private static int partNumber(String value) {
    int part;
    try {
      part = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      part = -1;
    }
    if (part < 1 || part > MAX_PART_NUMBER) {
      throw S3Exception.invalidArgument(
          "Part number must be an integer between 1 and 10000, inclusive");
    }
    return part;
  }

  /**
   * A new upload id: the creation time in hex first, so an object's uploads list in the order they
   * were initiated, as S3 lists them.
   */
  private static String newUploadId() {
    return String.format("%012x", System.currentTimeMillis())
        + UUID.randomUUID().toString().replace("-", "");
  }

  private static S3Exception noSuchUpload() {
    return new S3Exception(
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");
  }

  Future<Void> create(
      HttpServerRequest req, String bucket, String key, Map<String, String> headers) {
    String uploadId = newUploadId();
    ObjectRecord upload = objects.describe(headers, 0, "", null, null, List.of(), null);
    return buckets
        .createUpload(Caller.DEFAULT_TENANT, bucket, key, uploadId, upload.encode())
        .map(
            w -> {
              if (!w.exists()) {
                throw S3Exception.noSuchBucket();
              }
              Xml x =
                  new Xml()
                      .openNs("InitiateMultipartUploadResult")
                      .element("Bucket", bucket)
                      .element("Key", key)
                      .element("UploadId", uploadId)
                      .close("InitiateMultipartUploadResult");
              x.send(req, 200);
              return null;
            });
  }

  Future<Void> uploadPart(
      HttpServerRequest req,
      String bucket,
      String key,
      String uploadId,
      String partNumber,
      Map<String, String> headers,
      SigV4.Signed signed,
      Buffer preRead) {
    int number = partNumber(partNumber);
    if (preRead == null) {
      req.pause();
    }
    BlobStore.NewBlob blob = blobs.newBlob();
    return buckets
        .getUpload(Caller.DEFAULT_TENANT, bucket, key, uploadId)
        .compose(
            u -> {
              if (u == null) {
                throw noSuchUpload();
              }
              return ObjectUpload.receive(vertx, req, headers, signed, blobs, blob, preRead, -1);
            })
        .map(
            r ->
                new ObjectRecord(
                    r.size(),
                    "\"" + r.md5Hex() + "\"",
                    null,
                    System.currentTimeMillis(),
                    Map.of(),
                    Map.of(),
                    r.checksumAlgorithm(),
                    r.checksum(),
                    ObjectRecord.single(r.blobId(), r.size()),
                    null))
        .compose(record -> storePart(bucket, key, uploadId, number, record))
        .map(
            record -> {
              var res = req.response().putHeader("ETag", record.etag());
              if (record.checksumAlgorithm() != null) {
                res.putHeader(
                    Checksums.PREFIX + record.checksumAlgorithm(), record.checksumValue());
              }
              res.end();
              return (Void) null;
            })
        .onFailure(e -> vertx.executeBlocking(() -> Files.deleteIfExists(blob.path()), false));
  }

  /** Records a part whose body is in place; the part it replaces gives its space back. */
  private Future<ObjectRecord> storePart(
      String bucket, String key, String uploadId, int number, ObjectRecord record) {
    return buckets
        .putPart(Caller.DEFAULT_TENANT, bucket, key, uploadId, number, record.encode())
        .map(
            w -> {
              if (!w.exists()) {
                objects.dropBlobs(record);
                throw noSuchUpload();
              }
              if (w.previous() != null) {
                objects.dropBlobs(ObjectRecord.decode(w.previous()));
              }
              return record;
            });
  }

  /**
   * UploadPartCopy: the part's body is copied from an existing object, whole or the inclusive byte
   * range of {@code x-amz-copy-source-range}; copy-source conditions apply as for CopyObject.
   */
  Future<Void> uploadPartCopy(
      HttpServerRequest req,
      String bucket,
      String key,
      String uploadId,
      String partNumber,
      Map<String, String> headers) {
    int number = partNumber(partNumber);
    CopySource source = CopySource.parse(headers.get("x-amz-copy-source"));
    String range = headers.get("x-amz-copy-source-range");
    return buckets
        .getUpload(Caller.DEFAULT_TENANT, bucket, key, uploadId)
        .compose(
            u -> {
              if (u == null) {
                throw noSuchUpload();
              }
              return objects.existingObject(source.bucket(), source.key());
            })
        .compose(
            src -> {
              ObjectRoutes.checkCopyConditions(headers, src);
              long[] r = copyRange(range, src.size());
              return vertx.executeBlocking(
                  () -> {
                    BlobStore.Copy c = blobs.copyRange(src, r[0], r[1]);
                    return new ObjectRecord(
                        r[1],
                        "\"" + c.md5Hex() + "\"",
                        null,
                        System.currentTimeMillis(),
                        Map.of(),
                        Map.of(),
                        null,
                        null,
                        ObjectRecord.single(c.id(), r[1]),
                        null);
                  },
                  false);
            })
        .compose(record -> storePart(bucket, key, uploadId, number, record))
        .map(
            record -> {
              new Xml()
                  .openNs("CopyPartResult")
                  .element("LastModified", Xml.time(record.lastModified()))
                  .element("ETag", record.etag())
                  .close("CopyPartResult")
                  .send(req, 200);
              return null;
            });
  }

  /** {offset, length} of a {@code bytes=first-last} copy range; the whole object when absent. */
  static long[] copyRange(String header, long size) {
    if (header == null) {
      return new long[] {0, size};
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("bytes=(\\d{1,19})-(\\d{1,19})").matcher(header.trim());
    if (!m.matches()) {
      throw S3Exception.invalidArgument(
          "The x-amz-copy-source-range value must be of the form bytes=first-last where first and"
              + " last are the zero-based offsets of the first and last bytes to copy");
    }
    long first = Long.parseLong(m.group(1));
    long last = Long.parseLong(m.group(2));
    if (first > last || last >= size) {
      throw S3Exception.invalidArgument(
          "Range specified is not valid for source object of size: " + size);
    }
    return new long[] {first, last - first + 1};
  }

  private record Requested(int number, String etag) {}

  private static List<Requested> parseComplete(byte[] body) {
    Element root = DeleteRequestXml.parseDocument(body).getDocumentElement();
    if (!"CompleteMultipartUpload".equals(root.getTagName())) {
      throw DeleteRequestXml.malformed();
    }
    List<Requested> out = new ArrayList<>();
    NodeList parts = root.getElementsByTagName("Part");
    for (int i = 0; i < parts.getLength(); i++) {
      Element p = (Element) parts.item(i);
      NodeList n = p.getElementsByTagName("PartNumber");
      NodeList e = p.getElementsByTagName("ETag");
      if (n.getLength() != 1 || e.getLength() != 1) {
        throw DeleteRequestXml.malformed();
      }
      try {
        out.add(
            new Requested(
                Integer.parseInt(n.item(0).getTextContent().trim()),
                e.item(0).getTextContent().trim()));
      } catch (NumberFormatException ex) {
        throw DeleteRequestXml.malformed();
      }
    }
    if (out.isEmpty()) {
      throw DeleteRequestXml.malformed();
    }
    return out;
  }

  private static String unquote(String etag) {
    String e = etag.trim();
    return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")
        ? e.substring(1, e.length() - 1)
        : e;
  }

  Future<Void> complete(
      HttpServerRequest req, String bucket, String key, String uploadId, Buffer body) {
    List<Requested> wanted = parseComplete(body.getBytes());
    for (int i = 1; i < wanted.size(); i++) {
      if (wanted.get(i).number() <= wanted.get(i - 1).number()) {
        throw new S3Exception(
            400,
            "InvalidPartOrder",
            "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
      }
    }
    return buckets
        .getUpload(Caller.DEFAULT_TENANT, bucket, key, uploadId)
        .compose(
            u -> {
              if (u == null) {
                throw noSuchUpload();
              }
              return buckets
                  .listParts(Caller.DEFAULT_TENANT, bucket, key, uploadId)
                  .map(parts -> assemble(ObjectRecord.decode(u), parts, wanted));
            })
        .compose(
            record ->
                buckets
                    .completeUpload(
                        Caller.DEFAULT_TENANT,
                        bucket,
                        key,
                        uploadId,
                        record.encode(),
                        wanted.stream().map(Requested::number).toList())
                    .map(w -> finish(req, bucket, key, record, w)));
  }

  private ObjectRecord assemble(
      ObjectRecord upload, List<BucketService.PartEntry> stored, List<Requested> wanted) {
    Map<Integer, ObjectRecord> byNumber = new LinkedHashMap<>();
    for (BucketService.PartEntry p : stored) {
      byNumber.put(p.number(), ObjectRecord.decode(p.record()));
    }
    MessageDigest md5 = ObjectUpload.md5();
    List<ObjectRecord.Blob> blobList = new ArrayList<>();
    long size = 0;
    for (int i = 0; i < wanted.size(); i++) {
      Requested w = wanted.get(i);
      ObjectRecord part = byNumber.get(w.number());
      if (part == null || !unquote(part.etag()).equals(unquote(w.etag()))) {
        throw new S3Exception(
            400,
            "InvalidPart",
            "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
      }
      if (i < wanted.size() - 1 && part.size() < MIN_PART_BYTES) {
        throw new S3Exception(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed object size.");
      }
      md5.update(HexFormat.of().parseHex(unquote(part.etag())));
      blobList.addAll(part.blobs());
      size += part.size();
    }
    String etag = "\"" + HexFormat.of().formatHex(md5.digest()) + "-" + wanted.size() + "\"";
    return new ObjectRecord(
        size,
        etag,
        upload.contentType(),
        System.currentTimeMillis(),
        upload.userMetadata(),
        upload.headers(),
        null,
        null,
        blobList,
        null);
  }

  private Void finish(
      HttpServerRequest req,
      String bucket,
      String key,
      ObjectRecord record,
      CommandResult.UploadWrite w) {
    if (!w.exists()) {
      throw noSuchUpload();
    }
    if (w.previous() != null) {
      objects.dropBlobs(ObjectRecord.decode(w.previous()));
    }
    for (byte[] released : w.released()) {
      objects.dropBlobs(ObjectRecord.decode(released));
    }
    Xml x =
        new Xml()
            .openNs("CompleteMultipartUploadResult")
            .element("Location", "/" + bucket + "/" + key)
            .element("Bucket", bucket)
            .element("Key", key)
            .element("ETag", record.etag())
            .close("CompleteMultipartUploadResult");
    x.send(req, 200);
    return null;
  }

  Future<Void> abort(HttpServerRequest req, String bucket, String key, String uploadId) {
    return buckets
        .abortUpload(Caller.DEFAULT_TENANT, bucket, key, uploadId)
        .map(
            w -> {
              if (!w.exists()) {
                throw noSuchUpload();
              }
              for (byte[] released : w.released()) {
                objects.dropBlobs(ObjectRecord.decode(released));
              }
              req.response().setStatusCode(204).end();
              return null;
            });
  }

  Future<Void> listParts(HttpServerRequest req, String bucket, String key, String uploadId) {
    return buckets
        .getUpload(Caller.DEFAULT_TENANT, bucket, key, uploadId)
        .compose(
            u -> {
              if (u == null) {
                throw noSuchUpload();
              }
              return buckets.listParts(Caller.DEFAULT_TENANT, bucket, key, uploadId);
            })
        .map(
            parts -> {
              Xml x =
                  new Xml()
                      .openNs("ListPartsResult")
                      .element("Bucket", bucket)
                      .element("Key", key)
                      .element("UploadId", uploadId)
                      .element("PartNumberMarker", "0")
                      .element("MaxParts", "10000")
                      .element("IsTruncated", "false");
              for (BucketService.PartEntry p : parts) {
                ObjectRecord r = ObjectRecord.decode(p.record());
                x.open("Part")
                    .element("PartNumber", Integer.toString(p.number()))
                    .element("LastModified", Xml.time(r.lastModified()))
                    .element("ETag", r.etag())
                    .element("Size", Long.toString(r.size()))
                    .close("Part");
              }
              x.close("ListPartsResult");
              x.send(req, 200);
              return null;
            });
  }

  /** ListMultipartUploads: uploads in progress, by key then initiation, up to 1000 a page. */
  Future<Void> listUploads(HttpServerRequest req, String bucket, Map<String, String> q) {
    String prefix = q.getOrDefault("prefix", "");
    String delimiter = q.get("delimiter");
    String d = delimiter == null || delimiter.isEmpty() ? null : delimiter;
    int max = 1000;
    if (q.containsKey("max-uploads")) {
      try {
        max = Math.min(1000, Integer.parseInt(q.get("max-uploads")));
      } catch (NumberFormatException e) {
        max = -1;
      }
      if (max < 0) {
        throw S3Exception.invalidArgument(
            "Argument max-uploads must be an integer between 0 and 2147483647");
      }
    }
    boolean url = q.containsKey("encoding-type");
    if (url && !"url".equals(q.get("encoding-type"))) {
      throw S3Exception.invalidArgument("Invalid Encoding Method specified in Request");
    }
    String keyMarker = emptyToNull(q.get("key-marker"));
    String idMarker = keyMarker == null ? null : emptyToNull(q.get("upload-id-marker"));
    int limit = max;
    return objects
        .existingBucket(bucket)
        .compose(
            b ->
                buckets.listUploads(
                    Caller.DEFAULT_TENANT,
                    bucket,
                    scanner -> UploadListing.run(scanner, prefix, d, keyMarker, idMarker, limit)))
        .map(
            page -> {
              Xml x =
                  new Xml()
                      .openNs("ListMultipartUploadsResult")
                      .element("Bucket", bucket)
                      .element("KeyMarker", ObjectRoutes.enc(q.getOrDefault("key-marker", ""), url))
                      .element("UploadIdMarker", q.getOrDefault("upload-id-marker", ""));
              if (page.truncated()) {
                x.element("NextKeyMarker", ObjectRoutes.enc(page.nextKeyMarker(), url));
                x.element(
                    "NextUploadIdMarker",
                    page.nextUploadIdMarker() == null ? "" : page.nextUploadIdMarker());
              }
              if (d != null) {
                x.element("Delimiter", ObjectRoutes.enc(d, url));
              }
              x.element("Prefix", ObjectRoutes.enc(prefix, url));
              if (url) {
                x.element("EncodingType", "url");
              }
              x.element("MaxUploads", Integer.toString(limit))
                  .element("IsTruncated", Boolean.toString(page.truncated()));
              for (BucketService.UploadEntry u : page.uploads()) {
                ObjectRecord r = ObjectRecord.decode(u.record());
                x.open("Upload")
                    .element("Key", ObjectRoutes.enc(u.id().key(), url))
                    .element("UploadId", u.id().uploadId());
                x.open("Initiator")
                    .element("ID", owner)
                    .element("DisplayName", owner)
                    .close("Initiator");
                x.open("Owner").element("ID", owner).element("DisplayName", owner).close("Owner");
                x.element("StorageClass", "STANDARD")
                    .element("Initiated", Xml.time(r.lastModified()))
                    .close("Upload");
              }
              for (String p : page.prefixes()) {
                x.open("CommonPrefixes")
                    .element("Prefix", ObjectRoutes.enc(p, url))
                    .close("CommonPrefixes");
              }
              x.close("ListMultipartUploadsResult").send(req, 200);
              return null;
            });
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
