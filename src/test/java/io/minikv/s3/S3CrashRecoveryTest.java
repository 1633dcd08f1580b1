package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.NodeProcess;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Acknowledged objects survive kill -9; an upload cut off by the kill leaves no object and no file;
 * blob files a crash left unreferenced are reclaimed at restart.
 */
class S3CrashRecoveryTest {
  @TempDir Path dir;

  private static S3Client client(int port) {
    return S3Client.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + port))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AK", "SK")))
        .httpClient(Apache5HttpClient.create())
        .build();
  }

  @Test
  void acknowledgedObjectsSurviveKill9AndCrashLeftoversAreReclaimed() throws Exception {
    int httpPort = NodeProcess.freePort();
    int s3Port = NodeProcess.freePort();
    Path data = dir.resolve("data");
    Path config = dir.resolve("node.toml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "[node]",
            "data_dir = \"" + data + "\"",
            "[http]",
            "port = " + httpPort,
            "[s3]",
            "port = " + s3Port,
            "[raft]",
            "port = " + NodeProcess.freePort(),
            "[auth]",
            "enabled = false",
            ""));
    Map<String, byte[]> acked = new LinkedHashMap<>();
    try (NodeProcess node = new NodeProcess(config, dir.resolve("node.log"), httpPort)) {
      node.start(Duration.ofSeconds(60));
      try (S3Client s3 = client(s3Port)) {
        s3.createBucket(b -> b.bucket("durable"));
        Random random = new Random(5);
        for (int i = 0; i < 40; i++) {
          byte[] body = new byte[i % 2 == 0 ? 1000 + i : 100_000 + i];
          random.nextBytes(body);
          String key = "obj-" + i;
          s3.putObject(b -> b.bucket("durable").key(key), RequestBody.fromBytes(body));
          acked.put(key, body);
        }
      }
      // An upload in flight when the process dies.
      try (Socket socket = new Socket("127.0.0.1", s3Port)) {
        OutputStream out = socket.getOutputStream();
        out.write(
            "PUT /durable/partial HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[200_000]);
        out.flush();
        Thread.sleep(300);
        node.kill9();
      }
      // What a crash between writing a body and committing its record leaves behind.
      Path orphan =
          data.resolve("blobs").resolve("ff").resolve("ff00000000000000000000000000orphan");
      Files.createDirectories(orphan.getParent());
      Files.write(orphan, new byte[50_000]);
      Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minusSeconds(60)));
      long referencedBlobs = blobCount(data) - 1;

      node.start(Duration.ofSeconds(60));
      try (S3Client s3 = client(s3Port)) {
        for (Map.Entry<String, byte[]> e : acked.entrySet()) {
          assertArrayEquals(
              e.getValue(),
              s3.getObjectAsBytes(b -> b.bucket("durable").key(e.getKey())).asByteArray(),
              e.getKey());
        }
        assertThrows(
            NoSuchKeyException.class,
            () -> s3.getObjectAsBytes(b -> b.bucket("durable").key("partial")));
      }
      long deadline = System.currentTimeMillis() + 10_000;
      while (Files.exists(orphan) && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertFalse(Files.exists(orphan), "the orphaned blob is reclaimed");
      assertEquals(referencedBlobs, blobCount(data), "referenced blobs stay");
      assertEquals(20, referencedBlobs, "one blob per large object");
      try (Stream<Path> tmp = Files.list(data.resolve("blobs").resolve("tmp"))) {
        assertEquals(0, tmp.count(), "the interrupted upload's temporary file is gone");
      }
      node.stop();
      assertTrue(node.tail().contains("node stopped"));
    }
  }

  private static long blobCount(Path data) throws Exception {
    try (Stream<Path> walk = Files.walk(data.resolve("blobs"))) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> !p.getParent().getFileName().toString().equals("tmp"))
          .count();
    }
  }
}
