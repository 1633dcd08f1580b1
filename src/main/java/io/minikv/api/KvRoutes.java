package io.minikv.api;

import io.minikv.kv.Command;
import io.minikv.kv.KeyEntry;
import io.minikv.kv.KeyRecord;
import io.minikv.kv.KvService;
import io.minikv.kv.ScanRequest;
import io.minikv.kv.TxnOp;
import io.minikv.storage.Bytes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.List;

/** The KV routes of DESIGN §7: thin translation between HTTP and {@link KvService}. */
final class KvRoutes {
  private static final String PREFIX = "/kv/";
  private static final byte CURSOR_VERSION = 1;

  private final KvService kv;

  KvRoutes(KvService kv) {
    this.kv = kv;
  }

  private static byte[] keyOf(RoutingContext ctx) {
    String path = ctx.request().path();
    return KeyPaths.decode(path.substring(PREFIX.length()));
  }

  private static String tenant(RoutingContext ctx) {
    return AuthHandler.caller(ctx).tenant();
  }

  /** PUT /kv/{key}: raw body, ?ttl=, If-Match / If-None-Match. */
  void put(RoutingContext ctx) {
    byte[] key = keyOf(ctx);
    Buffer body = ctx.body().buffer();
    byte[] value = body == null ? new byte[0] : body.getBytes();
    String contentType = ctx.request().getHeader("Content-Type");
    kv.put(
            tenant(ctx),
            key,
            value,
            contentType,
            Params.ttlMillis(ctx.request().getParam("ttl")),
            Params.precondition(ctx))
        .onSuccess(
            r -> {
              revisionHeaders(ctx.response(), r.revision(), r.createRevision(), r.version());
              Responses.json(
                  ctx,
                  r.version() == 1 ? 201 : 200,
                  new JsonObject()
                      .put("revision", r.revision())
                      .put("create_revision", r.createRevision())
                      .put("version", r.version()));
            })
        .onFailure(e -> Responses.error(ctx, e));
  }

  /** GET and HEAD /kv/{key}: the raw value with its metadata in headers. */
  void get(RoutingContext ctx) {
    byte[] key = keyOf(ctx);
    kv.get(tenant(ctx), key, Params.consistency(ctx))
        .onSuccess(
            e -> {
              KeyRecord r = e.record();
              HttpServerResponse res = ctx.response();
              revisionHeaders(res, r.modRevision(), r.createRevision(), r.version());
              if (r.expiresAt() != 0) {
                res.putHeader("X-Minikv-Expires-At", Long.toString(r.expiresAt()));
              }
              res.putHeader(
                  "Content-Type",
                  r.contentType() == null ? "application/octet-stream" : r.contentType());
              String inm = ctx.request().getHeader("If-None-Match");
              if (inm != null && inm.trim().equals(etag(r.modRevision()))) {
                res.setStatusCode(304).end();
                return;
              }
              if (ctx.request().method() == HttpMethod.HEAD) {
                res.putHeader("Content-Length", Integer.toString(r.value().length)).end();
              } else {
                res.end(Buffer.buffer(r.value()));
              }
            })
        .onFailure(e -> Responses.error(ctx, e));
  }

  /** DELETE /kv/{key}, with If-Match. */
  void delete(RoutingContext ctx) {
    byte[] key = keyOf(ctx);
    kv.delete(tenant(ctx), key, Params.precondition(ctx))
        .onSuccess(
            d -> {
              ctx.response().putHeader("X-Minikv-Revision", Long.toString(d.revision()));
              Responses.json(
                  ctx,
                  200,
                  new JsonObject().put("deleted", d.deleted()).put("revision", d.revision()));
            })
        .onFailure(e -> Responses.error(ctx, e));
  }

  private static String etag(long modRevision) {
    return "\"" + modRevision + "\"";
  }

  private static void revisionHeaders(
      HttpServerResponse res, long modRevision, long createRevision, long version) {
    res.putHeader("ETag", etag(modRevision))
        .putHeader("X-Minikv-Revision", Long.toString(modRevision))
        .putHeader("X-Minikv-Create-Revision", Long.toString(createRevision))
        .putHeader("X-Minikv-Version", Long.toString(version));
  }

  /** The [start, end) a scan or range delete covers, from prefix= or start=/end=. */
  private record Range(byte[] start, byte[] end) {}

  private static Range range(RoutingContext ctx, boolean base64, boolean required) {
    byte[] prefix = Params.keyParam(ctx, "prefix", base64);
    byte[] start = Params.keyParam(ctx, "start", base64);
    byte[] end = Params.keyParam(ctx, "end", base64);
    if (prefix != null) {
      if (start != null || end != null) {
        throw ApiError.badRequest("invalid_argument", "give prefix or start/end, not both");
      }
      return new Range(prefix, prefix.length == 0 ? null : Bytes.prefixEnd(prefix));
    }
    if (required && start == null && end == null) {
      throw ApiError.badRequest(
          "invalid_argument", "a range delete needs prefix= or start=/end= (prefix= for all keys)");
    }
    if (start != null && end != null && Bytes.compare(start, end) > 0) {
      throw ApiError.badRequest("invalid_argument", "start must not be after end");
    }
    return new Range(start, end);
  }

