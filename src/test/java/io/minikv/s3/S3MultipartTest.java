package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.Node;
import io.minikv.testing.S3TestNode;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Multipart uploads through the AWS SDK for Java v2. */
class S3MultipartTest {
  @TempDir static Path dir;
  static S3TestNode fixture;
  static Node node;
  static S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    fixture = S3TestNode.start(dir, "rocksdb", "AKMP", "mpsecret");
    node = fixture.node();
    s3 = fixture.s3();
    s3.createBucket(b -> b.bucket("mpu"));
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static long blobFiles() throws Exception {
    try (Stream<Path> walk = Files.walk(dir.resolve("blobs"))) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> !p.getParent().getFileName().toString().equals("tmp"))
          .count();
    }
  }

  @Test
  void uploadListCompleteAndReadAcrossPartBoundaries() throws Exception {
    String id =
        s3.createMultipartUpload(
                b -> b.bucket("mpu").key("big.bin").contentType("application/x-big"))
            .uploadId();
    int[] sizes = {5 << 20, 5 << 20, 1 << 20};
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    MessageDigest md5s = MessageDigest.getInstance("MD5");
    List<CompletedPart> parts = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      byte[] body = random(sizes[i], i);
      all.writeBytes(body);
      md5s.update(MessageDigest.getInstance("MD5").digest(body));
      int n = i + 1;
      String etag =
          s3.uploadPart(
                  b -> b.bucket("mpu").key("big.bin").uploadId(id).partNumber(n),
                  RequestBody.fromBytes(body))
              .eTag();
      parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
    }
    assertEquals(3, s3.listParts(b -> b.bucket("mpu").key("big.bin").uploadId(id)).parts().size());
    String etag =
        s3.completeMultipartUpload(
                b ->
                    b.bucket("mpu")
                        .key("big.bin")
                        .uploadId(id)
                        .multipartUpload(m -> m.parts(parts)))
            .eTag();
    assertEquals("\"" + HexFormat.of().formatHex(md5s.digest()) + "-3\"", etag);
    byte[] expected = all.toByteArray();
    var got = s3.getObjectAsBytes(b -> b.bucket("mpu").key("big.bin"));
    assertArrayEquals(expected, got.asByteArray());
    assertEquals("application/x-big", got.response().contentType());
    int from = (5 << 20) - 10;
    assertArrayEquals(
        java.util.Arrays.copyOfRange(expected, from, (10 << 20) + 10),
        s3.getObjectAsBytes(
                b -> b.bucket("mpu").key("big.bin").range("bytes=" + from + "-" + ((10 << 20) + 9)))
            .asByteArray());
    assertThrows(
        NoSuchUploadException.class,
        () -> s3.listParts(b -> b.bucket("mpu").key("big.bin").uploadId(id)));
  }

  @Test
  void completeChecksOrderEtagsAndMinimumPartSize() {
    String id = s3.createMultipartUpload(b -> b.bucket("mpu").key("bad")).uploadId();
    String e1 =
        s3.uploadPart(
                b -> b.bucket("mpu").key("bad").uploadId(id).partNumber(1),
                RequestBody.fromBytes(random(1 << 20, 1)))
            .eTag();
    String e2 =
        s3.uploadPart(
                b -> b.bucket("mpu").key("bad").uploadId(id).partNumber(2),
                RequestBody.fromBytes(random(1 << 20, 2)))
            .eTag();
    S3Exception small =
        assertThrows(
            S3Exception.class,
            () ->
                s3.completeMultipartUpload(
                    b ->
                        b.bucket("mpu")
                            .key("bad")
                            .uploadId(id)
                            .multipartUpload(
                                m ->
                                    m.parts(
                                        CompletedPart.builder().partNumber(1).eTag(e1).build(),
                                        CompletedPart.builder().partNumber(2).eTag(e2).build()))));
    assertEquals("EntityTooSmall", small.awsErrorDetails().errorCode());
    S3Exception order =
        assertThrows(
            S3Exception.class,
            () ->
                s3.completeMultipartUpload(
                    b ->
                        b.bucket("mpu")
                            .key("bad")
                            .uploadId(id)
                            .multipartUpload(
                                m ->
                                    m.parts(
                                        CompletedPart.builder().partNumber(2).eTag(e2).build(),
                                        CompletedPart.builder().partNumber(1).eTag(e1).build()))));
    assertEquals("InvalidPartOrder", order.awsErrorDetails().errorCode());
    S3Exception wrong =
        assertThrows(
            S3Exception.class,
            () ->
                s3.completeMultipartUpload(
                    b ->
                        b.bucket("mpu")
                            .key("bad")
                            .uploadId(id)
                            .multipartUpload(
                                m ->
                                    m.parts(
                                        CompletedPart.builder()
                                            .partNumber(1)
                                            .eTag("\"0000\"")
                                            .build()))));
    assertEquals("InvalidPart", wrong.awsErrorDetails().errorCode());
    // A single (last) part may be small.
    s3.completeMultipartUpload(
        b ->
            b.bucket("mpu")
                .key("bad")
                .uploadId(id)
                .multipartUpload(
                    m -> m.parts(CompletedPart.builder().partNumber(2).eTag(e2).build())));
    assertEquals(
        1 << 20, s3.getObjectAsBytes(b -> b.bucket("mpu").key("bad")).asByteArray().length);
  }

  @Test
  void abortRemovesThePartsAndTheirSpace() throws Exception {
    long before = blobFiles();
    String id = s3.createMultipartUpload(b -> b.bucket("mpu").key("gone")).uploadId();
    s3.uploadPart(
        b -> b.bucket("mpu").key("gone").uploadId(id).partNumber(1),
        RequestBody.fromBytes(random(100_000, 3)));
    assertEquals(before + 1, blobFiles());
    s3.abortMultipartUpload(b -> b.bucket("mpu").key("gone").uploadId(id));
    long deadline = System.currentTimeMillis() + 5000;
    while (blobFiles() != before && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(before, blobFiles());
    assertThrows(
        NoSuchUploadException.class,
        () ->
            s3.uploadPart(
                b -> b.bucket("mpu").key("gone").uploadId(id).partNumber(2),
                RequestBody.fromString("x")));
    assertTrue(
        assertThrows(
                    S3Exception.class,
                    () -> s3.abortMultipartUpload(b -> b.bucket("mpu").key("gone").uploadId(id)))
                .statusCode()
            == 404);
  }
}
