package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.Node;
import io.minikv.testing.S3TestNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Bucket operations and SigV4 through the real AWS SDK for Java v2, path-style, default checksums.
 */
class S3BucketTest {
  @TempDir static Path dir;
  static S3TestNode fixture;
  static Node node;
  static S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    fixture = S3TestNode.start(dir, "memory", "AKMINIKVTEST", "secret/with+chars");
    node = fixture.node();
    s3 = fixture.s3();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void createHeadListAndDeleteABucket() {
    s3.createBucket(b -> b.bucket("photos"));
    s3.headBucket(b -> b.bucket("photos"));
    List<String> names = s3.listBuckets().buckets().stream().map(Bucket::name).toList();
    assertTrue(names.contains("photos"), names.toString());
    assertTrue(s3.listBuckets().buckets().get(0).creationDate() != null);
    assertEquals("", s3.getBucketLocation(b -> b.bucket("photos")).locationConstraintAsString());
    s3.deleteBucket(b -> b.bucket("photos"));
    assertThrows(NoSuchBucketException.class, () -> s3.headBucket(b -> b.bucket("photos")));
    assertThrows(NoSuchBucketException.class, () -> s3.deleteBucket(b -> b.bucket("photos")));
  }

  @Test
  void creatingAnOwnedBucketAgainIsBucketAlreadyOwnedByYou() {
    s3.createBucket(b -> b.bucket("twice"));
    assertThrows(
        BucketAlreadyOwnedByYouException.class, () -> s3.createBucket(b -> b.bucket("twice")));
  }

  @Test
  void invalidBucketNamesAreRejected() {
    // Names the SDK itself lets through; BucketNamesTest covers every rule.
    for (String bad : List.of("xn--punycode", "name-s3alias")) {
      S3Exception e =
          assertThrows(S3Exception.class, () -> s3.createBucket(b -> b.bucket(bad)), bad);
      assertEquals(400, e.statusCode(), bad);
      assertEquals("InvalidBucketName", e.awsErrorDetails().errorCode(), bad);
    }
  }

  @Test
  void aWrongSecretOrUnknownKeyIsRefused() {
    try (S3Client wrong = S3TestNode.client(node, "AKMINIKVTEST", "not-the-secret")) {
      S3Exception e = assertThrows(S3Exception.class, wrong::listBuckets);
      assertEquals(403, e.statusCode());
      assertEquals("SignatureDoesNotMatch", e.awsErrorDetails().errorCode());
    }
    try (S3Client unknown = S3TestNode.client(node, "AKUNKNOWN", "whatever")) {
      S3Exception e = assertThrows(S3Exception.class, unknown::listBuckets);
      assertEquals("InvalidAccessKeyId", e.awsErrorDetails().errorCode());
    }
  }

  @Test
  void operationsNotBuiltYetAnswer501NotImplemented() {
    s3.createBucket(b -> b.bucket("later"));
    S3Exception e =
        assertThrows(S3Exception.class, () -> s3.getBucketPolicy(b -> b.bucket("later")));
    assertEquals(501, e.statusCode());
    assertEquals("NotImplemented", e.awsErrorDetails().errorCode());
  }
}
