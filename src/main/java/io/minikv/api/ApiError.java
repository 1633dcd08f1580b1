package io.minikv.api;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * An error as the REST API answers it: status, a stable machine-readable code, a message naming the
 * problem, optional extra JSON fields and headers.
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final transient JsonObject extra;
  private final transient Map<String, String> headers;

  public ApiError(int status, String code, String message) {
    this(status, code, message, new JsonObject(), Map.of());
  }

  public ApiError(
      int status, String code, String message, JsonObject extra, Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.extra = extra;
    this.headers = headers;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public JsonObject extra() {
    return extra;
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** 405 for a request whose method the path does not take; {@code allow} lists those it does. */
  public static ApiError methodNotAllowed(io.vertx.core.http.HttpServerRequest req, String allow) {
    return new ApiError(
        405,
        "method_not_allowed",
        req.method() + " is not allowed on " + req.path(),
        new JsonObject(),
        Map.of("Allow", allow));
  }

  public static ApiError badRequest(String code, String message) {
    return new ApiError(400, code, message);
  }
}
