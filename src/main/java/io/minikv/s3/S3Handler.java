package io.minikv.s3;

import io.minikv.auth.Caller;
import io.minikv.kv.BucketEntry;
import io.minikv.kv.BucketService;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 protocol, path-style: authenticates every request with SigV4, then serves the service and
 * bucket operations built so far. Every other operation answers 501 NotImplemented naming it.
 */
final class S3Handler implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(S3Handler.class);
  private static final long MAX_SMALL_BODY = 4 << 20;
  private static final long PRE_READ_MAX = 16L << 20;

  private final BucketService buckets;
  private final SigV4 sigV4;
  private final boolean authEnabled;
  private final String region;
  private final String domain;
  private final String unavailable;
  private final String owner;
  private final ObjectRoutes objects;
  private final MultipartRoutes multipart;

  S3Handler(io.vertx.core.Vertx vertx, S3Services s) {
    this.buckets = s.buckets();
    this.sigV4 = new SigV4(s.secretOf());
    this.authEnabled = s.authEnabled();
    this.region = s.region();
    this.domain = s.domain();
    this.unavailable = s.unavailable();
    this.owner = s.ownerId();
    this.objects = new ObjectRoutes(vertx, s.buckets(), s.blobs(), s.ownerId());
    this.multipart = new MultipartRoutes(vertx, s.buckets(), s.blobs(), objects, s.ownerId());
  }

  @Override
  public void handle(HttpServerRequest req) {
    String requestId =
        Long.toHexString(ThreadLocalRandom.current().nextLong()).toUpperCase(Locale.ROOT);
    req.response().putHeader("x-amz-request-id", requestId).putHeader("Server", "minikv");
    if (unavailable != null) {
      error(req, notImplemented(unavailable), requestId);
      return;
    }
    Map<String, String> headers = headers(req);
    if (authEnabled
        && headers.containsKey("authorization")
        && !headers.containsKey("x-amz-content-sha256")) {
      // curl --aws-sigv4 signs the body's SHA-256 without sending it: recompute it.
      if (!hasBody(headers)) {
        headers.put("x-amz-content-sha256", SigV4.EMPTY_SHA256);
      } else {
        long length = Long.parseLong(headers.getOrDefault("content-length", "-1"));
        if (length < 0 || length > PRE_READ_MAX) {
          error(
              req,
              new S3Exception(
                  400,
                  "InvalidRequest",
                  "Send x-amz-content-sha256 (the body's SHA-256 or UNSIGNED-PAYLOAD) with bodies over 16 MiB."),
              requestId);
          return;
        }
        expectContinue(req, headers);
        req.body()
            .onSuccess(
                body -> {
                  headers.put(
                      "x-amz-content-sha256",
                      HexFormat.of().formatHex(SigV4.sha256().digest(body.getBytes())));
                  serve(req, headers, body, requestId);
                })
            .onFailure(
                t -> error(req, new S3Exception(400, "IncompleteBody", t.toString()), requestId));
        return;
      }
    }
    serve(req, headers, null, requestId);
  }

  private static boolean hasBody(Map<String, String> headers) {
    String length = headers.get("content-length");
    return (length != null && !length.trim().equals("0"))
        || headers.containsKey("transfer-encoding");
  }

  private void serve(
      HttpServerRequest req, Map<String, String> headers, Buffer preRead, String requestId) {
    S3Target target;
    SigV4.Signed signed = null;
    try {
      target = S3Target.of(req.getHeader("Host"), domain, req.path());
      if (authEnabled) {
        signed =
            sigV4.verify(
                new SigV4.Request(req.method().name(), req.path(), req.query(), headers),
                Instant.now());
      }
    } catch (S3Exception e) {
      error(req, e, requestId);
      return;
    }
    if (preRead == null) {
      expectContinue(req, headers);
    }
    Future<Void> done;
    try {
      done = dispatch(req, target, signed, headers, preRead);
    } catch (S3Exception e) {
      done = Future.failedFuture(e);
    }
    done.onFailure(
        t -> {
          if (t instanceof S3Exception e) {
            error(req, e, requestId);
          } else {
            LOG.error("S3 request failed", t);
            error(
                req,
                new S3Exception(500, "InternalError", "We encountered an internal error."),
                requestId);
          }
        });
  }

  /**
   * Tells a client that sent {@code Expect: 100-continue} (the AWS SDKs for PutObject and
   * UploadPart, curl for larger bodies) to send its body, once the request is authenticated.
   */
  private static void expectContinue(HttpServerRequest req, Map<String, String> headers) {
    if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
      req.response().writeContinue();
    }
  }

  static Map<String, String> headers(HttpServerRequest req) {
    Map<String, String> out = new HashMap<>();
    req.headers()
        .forEach(
            e ->
                out.merge(
                    e.getKey().toLowerCase(Locale.ROOT), e.getValue(), (a, b) -> a + "," + b));
    return out;
  }

  private Future<Void> dispatch(
      HttpServerRequest req,
      S3Target t,
      SigV4.Signed signed,
      Map<String, String> headers,
      Buffer preRead) {
    HttpMethod m = req.method();
    if (t.bucket() == null) {
      if (m == HttpMethod.GET) {
        return listBuckets(req);
      }
      throw S3Exception.methodNotAllowed();
    }
    Map<String, String> query = SigV4.parseQuery(req.query());
    if (t.key() != null) {
      return objectOperation(req, t, query, signed, headers, preRead);
    }
    if (m == HttpMethod.PUT && query.isEmpty()) {
      return createBucket(req, t.bucket(), signed);
    }
    if (m == HttpMethod.HEAD && query.isEmpty()) {
      return existing(t.bucket())
          .map(
              b -> {
                req.response().putHeader("x-amz-bucket-region", region).end();
                return null;
              });
    }
    if (m == HttpMethod.DELETE && query.isEmpty()) {
      return deleteBucket(req, t.bucket());
    }
    if (m == HttpMethod.GET && query.containsKey("location")) {
      // us-east-1 is reported as an empty LocationConstraint, as S3 does.
      String constraint = region.equals("us-east-1") ? "" : region;
      return existing(t.bucket())
          .map(
              b -> {
                req.response()
                    .putHeader("Content-Type", "application/xml")
                    .end(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\""
                            + Xml.NS
                            + "\">"
                            + constraint
                            + "</LocationConstraint>");
                return null;
              });
    }
    if (m == HttpMethod.POST && query.keySet().equals(java.util.Set.of("delete"))) {
      if (!headers.containsKey("content-md5") && Checksums.requested(headers) == null) {
        throw new S3Exception(
            400,
            "InvalidRequest",
            "Missing required header for this request: Content-MD5 or x-amz-checksum-*");
      }
      return smallBody(req, signed).compose(body -> objects.deleteMany(req, t.bucket(), body));
    }
    if (m == HttpMethod.GET && query.keySet().equals(java.util.Set.of("versioning"))) {
      // Versioning is never enabled on a minikv bucket: S3 answers an empty configuration.
      return existing(t.bucket())
          .map(
              b -> {
                (new Xml().openNs("VersioningConfiguration").close("VersioningConfiguration"))
                    .send(req, 200);
                return null;
              });
    }
    if (m == HttpMethod.GET && query.containsKey("uploads")) {
      return multipart.listUploads(req, t.bucket(), query);
    }
    if (m == HttpMethod.GET && isListing(query)) {
      return objects.list(req, t.bucket(), query);
    }
    throw notImplemented(
        m + " /" + t.bucket() + (query.isEmpty() ? "" : "?" + String.join("&", query.keySet())));
  }

  private static final java.util.Set<String> LIST_PARAMS =
      java.util.Set.of(
          "list-type",
          "prefix",
          "delimiter",
          "max-keys",
          "continuation-token",
          "start-after",
          "fetch-owner",
          "encoding-type",
          "marker");

  private static boolean isListing(Map<String, String> query) {
    return LIST_PARAMS.containsAll(query.keySet());
  }

  private Future<Void> objectOperation(
      HttpServerRequest req,
      S3Target t,
      Map<String, String> query,
      SigV4.Signed signed,
      Map<String, String> headers,
      Buffer preRead) {
    HttpMethod m = req.method();
    String uploadId = query.get("uploadId");
    if (m == HttpMethod.POST && query.containsKey("uploads")) {
      return multipart.create(req, t.bucket(), t.key(), headers);
    }
    if (uploadId != null) {
      if (m == HttpMethod.PUT && query.containsKey("partNumber")) {
        if (headers.containsKey("x-amz-copy-source")) {
          return multipart.uploadPartCopy(
              req, t.bucket(), t.key(), uploadId, query.get("partNumber"), headers);
        }
        return multipart.uploadPart(
            req, t.bucket(), t.key(), uploadId, query.get("partNumber"), headers, signed, preRead);
      }
      if (m == HttpMethod.POST) {
        return smallBody(req, signed)
            .compose(body -> multipart.complete(req, t.bucket(), t.key(), uploadId, body));
      }
      if (m == HttpMethod.DELETE) {
        return multipart.abort(req, t.bucket(), t.key(), uploadId);
      }
      if (m == HttpMethod.GET) {
        return multipart.listParts(req, t.bucket(), t.key(), uploadId);
      }
    }
    if (m == HttpMethod.PUT && headers.containsKey("x-amz-copy-source")) {
      return objects.copy(req, t.bucket(), t.key(), headers);
    }
    boolean plain =
        query.isEmpty()
            || query.keySet().stream()
                .allMatch(k -> k.startsWith("response-") || k.startsWith("X-Amz-"));
    if (!plain) {
      throw notImplemented(m + " /" + t.bucket() + "/…?" + String.join("&", query.keySet()));
    }
    if (m == HttpMethod.PUT) {
      return objects.put(req, t.bucket(), t.key(), headers, signed, preRead);
    }
    if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
      return objects.get(req, t.bucket(), t.key(), query);
    }
    if (m == HttpMethod.DELETE) {
      return objects.delete(req, t.bucket(), t.key());
    }
    throw S3Exception.methodNotAllowed();
  }

  private Future<BucketEntry> existing(String bucket) {
    return objects.existingBucket(bucket);
  }

  private Future<Void> listBuckets(HttpServerRequest req) {
    return buckets
        .list(Caller.DEFAULT_TENANT)
        .map(
            list -> {
              Xml x = new Xml().openNs("ListAllMyBucketsResult");
              x.open("Owner").element("ID", owner).element("DisplayName", owner).close("Owner");
              x.open("Buckets");
              for (BucketEntry b : list) {
                x.open("Bucket")
                    .element("Name", b.name())
                    .element("CreationDate", Xml.time(b.createdMillis()))
                    .close("Bucket");
              }
              x.close("Buckets").close("ListAllMyBucketsResult");
              (x).send(req, 200);
              return null;
            });
  }

  private Future<Void> createBucket(HttpServerRequest req, String bucket, SigV4.Signed signed) {
    BucketNames.check(bucket);
    return smallBody(req, signed)
        .compose(body -> buckets.create(Caller.DEFAULT_TENANT, bucket))
        .map(
            outcome -> {
              switch (outcome) {
                case CREATED -> req.response().putHeader("Location", "/" + bucket).end();
                case ALREADY_EXISTS ->
                    throw new S3Exception(
                        409,
                        "BucketAlreadyOwnedByYou",
                        "Your previous request to create the named bucket succeeded and you already own it.");
                default -> throw new IllegalStateException("unexpected " + outcome);
              }
              return null;
            });
  }

  private Future<Void> deleteBucket(HttpServerRequest req, String bucket) {
    return buckets
        .delete(Caller.DEFAULT_TENANT, bucket)
        .map(
            outcome -> {
              checkDeleted(outcome);
              req.response().setStatusCode(204).end();
              return null;
            });
  }

  /** NoSuchBucket or BucketNotEmpty unless the bucket was deleted. */
  static void checkDeleted(io.minikv.kv.CommandResult.BucketOutcome outcome) {
    switch (outcome) {
      case DELETED -> {}
      case NOT_FOUND -> throw S3Exception.noSuchBucket();
      case NOT_EMPTY ->
          throw new S3Exception(
              409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
      default -> throw new IllegalStateException("unexpected " + outcome);
    }
  }

  /**
   * Reads a small request body (bucket configuration XML): decodes aws-chunked bodies, checking
   * chunk signatures when the payload is signed, and verifies a plain body's SHA-256 when given.
   */
  private Future<Buffer> smallBody(HttpServerRequest req, SigV4.Signed signed) {
    String length = req.getHeader("Content-Length");
    if (length != null && Long.parseLong(length) > MAX_SMALL_BODY) {
      return Future.failedFuture(
          new S3Exception(400, "MaxMessageLengthExceeded", "Your request was too big."));
    }
    String declared = req.getHeader("x-amz-content-sha256");
    return req.body()
        .map(
            body -> {
              if (declared != null && declared.startsWith("STREAMING-")) {
                Buffer decoded = Buffer.buffer();
                boolean signedChunks = declared.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
                AwsChunkedDecoder decoder =
                    new AwsChunkedDecoder(signedChunks ? signed : null, decoded::appendBuffer);
                decoder.feed(body);
                decoder.end();
                return decoded;
              }
              if (declared != null && declared.length() == 64 && declared.matches("[0-9a-f]+")) {
                String actual = HexFormat.of().formatHex(SigV4.sha256().digest(body.getBytes()));
                if (!actual.equals(declared)) {
                  throw new S3Exception(
                      400,
                      "XAmzContentSHA256Mismatch",
                      "The provided 'x-amz-content-sha256' header does not match what was computed.");
                }
              }
              String md5 = req.getHeader("Content-MD5");
              if (md5 != null) {
                try {
                  byte[] given = java.util.Base64.getDecoder().decode(md5.trim());
                  byte[] actual =
                      java.security.MessageDigest.getInstance("MD5").digest(body.getBytes());
                  if (!java.security.MessageDigest.isEqual(given, actual)) {
                    throw new S3Exception(
                        400,
                        "BadDigest",
                        "The Content-MD5 you specified did not match what we received.");
                  }
                } catch (IllegalArgumentException | java.security.NoSuchAlgorithmException e) {
                  throw new S3Exception(
                      400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
                }
              }
              return body;
            });
  }

  private static S3Exception notImplemented(String what) {
    return new S3Exception(501, "NotImplemented", "minikv does not implement " + what + " yet.");
  }

  private static void error(HttpServerRequest req, S3Exception e, String requestId) {
    HttpServerResponse res = req.response();
    if (res.ended() || res.headWritten()) {
      return;
    }
    res.setStatusCode(e.status());
    if (!req.isEnded()) {
      // The body was not read (an upload refused part-way): do not read the rest.
      res.putHeader("Connection", "close");
    }
    if (req.method() == HttpMethod.HEAD || e.status() == 304) {
      res.end();
      return;
    }
    Xml x =
        new Xml()
            .open("Error")
            .element("Code", e.code())
            .element("Message", e.getMessage())
            .element("Resource", req.path())
            .element("RequestId", requestId)
            .close("Error");
    res.putHeader("Content-Type", "application/xml").end(x.toString());
  }
}
