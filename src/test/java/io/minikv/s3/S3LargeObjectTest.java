package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.NodeProcess;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * A 5 GiB object (the largest single PUT) is uploaded and downloaded through the AWS SDK, streamed
 * on both sides, by a node JVM limited to a 64 MiB heap and 64 MiB of direct memory: bodies are
 * never held in memory. {@code -Dminikv.test.largeObjectMiB=N} changes the size.
 */
class S3LargeObjectTest {
  @TempDir Path dir;

  /** Deterministic bytes (xorshift64), generated on the fly so the test holds none of them. */
  static final class Generated extends InputStream {
    private long remaining;
    private long state = 0x9E3779B97F4A7C15L;
    private long word;
    private int left;

    Generated(long size) {
      this.remaining = size;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (remaining == 0) {
        return -1;
      }
      int n = (int) Math.min(len, remaining);
      for (int i = 0; i < n; i++) {
        if (left == 0) {
          state ^= state << 13;
          state ^= state >>> 7;
          state ^= state << 17;
          word = state;
          left = 8;
        }
        b[off + i] = (byte) word;
        word >>>= 8;
        left--;
      }
      remaining -= n;
      return n;
    }
  }

  private static byte[] sha256(InputStream in) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 16];
    for (int n; (n = in.read(buf)) > 0; ) {
      md.update(buf, 0, n);
    }
    return md.digest();
  }

  // 5 GiB up, down and hashed twice: 60-130 s on this VM's erratic disk, hence its own budget.
  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aFiveGibObjectStreamsThroughASixtyFourMibHeap() throws Exception {
    long size = Long.getLong("minikv.test.largeObjectMiB", 5120) << 20;
    int httpPort = NodeProcess.freePort();
    int s3Port = NodeProcess.freePort();
    Path config = dir.resolve("node.toml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "[node]",
            "data_dir = \"" + dir.resolve("data") + "\"",
            "[http]",
            "port = " + httpPort,
            "[s3]",
            "port = " + s3Port,
            "[raft]",
            "port = " + NodeProcess.freePort(),
            "[auth]",
            "root_access_key = \"AKBIG\"",
            "root_secret_key = \"bigsecret\"",
            ""));
    List<String> smallHeap = List.of("-Xmx64m", "-XX:MaxDirectMemorySize=64m");
    try (NodeProcess node = new NodeProcess(config, dir.resolve("node.log"), httpPort, smallHeap);
        S3Client s3 =
            S3Client.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + s3Port))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKBIG", "bigsecret")))
                .httpClient(
                    Apache5HttpClient.builder().socketTimeout(Duration.ofMinutes(5)).build())
                .build()) {
      node.start(Duration.ofSeconds(60));
      s3.createBucket(b -> b.bucket("big"));
      s3.putObject(
          b -> b.bucket("big").key("large.bin"),
          RequestBody.fromContentProvider(() -> new Generated(size), size, "application/x-large"));
      assertEquals(
          size, s3.headObject(b -> b.bucket("big").key("large.bin")).contentLength().longValue());
      byte[] expected = sha256(new Generated(size));
      try (ResponseInputStream<GetObjectResponse> in =
          s3.getObject(b -> b.bucket("big").key("large.bin"))) {
        assertArrayEquals(expected, sha256(in));
      }
      assertTrue(node.isAlive(), "the node survived with a 64 MiB heap");
      assertTrue(!Files.readString(dir.resolve("node.log")).contains("OutOfMemoryError"));
    }
  }
}
