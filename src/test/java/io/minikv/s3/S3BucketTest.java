package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.Node;
import io.minikv.config.Config;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
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
  static Node node;
  static S3Client s3;

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
                "--storage.engine=memory",
                "--auth.root_access_key=AKMINIKVTEST",
                "--auth.root_secret_key=secret/with+chars"));
    node = Node.start(config);
    while (!node.isReady()) {
      Thread.sleep(20);
    }
    s3 = client("AKMINIKVTEST", "secret/with+chars");
  }

  static S3Client client(String accessKey, String secret) {
    return S3Client.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + node.s3Port()))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secret)))
        .httpClient(Apache5HttpClient.create())
        .build();
  }

  @AfterAll
  static void stop() {
    s3.close();
    node.close();
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
    try (S3Client wrong = client("AKMINIKVTEST", "not-the-secret")) {
      S3Exception e = assertThrows(S3Exception.class, wrong::listBuckets);
      assertEquals(403, e.statusCode());
      assertEquals("SignatureDoesNotMatch", e.awsErrorDetails().errorCode());
    }
    try (S3Client unknown = client("AKUNKNOWN", "whatever")) {
      S3Exception e = assertThrows(S3Exception.class, unknown::listBuckets);
      assertEquals("InvalidAccessKeyId", e.awsErrorDetails().errorCode());
    }
  }

  @Test
  void operationsNotBuiltYetAnswer501NotImplemented() {
    s3.createBucket(b -> b.bucket("later"));
    S3Exception e =
        assertThrows(S3Exception.class, () -> s3.listMultipartUploads(b -> b.bucket("later")));
    assertEquals(501, e.statusCode());
    assertEquals("NotImplemented", e.awsErrorDetails().errorCode());
  }
}
