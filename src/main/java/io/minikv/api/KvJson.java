package io.minikv.api;

import io.minikv.kv.Command;
import io.minikv.kv.CommandResult;
import io.minikv.kv.Compare;
import io.minikv.kv.KeyEntry;
import io.minikv.kv.KeyRecord;
import io.minikv.kv.TxnOp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * JSON shapes of the KV API. Keys are given as {@code key} (UTF-8 text) or {@code key_b64}; values
 * in request bodies are always base64. In replies keys and values are UTF-8 text unless they are
 * not valid UTF-8 or base64 was asked for, and then an {@code *_encoding: "base64"} field says so.
 */
final class KvJson {
  private KvJson() {}

  /** Valid UTF-8 as a string, or null. */
  static String utf8OrNull(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static void putBytes(JsonObject o, String field, byte[] bytes, boolean base64) {
    String text = base64 ? null : utf8OrNull(bytes);
    if (text != null) {
      o.put(field, text);
    } else {
      o.put(field, Base64.getEncoder().encodeToString(bytes));
      o.put(field + "_encoding", "base64");
    }
  }

  static JsonObject entry(KeyEntry e, boolean base64, boolean withValue) {
    KeyRecord r = e.record();
    JsonObject o = new JsonObject();
    putBytes(o, "key", e.key(), base64);
    if (withValue) {
      putBytes(o, "value", r.value(), base64);
    }
    o.put("create_revision", r.createRevision())
        .put("mod_revision", r.modRevision())
        .put("version", r.version());
    if (r.contentType() != null) {
      o.put("content_type", r.contentType());
    }
    if (r.expiresAt() != 0) {
      o.put("expires_at", r.expiresAt());
    }
    return o;
  }

  static JsonObject result(CommandResult r, boolean base64) {
    if (r instanceof CommandResult.Put p) {
      return new JsonObject()
          .put("op", "put")
          .put("revision", p.revision())
          .put("create_revision", p.createRevision())
          .put("version", p.version());
    }
    if (r instanceof CommandResult.Delete d) {
      return new JsonObject().put("op", "delete").put("deleted", d.deleted());
    }
    if (r instanceof CommandResult.Range range) {
      JsonArray items = new JsonArray();
      for (KeyEntry e : range.entries()) {
        items.add(entry(e, base64, true));
      }
      return new JsonObject()
          .put("op", "get")
          .put("count", range.entries().size())
          .put("items", items);
    }
    throw new IllegalStateException("unexpected result " + r);
  }

  static byte[] key(JsonObject o, String field) {
    String text = o.getString(field);
    String b64 = o.getString(field + "_b64");
    if (text != null && b64 != null) {
      throw ApiError.badRequest(
          "invalid_argument", "give either '" + field + "' or '" + field + "_b64', not both");
    }
    if (b64 != null) {
      return base64(b64, field + "_b64");
    }
    return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] requiredKey(JsonObject o, String field, String where) {
    byte[] k = key(o, field);
    if (k == null) {
      throw ApiError.badRequest(
          "invalid_argument", where + " needs '" + field + "' or '" + field + "_b64'");
    }
    return k;
  }

  static byte[] base64(String text, String field) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_argument", "'" + field + "' is not valid base64");
    }
  }

  static List<TxnOp> ops(JsonArray array, String where) {
    List<TxnOp> ops = new ArrayList<>();
    if (array == null) {
      return ops;
    }
    for (int i = 0; i < array.size(); i++) {
      ops.add(op(object(array, i, where), where + "[" + i + "]"));
    }
    return ops;
  }

  private static JsonObject object(JsonArray array, int i, String where) {
    Object o = array.getValue(i);
    if (!(o instanceof JsonObject j)) {
      throw ApiError.badRequest("invalid_argument", where + "[" + i + "] must be an object");
    }
    return j;
  }

  private static TxnOp op(JsonObject o, String where) {
    String op = o.getString("op");
    if (op == null) {
      throw ApiError.badRequest("invalid_argument", where + " needs 'op' (put, delete or get)");
    }
    byte[] key = requiredKey(o, "key", where);
    byte[] end = rangeEnd(o, key);
    switch (op.toLowerCase(Locale.ROOT)) {
      case "put":
        String value = o.getString("value");
        if (value == null) {
          throw ApiError.badRequest("invalid_argument", where + " (put) needs 'value' in base64");
        }
        return new TxnOp.Put(
            key,
            base64(value, where + ".value"),
            o.getString("content_type"),
            Params.ttlMillis(o.getString("ttl")));
      case "delete":
        return new TxnOp.Delete(key, end);
      case "get":
        Integer limit = o.getInteger("limit", 0);
        return new TxnOp.Range(key, end, limit, o.getBoolean("keys_only", false));
      default:
        throw ApiError.badRequest(
            "invalid_argument", where + " has unknown op '" + op + "' (put, delete or get)");
    }
  }

  /** {@code range_end} (exclusive; empty = to the end) or {@code prefix: true}. */
  private static byte[] rangeEnd(JsonObject o, byte[] key) {
    byte[] end = key(o, "range_end");
    if (o.getBoolean("prefix", false)) {
      if (end != null) {
        throw ApiError.badRequest(
            "invalid_argument", "give either 'prefix' or 'range_end', not both");
      }
      byte[] pe = io.minikv.storage.Bytes.prefixEnd(key);
      return pe == null ? new byte[0] : pe;
    }
    return end;
  }

  static List<Compare> compares(JsonArray array) {
    List<Compare> out = new ArrayList<>();
    if (array == null) {
      return out;
    }
    for (int i = 0; i < array.size(); i++) {
      String where = "compare[" + i + "]";
      JsonObject c = object(array, i, "compare");
      byte[] key = requiredKey(c, "key", where);
      String target = c.getString("target", "value").toLowerCase(Locale.ROOT);
      Object operand = c.getValue("value");
      if (target.equals("exists")) {
        if (!(operand instanceof Boolean b)) {
          throw ApiError.badRequest(
              "invalid_argument", where + ": 'exists' needs value true or false");
        }
        out.add(
            Compare.ofNumber(
                key, Compare.Target.VERSION, b ? Compare.Op.GREATER : Compare.Op.EQUAL, 0));
        continue;
      }
      Compare.Op op = compareOp(c.getString("op", "equal"), where);
      if (target.equals("value")) {
        if (!(operand instanceof String s)) {
          throw ApiError.badRequest(
              "invalid_argument", where + ": a value compare needs 'value' in base64");
        }
        out.add(Compare.ofValue(key, op, base64(s, where + ".value")));
        continue;
      }
      Compare.Target t =
          switch (target) {
            case "version" -> Compare.Target.VERSION;
            case "create_revision" -> Compare.Target.CREATE_REVISION;
            case "mod_revision" -> Compare.Target.MOD_REVISION;
            default ->
                throw ApiError.badRequest(
                    "invalid_argument",
                    where
                        + ": unknown target '"
                        + target
                        + "' (value, version, create_revision, mod_revision, exists)");
          };
      if (!(operand instanceof Number n)) {
        throw ApiError.badRequest(
            "invalid_argument", where + ": '" + target + "' needs a numeric 'value'");
      }
      out.add(Compare.ofNumber(key, t, op, n.longValue()));
    }
    return out;
  }

  private static Compare.Op compareOp(String s, String where) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "equal", "=", "==" -> Compare.Op.EQUAL;
      case "not_equal", "!=" -> Compare.Op.NOT_EQUAL;
      case "greater", ">" -> Compare.Op.GREATER;
      case "less", "<" -> Compare.Op.LESS;
      default ->
          throw ApiError.badRequest(
              "invalid_argument",
              where + ": unknown op '" + s + "' (equal, not_equal, greater, less)");
    };
  }

  static JsonObject txnReply(CommandResult.Txn t, boolean base64) {
    JsonArray results = new JsonArray();
    for (CommandResult r : t.responses()) {
      results.add(result(r, base64));
    }
    return new JsonObject()
        .put("succeeded", t.succeeded())
        .put("revision", t.revision())
        .put("results", results);
  }

  static Command.Txn txn(String tenant, JsonObject body) {
    return new Command.Txn(
        tenant,
        compares(body.getJsonArray("compare")),
        ops(body.getJsonArray("success"), "success"),
        ops(body.getJsonArray("failure"), "failure"));
  }
}
