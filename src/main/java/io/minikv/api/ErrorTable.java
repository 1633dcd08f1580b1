package io.minikv.api;

import io.minikv.auth.AuthException;
import io.minikv.kv.KvException;
import io.minikv.raft.NoLeaderException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from domain exceptions to REST errors. Codes are part of the API: a code never
 * changes meaning once released.
 */
final class ErrorTable {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorTable.class);

  private ErrorTable() {}

  static ApiError map(Throwable t) {
    Throwable e = t;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof ApiError api) {
      return api;
    }
    if (e instanceof KvException.KeyNotFound) {
      return new ApiError(404, "key_not_found", e.getMessage());
    }
    if (e instanceof KvException.PreconditionFailed pf) {
      return new ApiError(
          412,
          "precondition_failed",
          e.getMessage(),
          new JsonObject().put("current_mod_revision", pf.currentModRevision()),
          Map.of());
    }
    if (e instanceof KvException.InvalidArgument) {
      return new ApiError(400, "invalid_argument", e.getMessage());
    }
    if (e instanceof KvException.CrossGroup) {
      return new ApiError(
          501,
          "not_implemented",
          e.getMessage(),
          new JsonObject().put("feature", "cross_group_transactions"),
          Map.of());
    }
    if (e instanceof KvException.LimitExceeded le) {
      return switch (le.limit()) {
        case KEY_SIZE -> new ApiError(413, "key_too_large", e.getMessage());
        case VALUE_SIZE -> new ApiError(413, "value_too_large", e.getMessage());
        case REQUEST_SIZE -> new ApiError(413, "request_too_large", e.getMessage());
        case TXN_OPERATIONS -> new ApiError(400, "too_many_operations", e.getMessage());
      };
    }
    if (e instanceof NoLeaderException) {
      return new ApiError(
          503, "no_leader", e.getMessage(), new JsonObject(), Map.of("Retry-After", "1"));
    }
    if (e instanceof AuthException) {
      return new ApiError(
          401,
          "unauthorized",
          e.getMessage(),
          new JsonObject(),
          Map.of("WWW-Authenticate", "Basic realm=\"minikv\""));
    }
    if (e instanceof DecodeException) {
      String detail = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      return new ApiError(400, "invalid_json", "request body is not valid JSON: " + detail);
    }
    LOG.error("unexpected error", e);
    return new ApiError(500, "internal", "internal error: " + e.getClass().getSimpleName());
  }
}
