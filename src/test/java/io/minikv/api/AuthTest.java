package io.minikv.api;

import static io.minikv.testing.Http.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.Node;
import io.minikv.config.Config;
import io.minikv.testing.Http;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With [auth] enabled (the default) every route but the probes needs the root credential. */
class AuthTest {
  @TempDir static Path dir;
  static Node node;
  static Http anonymous;

  @BeforeAll
  static void start() throws Exception {
    Config config =
        Config.load(
            null,
            Map.of(),
            List.of(
                "--node.data_dir=" + dir,
                "--http.port=0",
                "--raft.port=0",
                "--s3.port=0",
                "--storage.engine=memory"));
    node = Node.start(config);
    while (!node.isReady()) {
      Thread.sleep(20);
    }
    anonymous = new Http("http://127.0.0.1:" + node.httpPort());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String basic(String user, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void generatedRootCredentialsAreStoredPrivately() throws Exception {
    Path file = dir.resolve("root-credentials");
    assertTrue(Files.exists(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    String content = Files.readString(file);
    assertTrue(content.contains(node.rootCredentials().secretKey()));
  }

  @Test
  void requestsWithoutOrWithWrongCredentialsGet401Json() {
    HttpResponse<byte[]> none = anonymous.get("/kv/x");
    assertEquals(401, none.statusCode());
    assertEquals("unauthorized", json(none).getString("error"));
    assertTrue(none.headers().firstValue("WWW-Authenticate").orElseThrow().startsWith("Basic"));
    String access = node.rootCredentials().accessKey();
    HttpResponse<byte[]> wrong =
        anonymous.withAuthorization(basic(access, "not-the-secret")).put("/kv/x", "v");
    assertEquals(401, wrong.statusCode());
    assertEquals(401, anonymous.withAuthorization("Bearer abc").get("/kv/x").statusCode());
    assertEquals(401, anonymous.withAuthorization("Basic !!!").get("/kv/x").statusCode());
    assertEquals(401, anonymous.get("/metrics").statusCode());
    assertEquals(
        401, anonymous.get("/watch").statusCode(), "unbuilt routes are not a way around auth");
  }

  @Test
  void rootCredentialsGrantAccess() {
    Http root =
        anonymous.withAuthorization(
            basic(node.rootCredentials().accessKey(), node.rootCredentials().secretKey()));
    assertEquals(201, root.put("/kv/authed", "yes").statusCode());
    assertEquals("yes", Http.text(root.get("/kv/authed")));
    assertEquals(200, root.get("/metrics").statusCode());
    assertNotEquals(401, root.get("/kv?prefix=a").statusCode());
  }

  @Test
  void healthProbesStayAnonymous() {
    assertEquals(200, anonymous.get("/health/live").statusCode());
    assertEquals(200, anonymous.get("/health/ready").statusCode());
  }
}
