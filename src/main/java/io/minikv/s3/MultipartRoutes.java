package io.minikv.s3;

import io.minikv.auth.Caller;
import io.minikv.kv.BucketService;
import io.minikv.kv.CommandResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Files;
import java.nio.file.Path;
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

  MultipartRoutes(Vertx vertx, BucketService buckets, BlobStore blobs, ObjectRoutes objects) {
    this.vertx = vertx;
    this.buckets = buckets;
    this.blobs = blobs;
    this.objects = objects;
  }

  private static S3Exception noSuchUpload() {
    return new S3Exception(
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");
  }

  Future<Void> create(
      HttpServerRequest req, String bucket, String key, Map<String, String> headers) {
    String uploadId = UUID.randomUUID().toString().replace("-", "");
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
    int part;
    try {
      part = Integer.parseInt(partNumber);
    } catch (NumberFormatException e) {
      part = -1;
    }
    if (part < 1 || part > MAX_PART_NUMBER) {
      throw S3Exception.invalidArgument(
          "Part number must be an integer between 1 and 10000, inclusive");
    }
    int number = part;
    if (preRead == null) {
      req.pause();
    }
    Path tmp = blobs.newTempFile();
    return buckets
        .getUpload(Caller.DEFAULT_TENANT, bucket, key, uploadId)
        .compose(
            u -> {
              if (u == null) {
                throw noSuchUpload();
              }
              return ObjectUpload.receive(vertx, req, headers, signed, tmp, preRead);
            })
        .compose(
            r ->
                vertx.executeBlocking(
                    () ->
                        new ObjectRecord(
                            r.size(),
                            "\"" + r.md5Hex() + "\"",
                            null,
                            System.currentTimeMillis(),
                            Map.of(),
                            Map.of(),
                            r.checksumAlgorithm(),
                            r.checksum(),
                            ObjectRecord.single(blobs.commit(r.file()), r.size()),
                            null),
                    false))
        .compose(
            record ->
                buckets
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
                          var res = req.response().putHeader("ETag", record.etag());
                          if (record.checksumAlgorithm() != null) {
                            res.putHeader(
                                Checksums.PREFIX + record.checksumAlgorithm(),
                                record.checksumValue());
                          }
                          res.end();
                          return (Void) null;
                        }))
        .onFailure(e -> vertx.executeBlocking(() -> Files.deleteIfExists(tmp), false));
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
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
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
}