  /** GET /kv?prefix= | ?start=&end=, with limit, reverse, keys_only, count_only and cursor. */
  void scan(RoutingContext ctx) {
    boolean base64 = Params.base64(ctx);
    Range range = range(ctx, base64, false);
    boolean reverse = Params.bool(ctx, "reverse");
    int limit = Params.integer(ctx, "limit", kv.limits().defaultScanLimit());
    byte[] after = cursor(ctx.request().getParam("cursor"), reverse);
    boolean keysOnly = Params.bool(ctx, "keys_only");
    boolean countOnly = Params.bool(ctx, "count_only");
    ScanRequest request =
        new ScanRequest(range.start(), range.end(), limit, reverse, keysOnly, countOnly, after);
    kv.scan(tenant(ctx), request, Params.consistency(ctx))
        .onSuccess(
            page -> {
              JsonObject body = new JsonObject().put("count", page.count());
              if (!countOnly) {
                JsonArray items = new JsonArray();
                for (KeyEntry e : page.entries()) {
                  items.add(KvJson.entry(e, base64, !keysOnly));
                }
                body.put("items", items).put("more", page.more());
                if (page.more()) {
                  byte[] last = page.entries().get(page.entries().size() - 1).key();
                  body.put("cursor", cursorOf(last, reverse));
                }
              }
              Responses.json(ctx, 200, body);
            })
        .onFailure(e -> Responses.error(ctx, e));
  }

  private static String cursorOf(byte[] lastKey, boolean reverse) {
    byte[] c = new byte[lastKey.length + 2];
    c[0] = CURSOR_VERSION;
    c[1] = (byte) (reverse ? 1 : 0);
    System.arraycopy(lastKey, 0, c, 2, lastKey.length);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(c);
  }

  private static byte[] cursor(String cursor, boolean reverse) {
    if (cursor == null) {
      return null;
    }
    byte[] c;
    try {
      c = Base64.getUrlDecoder().decode(cursor);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_cursor", "cursor is not one this server returned");
    }
    if (c.length < 2 || c[0] != CURSOR_VERSION) {
      throw ApiError.badRequest("invalid_cursor", "cursor is not one this server returned");
    }
    if ((c[1] == 1) != reverse) {
      throw ApiError.badRequest(
          "invalid_cursor", "cursor was returned by a scan in the other direction (reverse)");
    }
    return java.util.Arrays.copyOfRange(c, 2, c.length);
  }

  /** DELETE /kv?prefix= | ?start=&end=: deletes a range atomically. */
  void deleteRange(RoutingContext ctx) {
    boolean base64 = Params.base64(ctx);
    Range range = range(ctx, base64, true);
    kv.deleteRange(tenant(ctx), range.start() == null ? new byte[0] : range.start(), range.end())
        .onSuccess(
            d ->
                Responses.json(
                    ctx,
                    200,
                    new JsonObject().put("deleted", d.deleted()).put("revision", d.revision())))
        .onFailure(e -> Responses.error(ctx, e));
  }

  /** POST /kv/_batch: many put/delete/get operations, applied atomically at one revision. */
  void batch(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    JsonArray opsJson = body.getJsonArray("ops");
    if (opsJson == null || opsJson.isEmpty()) {
      throw ApiError.badRequest("invalid_argument", "a batch needs a non-empty 'ops' array");
    }
    List<TxnOp> ops = KvJson.ops(opsJson, "ops");
    boolean base64 = Params.base64(ctx);
    kv.txn(new Command.Txn(tenant(ctx), List.of(), ops, List.of()))
        .onSuccess(
            t -> {
              JsonObject reply = KvJson.txnReply(t, base64);
              reply.remove("succeeded");
              Responses.json(ctx, 200, reply);
            })
        .onFailure(e -> Responses.error(ctx, e));
  }

  /** POST /kv/_txn: etcd-shaped compares, then the success or the failure branch, atomically. */
  void txn(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    boolean base64 = Params.base64(ctx);
    kv.txn(KvJson.txn(tenant(ctx), body))
        .onSuccess(t -> Responses.json(ctx, 200, KvJson.txnReply(t, base64)))
        .onFailure(e -> Responses.error(ctx, e));
  }

  /** The request body as a JSON object; 400 invalid_json otherwise. */
  static JsonObject jsonBody(RoutingContext ctx) {
    Buffer b = ctx.body().buffer();
    if (b == null || b.length() == 0) {
      throw ApiError.badRequest("invalid_json", "request body must be a JSON object");
    }
    Object parsed = io.vertx.core.json.Json.decodeValue(b);
    if (!(parsed instanceof JsonObject o)) {
      throw ApiError.badRequest("invalid_json", "request body must be a JSON object");
    }
    return o;
  }
}
