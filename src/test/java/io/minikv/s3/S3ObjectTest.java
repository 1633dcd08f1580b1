package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.Node;
import io.minikv.testing.S3TestNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Object operations through the AWS SDK for Java v2 (path-style, default checksum settings). */
class S3ObjectTest {
  @TempDir static Path dir;
  static S3TestNode fixture;
  static Node node;
  static S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    fixture = S3TestNode.start(dir, "rocksdb", "AKOBJ", "objsecret");
    node = fixture.node();
    s3 = fixture.s3();
    s3.createBucket(b -> b.bucket("data"));
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

  private static String md5Etag(byte[] b) throws Exception {
    return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b)) + "\"";
  }

  @Test
  void putThenGetRoundTripsSmallAndLargeBodiesWithMd5Etags() throws Exception {
    for (int size :
        new int[] {0, 1, 1024, ObjectRoutes.INLINE_MAX, ObjectRoutes.INLINE_MAX + 1, 6 << 20}) {
      byte[] body = random(size, size);
      String key = "sizes/" + size;
      String etag =
          s3.putObject(b -> b.bucket("data").key(key), RequestBody.fromBytes(body)).eTag();
      assertEquals(md5Etag(body), etag, "ETag of " + size);
      ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(b -> b.bucket("data").key(key));
      assertArrayEquals(body, got.asByteArray(), "body of " + size);
      assertEquals(size, got.response().contentLength());
    }
  }

  @Test
  void metadataContentTypeAndContentHeadersAreKept() {
    s3.putObject(
        b ->
            b.bucket("data")
                .key("meta/doc.txt")
                .contentType("text/plain; charset=utf-8")
                .cacheControl("max-age=60")
                .contentDisposition("attachment; filename=doc.txt")
                .metadata(Map.of("owner", "ada", "project", "minikv")),
        RequestBody.fromString("hello"));
    HeadObjectResponse head = s3.headObject(b -> b.bucket("data").key("meta/doc.txt"));
    assertEquals("text/plain; charset=utf-8", head.contentType());
    assertEquals("max-age=60", head.cacheControl());
    assertEquals("attachment; filename=doc.txt", head.contentDisposition());
    assertEquals(Map.of("owner", "ada", "project", "minikv"), head.metadata());
    assertEquals(5, head.contentLength());
    assertTrue(head.lastModified().isAfter(Instant.now().minusSeconds(60)));
    GetObjectResponse overridden =
        s3.getObject(
                b -> b.bucket("data").key("meta/doc.txt").responseContentType("application/x-test"))
            .response();
    assertEquals("application/x-test", overridden.contentType());
  }

  @Test
  void rangesAndConditionalReads() throws Exception {
    byte[] body = random(200_000, 7);
    String etag =
        s3.putObject(b -> b.bucket("data").key("range"), RequestBody.fromBytes(body)).eTag();
    ResponseBytes<GetObjectResponse> part =
        s3.getObjectAsBytes(b -> b.bucket("data").key("range").range("bytes=100-199"));
    assertArrayEquals(java.util.Arrays.copyOfRange(body, 100, 200), part.asByteArray());
    assertEquals("bytes 100-199/200000", part.response().contentRange());
    assertArrayEquals(
        java.util.Arrays.copyOfRange(body, 199_990, 200_000),
        s3.getObjectAsBytes(b -> b.bucket("data").key("range").range("bytes=-10")).asByteArray());
    S3Exception bad =
        assertThrows(
            S3Exception.class,
            () -> s3.getObjectAsBytes(b -> b.bucket("data").key("range").range("bytes=300000-")));
    assertEquals(416, bad.statusCode());
    assertEquals(
        412,
        assertThrows(
                S3Exception.class,
                () -> s3.getObjectAsBytes(b -> b.bucket("data").key("range").ifMatch("\"nope\"")))
            .statusCode());
    assertEquals(
        304,
        assertThrows(
                S3Exception.class,
                () -> s3.getObjectAsBytes(b -> b.bucket("data").key("range").ifNoneMatch(etag)))
            .statusCode());
    assertEquals(
        304,
        assertThrows(
                S3Exception.class,
                () ->
                    s3.getObjectAsBytes(
                        b ->
                            b.bucket("data")
                                .key("range")
                                .ifModifiedSince(Instant.now().plusSeconds(5))))
            .statusCode());
    assertEquals(
        412,
        assertThrows(
                S3Exception.class,
                () ->
                    s3.getObjectAsBytes(
                        b ->
                            b.bucket("data")
                                .key("range")
                                .ifUnmodifiedSince(Instant.now().minusSeconds(3600))))
            .statusCode());
    assertEquals(
        200_000,
        s3.getObjectAsBytes(b -> b.bucket("data").key("range").ifMatch(etag)).asByteArray().length);
  }

  @Test
  void deleteRemovesTheObjectAndReclaimsItsBlob() throws Exception {
    byte[] big = random(300_000, 9);
    s3.putObject(b -> b.bucket("data").key("reclaim"), RequestBody.fromBytes(big));
    long blobsWithIt = blobFiles();
    s3.putObject(b -> b.bucket("data").key("reclaim"), RequestBody.fromBytes(random(300_000, 10)));
    waitForBlobs(blobsWithIt);
    s3.deleteObject(b -> b.bucket("data").key("reclaim"));
    waitForBlobs(blobsWithIt - 1);
    assertThrows(
        NoSuchKeyException.class, () -> s3.getObjectAsBytes(b -> b.bucket("data").key("reclaim")));
    assertEquals(
        404,
        assertThrows(S3Exception.class, () -> s3.headObject(b -> b.bucket("data").key("reclaim")))
            .statusCode());
    s3.deleteObject(b -> b.bucket("data").key("never-existed"));
    assertThrows(
        NoSuchBucketException.class, () -> s3.getObjectAsBytes(b -> b.bucket("nobucket").key("k")));
    assertThrows(
        NoSuchBucketException.class,
        () -> s3.putObject(b -> b.bucket("nobucket").key("k"), RequestBody.fromString("x")));
  }

  private static long blobFiles() throws Exception {
    try (Stream<Path> walk = Files.walk(dir.resolve("blobs"))) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> !p.getParent().getFileName().toString().equals("tmp"))
          .count();
    }
  }

  private static void waitForBlobs(long expected) throws Exception {
    long deadline = System.currentTimeMillis() + 5000;
    while (blobFiles() != expected && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(expected, blobFiles(), "blob files on disk");
  }

  @Test
  void aBucketWithObjectsCannotBeDeleted() {
    s3.createBucket(b -> b.bucket("full"));
    s3.putObject(b -> b.bucket("full").key("x"), RequestBody.fromString("x"));
    S3Exception e = assertThrows(S3Exception.class, () -> s3.deleteBucket(b -> b.bucket("full")));
    assertEquals("BucketNotEmpty", e.awsErrorDetails().errorCode());
    s3.deleteObject(b -> b.bucket("full").key("x"));
    s3.deleteBucket(b -> b.bucket("full"));
  }

  @Test
  void listingsHonourPrefixDelimiterPagingAndUnicode() {
    s3.createBucket(b -> b.bucket("tree"));
    // In UTF-8 byte order, as S3 lists: "d/z" < "d/é/4" and "z/last" < "ü".
    List<String> keys = List.of("a/1", "a/2", "a/b/3", "c", "d/z", "d/é/4", "e+f g", "z/last", "ü");
    for (String k : keys) {
      s3.putObject(b -> b.bucket("tree").key(k), RequestBody.fromString(k));
    }
    List<String> all = new ArrayList<>();
    String token = null;
    do {
      String t = token;
      ListObjectsV2Response page =
          s3.listObjectsV2(b -> b.bucket("tree").maxKeys(4).continuationToken(t));
      page.contents().stream().map(S3Object::key).forEach(all::add);
      token = page.isTruncated() ? page.nextContinuationToken() : null;
    } while (token != null);
    assertEquals(keys, all);

    ListObjectsV2Response top = s3.listObjectsV2(b -> b.bucket("tree").delimiter("/"));
    assertEquals(List.of("c", "e+f g", "ü"), top.contents().stream().map(S3Object::key).toList());
    assertEquals(
        List.of("a/", "d/", "z/"),
        top.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
    ListObjectsV2Response underD =
        s3.listObjectsV2(b -> b.bucket("tree").prefix("d/").delimiter("/"));
    assertEquals(List.of("d/z"), underD.contents().stream().map(S3Object::key).toList());
    assertEquals(
        List.of("d/é/"), underD.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
    ListObjectsV2Response after = s3.listObjectsV2(b -> b.bucket("tree").startAfter("d/z"));
    assertEquals(
        List.of("d/é/4", "e+f g", "z/last", "ü"),
        after.contents().stream().map(S3Object::key).toList());

    ListObjectsV2Response pagedPrefixes =
        s3.listObjectsV2(b -> b.bucket("tree").delimiter("/").maxKeys(2));
    assertTrue(pagedPrefixes.isTruncated());
    assertEquals(
        List.of("a/"), pagedPrefixes.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
    assertEquals(List.of("c"), pagedPrefixes.contents().stream().map(S3Object::key).toList());

    // A page that ends on a common prefix resumes after everything rolled into it.
    List<String> rolled = new ArrayList<>();
    String marker = null;
    for (int i = 0; i < 20; i++) {
      String m = marker;
      var page = s3.listObjects(b -> b.bucket("tree").delimiter("/").maxKeys(1).marker(m));
      page.commonPrefixes().forEach(p -> rolled.add(p.prefix()));
      page.contents().forEach(o -> rolled.add(o.key()));
      if (!page.isTruncated()) {
        break;
      }
      marker = page.nextMarker();
    }
    assertEquals(List.of("a/", "c", "d/", "e+f g", "z/", "ü"), rolled);

    var v1 = s3.listObjects(b -> b.bucket("tree").prefix("a/").marker("a/1"));
    assertEquals(List.of("a/2", "a/b/3"), v1.contents().stream().map(S3Object::key).toList());
    assertFalse(v1.isTruncated());
  }

  @Test
  void badDigestsAreRejectedAndNothingIsStored() throws Exception {
    byte[] body = "payload".getBytes(StandardCharsets.UTF_8);
    String wrongMd5 =
        Base64.getEncoder()
            .encodeToString(
                MessageDigest.getInstance("MD5").digest("other".getBytes(StandardCharsets.UTF_8)));
    S3Exception e =
        assertThrows(
            S3Exception.class,
            () ->
                s3.putObject(
                    b -> b.bucket("data").key("digest").contentMD5(wrongMd5),
                    RequestBody.fromBytes(body)));
    assertEquals("BadDigest", e.awsErrorDetails().errorCode());
    S3Exception crc =
        assertThrows(
            S3Exception.class,
            () ->
                s3.putObject(
                    b ->
                        b.bucket("data")
                            .key("digest")
                            .checksumAlgorithm(ChecksumAlgorithm.CRC32)
                            .checksumCRC32("AAAAAA=="),
                    RequestBody.fromBytes(body)));
    assertEquals(400, crc.statusCode());
    assertThrows(
        NoSuchKeyException.class, () -> s3.getObjectAsBytes(b -> b.bucket("data").key("digest")));
    String ok =
        s3.putObject(
                b -> b.bucket("data").key("digest").checksumAlgorithm(ChecksumAlgorithm.SHA256),
                RequestBody.fromBytes(body))
            .checksumSHA256();
    assertEquals(
        Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body)), ok);
  }

  private static String curl(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("curl", "-s", "--aws-sigv4", "aws:amz:us-east-1:s3"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  @Test
  void curlAwsSigv4PutsAndGetsWithoutAPayloadHashHeader() throws Exception {
    String url = "http://127.0.0.1:" + node.s3Port() + "/data/curl/hello.txt";
    assertEquals(
        "200",
        curl(
            "--user",
            "AKOBJ:objsecret",
            "-X",
            "PUT",
            "--data-binary",
            "hi from curl",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            url));
    assertEquals("hi from curl", curl("--user", "AKOBJ:objsecret", url));
    assertTrue(curl("--user", "AKOBJ:wrong", url).contains("SignatureDoesNotMatch"));
  }

  @Test
  void deleteObjectsRemovesManyKeysAndQuietModeListsNothing() {
    s3.createBucket(b -> b.bucket("multi"));
    for (int i = 0; i < 5; i++) {
      int n = i;
      s3.putObject(b -> b.bucket("multi").key("m/" + n), RequestBody.fromString("x" + n));
    }
    var result =
        s3.deleteObjects(
            b ->
                b.bucket("multi")
                    .delete(
                        d ->
                            d.objects(
                                o -> o.key("m/0"),
                                o -> o.key("m/1"),
                                o -> o.key("m/does-not-exist"))));
    assertEquals(
        List.of("m/0", "m/1", "m/does-not-exist"),
        result.deleted().stream().map(x -> x.key()).toList());
    assertTrue(result.errors().isEmpty());
    var quiet =
        s3.deleteObjects(
            b ->
                b.bucket("multi")
                    .delete(d -> d.quiet(true).objects(o -> o.key("m/2"), o -> o.key("m/3"))));
    assertTrue(quiet.deleted().isEmpty());
    assertEquals(
        List.of("m/4"),
        s3.listObjectsV2(b -> b.bucket("multi")).contents().stream().map(S3Object::key).toList());
  }

  @Test
  void copyObjectKeepsOrReplacesMetadataAndSharesNoState() throws Exception {
    byte[] body = random(150_000, 21);
    String etag =
        s3.putObject(
                b ->
                    b.bucket("data")
                        .key("copy/src")
                        .contentType("image/png")
                        .metadata(Map.of("a", "1")),
                RequestBody.fromBytes(body))
            .eTag();
    var copied =
        s3.copyObject(
            b ->
                b.sourceBucket("data")
                    .sourceKey("copy/src")
                    .destinationBucket("data")
                    .destinationKey("copy/dst"));
    assertEquals(etag, copied.copyObjectResult().eTag());
    HeadObjectResponse dst = s3.headObject(b -> b.bucket("data").key("copy/dst"));
    assertEquals("image/png", dst.contentType());
    assertEquals(Map.of("a", "1"), dst.metadata());
    s3.deleteObject(b -> b.bucket("data").key("copy/src"));
    assertArrayEquals(
        body, s3.getObjectAsBytes(b -> b.bucket("data").key("copy/dst")).asByteArray());

    s3.copyObject(
        b ->
            b.sourceBucket("data")
                .sourceKey("copy/dst")
                .destinationBucket("data")
                .destinationKey("copy/dst")
                .metadataDirective("REPLACE")
                .contentType("text/plain")
                .metadata(Map.of("b", "2")));
    HeadObjectResponse replaced = s3.headObject(b -> b.bucket("data").key("copy/dst"));
    assertEquals("text/plain", replaced.contentType());
    assertEquals(Map.of("b", "2"), replaced.metadata());
    assertArrayEquals(
        body, s3.getObjectAsBytes(b -> b.bucket("data").key("copy/dst")).asByteArray());

    S3Exception self =
        assertThrows(
            S3Exception.class,
            () ->
                s3.copyObject(
                    b ->
                        b.sourceBucket("data")
                            .sourceKey("copy/dst")
                            .destinationBucket("data")
                            .destinationKey("copy/dst")));
    assertEquals("InvalidRequest", self.awsErrorDetails().errorCode());
    assertEquals(
        412,
        assertThrows(
                S3Exception.class,
                () ->
                    s3.copyObject(
                        b ->
                            b.sourceBucket("data")
                                .sourceKey("copy/dst")
                                .destinationBucket("data")
                                .destinationKey("copy/x")
                                .copySourceIfMatch("\"other\"")))
            .statusCode());
    assertThrows(
        NoSuchKeyException.class,
        () ->
            s3.copyObject(
                b ->
                    b.sourceBucket("data")
                        .sourceKey("copy/missing")
                        .destinationBucket("data")
                        .destinationKey("copy/y")));
  }
}
