package io.minikv.s3;

import io.minikv.api.ApiError;
import io.minikv.auth.Caller;
import io.minikv.kv.BucketEntry;
import io.minikv.kv.BucketService;
import io.minikv.kv.CommandResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /s3/{bucket}/{key}} on the REST port (the minikv quick start): the same objects as the S3
 * port, authenticated like the rest of the REST API, with JSON listings and JSON errors. A PUT into
 * a bucket that does not exist creates the bucket.
 */
public final class S3RestRoutes {
  private final BucketService buckets;
  private final ObjectRoutes objects;

  public S3RestRoutes(Vertx vertx, BucketService buckets, BlobStore blobs, String owner) {
    this.buckets = buckets;
    this.objects = new ObjectRoutes(vertx, buckets, blobs, owner);
  }

  /** Serves any request under {@code /s3}. */
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    Future<Void> done;
    try {
      done = dispatch(ctx, req, S3Target.fromPath(req.path().substring("/s3".length())));
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    done.onFailure(
        t -> {
          if (t instanceof S3Exception e && e.status() == 304) {
            req.response().setStatusCode(304).end();
          } else {
            ctx.fail(t instanceof S3Exception e ? toApiError(e) : t);
          }
        });
  }

  private Future<Void> dispatch(RoutingContext ctx, HttpServerRequest req, S3Target t) {
    HttpMethod m = req.method();
    Map<String, String> query = SigV4.parseQuery(req.query());
    if (t.bucket() == null) {
      if (m == HttpMethod.GET) {
        return buckets.list(Caller.DEFAULT_TENANT).map(list -> reply(ctx, 200, bucketsJson(list)));
      }
      throw ApiError.methodNotAllowed(req, "GET");
    }
    String bucket = t.bucket();
    if (t.key() == null) {
      if (m == HttpMethod.PUT) {
        BucketNames.check(bucket);
        return buckets
            .create(Caller.DEFAULT_TENANT, bucket)
            .map(
                o ->
                    reply(
                        ctx,
                        o == CommandResult.BucketOutcome.CREATED ? 201 : 200,
                        new JsonObject().put("bucket", bucket)));
      }
      if (m == HttpMethod.DELETE) {
        return buckets
            .delete(Caller.DEFAULT_TENANT, bucket)
            .map(
                o -> {
                  S3Handler.checkDeleted(o);
                  req.response().setStatusCode(204).end();
                  return null;
                });
      }
      if (m == HttpMethod.GET) {
        return list(ctx, bucket, query);
      }
      throw ApiError.methodNotAllowed(req, "GET, PUT, DELETE");
    }
    String key = t.key();
    if (m == HttpMethod.PUT) {
      req.pause();
      return bucketForPut(bucket)
          .compose(v -> objects.put(req, bucket, key, S3Handler.headers(req), null, null));
    }
    if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
      return objects.get(req, bucket, key, query);
    }
    if (m == HttpMethod.DELETE) {
      return objects.delete(req, bucket, key);
    }
    throw ApiError.methodNotAllowed(req, "GET, HEAD, PUT, DELETE");
  }

  /** The bucket of a PUT, created first when it does not exist yet. */
  private Future<Void> bucketForPut(String bucket) {
    return buckets
        .get(Caller.DEFAULT_TENANT, bucket)
        .compose(
            b -> {
              if (b != null) {
                return Future.succeededFuture();
              }
              BucketNames.check(bucket);
              return buckets.create(Caller.DEFAULT_TENANT, bucket).mapEmpty();
            });
  }

  private Future<Void> list(RoutingContext ctx, String bucket, Map<String, String> q) {
    String prefix = q.getOrDefault("prefix", "");
    String delimiter = q.get("delimiter");
    String d = delimiter == null || delimiter.isEmpty() ? null : delimiter;
    int limit;
    try {
      limit = Integer.parseInt(q.getOrDefault("limit", "1000"));
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > 1000) {
      throw new ApiError(400, "invalid_limit", "limit must be an integer from 1 to 1000");
    }
    String after = null;
    if (q.containsKey("cursor")) {
      try {
        after = new String(Base64.getUrlDecoder().decode(q.get("cursor")), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new ApiError(400, "invalid_cursor", "cursor is not one this API returned");
      }
    }
    String startAfter = after;
    int max = limit;
    return objects
        .existingBucket(bucket)
        .compose(
            b ->
                buckets.listObjects(
                    Caller.DEFAULT_TENANT,
                    bucket,
                    scanner -> ObjectRoutes.Listing.run(scanner, prefix, d, startAfter, max)))
        .map(
            page -> {
              JsonArray items = new JsonArray();
              for (BucketService.ObjectEntry e : page.objects()) {
                ObjectRecord r = ObjectRecord.decode(e.record());
                items.add(
                    new JsonObject()
                        .put("key", e.key())
                        .put("size", r.size())
                        .put("etag", r.etag())
                        .put("content_type", r.contentType())
                        .put("last_modified", Xml.time(r.lastModified())));
              }
              JsonObject body =
                  new JsonObject()
                      .put("bucket", bucket)
                      .put("objects", items)
                      .put("common_prefixes", new JsonArray(page.prefixes()))
                      .put("truncated", page.truncated());
              if (page.truncated()) {
                body.put(
                    "cursor",
                    Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(page.last().getBytes(StandardCharsets.UTF_8)));
              }
              return reply(ctx, 200, body);
            });
  }

  private static JsonObject bucketsJson(java.util.List<BucketEntry> list) {
    JsonArray out = new JsonArray();
    for (BucketEntry b : list) {
      out.add(new JsonObject().put("name", b.name()).put("created", Xml.time(b.createdMillis())));
    }
    return new JsonObject().put("buckets", out);
  }

  private static Void reply(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.toBuffer());
    return null;
  }

  /** The S3 error as a REST error: same status, the code in snake case (NoSuchKey: no_such_key). */
  static ApiError toApiError(S3Exception e) {
    String snake = e.code().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    return new ApiError(e.status(), snake, e.getMessage());
  }
}
