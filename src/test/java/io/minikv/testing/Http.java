package io.minikv.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small JDK HTTP client for tests: real HTTP/1.1 over loopback. */
public final class Http {
  private final String base;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private String authorization;

  public Http(String base) {
    this.base = base;
  }

  public String base() {
    return base;
  }

  /** Sends this Authorization header with every request. */
  public Http withAuthorization(String value) {
    Http h = new Http(base);
    h.authorization = value;
    return h;
  }

  public HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpResponse<byte[]> put(String path, String body, String... headers) {
    return send("PUT", path, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  /**
   * PUTs until the write is acknowledged (200/201) or {@code millis} pass, for a cluster that may
   * be between leaders; returns the last response (null if every attempt failed to connect).
   */
  public HttpResponse<byte[]> putWithin(String path, String body, long millis)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    HttpResponse<byte[]> last = null;
    while (System.currentTimeMillis() < deadline) {
      try {
        last = put(path, body);
        if (last.statusCode() == 200 || last.statusCode() == 201) {
          return last;
        }
      } catch (RuntimeException e) {
        // the node may be restarting
      }
      Thread.sleep(100);
    }
    return last;
  }

  public HttpResponse<byte[]> get(String path, String... headers) {
    return send("GET", path, null, headers);
  }

  public HttpResponse<byte[]> delete(String path, String... headers) {
    return send("DELETE", path, null, headers);
  }

  public HttpResponse<byte[]> postJson(String path, JsonObject body) {
    return send(
        "POST",
        path,
        body.encode().getBytes(StandardCharsets.UTF_8),
        "Content-Type",
        "application/json");
  }

  public static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  public static JsonObject json(HttpResponse<byte[]> r) {
    return new JsonObject(text(r));
  }
}
