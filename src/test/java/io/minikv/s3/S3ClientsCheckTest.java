package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.minikv.testing.NodeProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs scripts/s3-clients-check: Debian's aws, s3cmd and rclone and curl --aws-sigv4 against a node
 * process. Skipped where the clients are not installed; .ci/run installs them.
 */
class S3ClientsCheckTest {
  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void awsS3cmdRcloneAndCurlWorkUnchanged() throws Exception {
    for (String tool :
        new String[] {"/usr/bin/aws", "/usr/bin/s3cmd", "/usr/bin/rclone", "/usr/bin/curl"}) {
      assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is not installed");
    }
    ProcessBuilder pb =
        new ProcessBuilder("bash", "scripts/s3-clients-check").redirectErrorStream(true);
    pb.environment().put("NODE_CLASSPATH", System.getProperty("java.class.path"));
    // The script puts Raft and gRPC on the two ports after S3's.
    int[] ports = NodeProcess.freePortsBelowEphemeral(4);
    pb.environment().put("HTTP_PORT", Integer.toString(ports[0]));
    pb.environment().put("S3_PORT", Integer.toString(ports[1]));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }
}
