package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.minikv.testing.S3TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;

/** Multipart uploads left unfinished are aborted after the configured expiry; space comes back. */
class S3UploadExpiryTest {
  @TempDir Path dir;

  private long blobFiles() throws Exception {
    try (Stream<Path> walk = Files.walk(dir.resolve("blobs"))) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> !p.getParent().getFileName().toString().equals("tmp"))
          .count();
    }
  }

  @Test
  void abandonedUploadsExpireAndGiveBackTheirSpace() throws Exception {
    try (S3TestNode fixture =
        S3TestNode.start(
            dir,
            "rocksdb",
            "AKEXP",
            "expsecret",
            List.of("--s3.upload_expiry=3s", "--s3.upload_reaper_interval=200ms"))) {
      S3Client s3 = fixture.s3();
      s3.createBucket(b -> b.bucket("exp"));
      String old = s3.createMultipartUpload(b -> b.bucket("exp").key("old")).uploadId();
      for (int part = 1; part <= 2; part++) {
        int n = part;
        s3.uploadPart(
            b -> b.bucket("exp").key("old").uploadId(old).partNumber(n),
            RequestBody.fromBytes(new byte[100_000]));
      }
      assertEquals(2, blobFiles());
      Thread.sleep(1500);
      String young = s3.createMultipartUpload(b -> b.bucket("exp").key("young")).uploadId();
      s3.uploadPart(
          b -> b.bucket("exp").key("young").uploadId(young).partNumber(1),
          RequestBody.fromBytes(new byte[100_000]));

      long deadline = System.currentTimeMillis() + 10_000;
      while (System.currentTimeMillis() < deadline
          && s3.listMultipartUploads(b -> b.bucket("exp")).uploads().size() > 1) {
        Thread.sleep(100);
      }
      assertEquals(
          List.of("young"),
          s3.listMultipartUploads(b -> b.bucket("exp")).uploads().stream()
              .map(u -> u.key())
              .toList());
      assertThrows(
          NoSuchUploadException.class,
          () -> s3.listParts(b -> b.bucket("exp").key("old").uploadId(old)));
      while (System.currentTimeMillis() < deadline && blobFiles() > 1) {
        Thread.sleep(50);
      }
      assertEquals(1, blobFiles(), "only the young upload's part is left on disk");
    }
  }
}
