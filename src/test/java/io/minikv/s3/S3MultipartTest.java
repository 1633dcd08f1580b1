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

  @Test
  void uploadPartCopyTakesWholeObjectsAndRanges() throws Exception {
    s3.createBucket(b -> b.bucket("mpu-copy"));
    byte[] big = random(7 << 20, 11);
    byte[] small = random(1000, 12);
    s3.putObject(b -> b.bucket("mpu-copy").key("src/big"), RequestBody.fromBytes(big));
    s3.putObject(b -> b.bucket("mpu-copy").key("src/small"), RequestBody.fromBytes(small));
    String id = s3.createMultipartUpload(b -> b.bucket("mpu-copy").key("joined")).uploadId();
    var p1 =
        s3.uploadPartCopy(
            b ->
                b.sourceBucket("mpu-copy")
                    .sourceKey("src/big")
                    .destinationBucket("mpu-copy")
                    .destinationKey("joined")
                    .uploadId(id)
                    .partNumber(1));
    var p2 =
        s3.uploadPartCopy(
            b ->
                b.sourceBucket("mpu-copy")
                    .sourceKey("src/big")
                    .copySourceRange("bytes=1000-5243879")
                    .destinationBucket("mpu-copy")
                    .destinationKey("joined")
                    .uploadId(id)
                    .partNumber(2));
    var p3 =
        s3.uploadPartCopy(
            b ->
                b.sourceBucket("mpu-copy")
                    .sourceKey("src/small")
                    .copySourceRange("bytes=10-19")
                    .destinationBucket("mpu-copy")
                    .destinationKey("joined")
                    .uploadId(id)
                    .partNumber(3));
    byte[] range2 = java.util.Arrays.copyOfRange(big, 1000, 5243880);
    byte[] range3 = java.util.Arrays.copyOfRange(small, 10, 20);
    assertEquals(md5Etag(big), p1.copyPartResult().eTag());
    assertEquals(md5Etag(range2), p2.copyPartResult().eTag());
    assertEquals(md5Etag(range3), p3.copyPartResult().eTag());
    List<CompletedPart> parts =
        List.of(
            CompletedPart.builder().partNumber(1).eTag(p1.copyPartResult().eTag()).build(),
            CompletedPart.builder().partNumber(2).eTag(p2.copyPartResult().eTag()).build(),
            CompletedPart.builder().partNumber(3).eTag(p3.copyPartResult().eTag()).build());
    s3.completeMultipartUpload(
        b -> b.bucket("mpu-copy").key("joined").uploadId(id).multipartUpload(m -> m.parts(parts)));
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(big);
    expected.writeBytes(range2);
    expected.writeBytes(range3);
    assertArrayEquals(
        expected.toByteArray(),
        s3.getObjectAsBytes(b -> b.bucket("mpu-copy").key("joined")).asByteArray());
  }

  @Test
  void uploadPartCopyErrors() {
    s3.createBucket(b -> b.bucket("mpu-copy-err"));
    s3.putObject(b -> b.bucket("mpu-copy-err").key("src"), RequestBody.fromBytes(random(100, 5)));
    String id = s3.createMultipartUpload(b -> b.bucket("mpu-copy-err").key("dst")).uploadId();
    java.util.function.Function<
            java.util.function.Consumer<
                software.amazon.awssdk.services.s3.model.UploadPartCopyRequest.Builder>,
            S3Exception>
        fails =
            extra ->
                assertThrows(
                    S3Exception.class,
                    () ->
                        s3.uploadPartCopy(
                            b -> {
                              b.sourceBucket("mpu-copy-err")
                                  .sourceKey("src")
                                  .destinationBucket("mpu-copy-err")
                                  .destinationKey("dst")
                                  .uploadId(id)
                                  .partNumber(1);
                              extra.accept(b);
                            }));
    S3Exception outside = fails.apply(b -> b.copySourceRange("bytes=50-100"));
    assertEquals(400, outside.statusCode());
    assertEquals("InvalidArgument", outside.awsErrorDetails().errorCode());
    assertEquals(
        "InvalidArgument",
        fails.apply(b -> b.copySourceRange("50-60")).awsErrorDetails().errorCode());
    assertEquals(
        "NoSuchKey", fails.apply(b -> b.sourceKey("missing")).awsErrorDetails().errorCode());
    assertEquals(
        "NoSuchUpload", fails.apply(b -> b.uploadId("nope")).awsErrorDetails().errorCode());
    S3Exception precondition = fails.apply(b -> b.copySourceIfMatch("\"0000\""));
    assertEquals(412, precondition.statusCode());
    assertEquals("PreconditionFailed", precondition.awsErrorDetails().errorCode());
  }

  @Test
  void listMultipartUploadsOrdersPagesAndRollsUpPrefixes() {
    s3.createBucket(b -> b.bucket("mpu-list"));
    List<String> ids = new ArrayList<>();
    for (String key : List.of("a/1", "a/2", "b", "b", "c")) {
      ids.add(s3.createMultipartUpload(b -> b.bucket("mpu-list").key(key)).uploadId());
    }
    var all = s3.listMultipartUploads(b -> b.bucket("mpu-list"));
    assertEquals(
        List.of("a/1", "a/2", "b", "b", "c"), all.uploads().stream().map(u -> u.key()).toList());
    assertEquals(ids, all.uploads().stream().map(u -> u.uploadId()).toList());
    assertEquals(false, all.isTruncated());
    assertTrue(all.uploads().get(0).initiated() != null);

    var rolled = s3.listMultipartUploads(b -> b.bucket("mpu-list").delimiter("/"));
    assertEquals(List.of("a/"), rolled.commonPrefixes().stream().map(p -> p.prefix()).toList());
    assertEquals(List.of("b", "b", "c"), rolled.uploads().stream().map(u -> u.key()).toList());

    var prefixed = s3.listMultipartUploads(b -> b.bucket("mpu-list").prefix("a/"));
    assertEquals(List.of("a/1", "a/2"), prefixed.uploads().stream().map(u -> u.key()).toList());

    List<String> paged = new ArrayList<>();
    String keyMarker = null;
    String idMarker = null;
    for (int page = 0; page < 10; page++) {
      String k = keyMarker;
      String i = idMarker;
      var res =
          s3.listMultipartUploads(
              b -> b.bucket("mpu-list").maxUploads(2).keyMarker(k).uploadIdMarker(i));
      res.uploads().forEach(u -> paged.add(u.uploadId()));
      if (!res.isTruncated()) {
        break;
      }
      keyMarker = res.nextKeyMarker();
      idMarker = res.nextUploadIdMarker();
    }
    assertEquals(ids, paged);

    s3.abortMultipartUpload(b -> b.bucket("mpu-list").key("b").uploadId(ids.get(2)));
    assertEquals(
        List.of(ids.get(3)),
        s3.listMultipartUploads(b -> b.bucket("mpu-list").prefix("b")).uploads().stream()
            .map(u -> u.uploadId())
            .toList());
    assertEquals(
        "NoSuchBucket",
        assertThrows(S3Exception.class, () -> s3.listMultipartUploads(b -> b.bucket("nobucket")))
            .awsErrorDetails()
            .errorCode());
  }

  private static String md5Etag(byte[] body) throws Exception {
    return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body)) + "\"";
  }
}
