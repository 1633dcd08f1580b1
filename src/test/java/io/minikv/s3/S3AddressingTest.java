package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minikv.testing.Http;
import io.minikv.testing.S3TestNode;
import io.minikv.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.apache.hc.client5.http.DnsResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Virtual-host-style S3 addressing, and {@code /s3/{bucket}/{key}} on the REST port. */
class S3AddressingTest {
  @TempDir Path dir;

  /** Resolves every name (bucket.localhost included) to loopback, as *.localhost should. */
  private static final DnsResolver LOOPBACK =
      new DnsResolver() {
        @Override
        public InetAddress[] resolve(String host) {
          return new InetAddress[] {InetAddress.getLoopbackAddress()};
        }

        @Override
        public String resolveCanonicalHostname(String host) {
          return host;
        }
      };

  @Test
  void virtualHostStyleRequestsNameTheBucketInTheHost() throws Exception {
    try (S3TestNode fixture = S3TestNode.start(dir, "memory", "AKVHOST", "vhsecret");
        S3Client vhost =
            S3Client.builder()
                .endpointOverride(URI.create("http://localhost:" + fixture.node().s3Port()))
                .region(Region.US_EAST_1)
                .forcePathStyle(false)
                .credentialsProvider(
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKVHOST", "vhsecret")))
                .httpClient(Apache5HttpClient.builder().dnsResolver(LOOPBACK).build())
                .build()) {
      vhost.createBucket(b -> b.bucket("vhost"));
      vhost.putObject(
          b -> b.bucket("vhost").key("dir/a b+c.txt"), RequestBody.fromString("virtual"));
      assertEquals(
          "virtual",
          vhost.getObjectAsBytes(b -> b.bucket("vhost").key("dir/a b+c.txt")).asUtf8String());
      assertEquals(
          java.util.List.of("dir/a b+c.txt"),
          vhost.listObjectsV2(b -> b.bucket("vhost")).contents().stream()
              .map(S3Object::key)
              .toList());
      // The same object path-style: one namespace, two addressing styles.
      assertEquals(
          "virtual",
          fixture
              .s3()
              .getObjectAsBytes(b -> b.bucket("vhost").key("dir/a b+c.txt"))
              .asUtf8String());
      vhost.deleteObject(b -> b.bucket("vhost").key("dir/a b+c.txt"));
      vhost.deleteBucket(b -> b.bucket("vhost"));
      assertTrue(fixture.s3().listBuckets().buckets().isEmpty());
    }
  }

  @Test
  void restPortServesObjectsWithCredentialsAndAJsonApi() throws Exception {
    try (S3TestNode fixture = S3TestNode.start(dir, "rocksdb", "AKREST", "restsecret")) {
      Http anonymous = new Http("http://127.0.0.1:" + fixture.node().httpPort());
      Http http =
          anonymous.withAuthorization(
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString("AKREST:restsecret".getBytes(StandardCharsets.UTF_8)));
      assertEquals(401, anonymous.put("/s3/quick/hello", "hi").statusCode());

      var put = http.put("/s3/quick/hello", "hi", "Content-Type", "text/plain");
      assertEquals(200, put.statusCode(), Http.text(put));
      assertEquals(
          "\"49f68a5c8493ec2c0bf489821c21fc3b\"", put.headers().firstValue("ETag").orElseThrow());
      var get = http.get("/s3/quick/hello");
      assertEquals("hi", Http.text(get));
      assertEquals("text/plain", get.headers().firstValue("Content-Type").orElseThrow());
      // Objects written on the REST port are S3 objects.
      assertEquals(
          "hi", fixture.s3().getObjectAsBytes(b -> b.bucket("quick").key("hello")).asUtf8String());
      fixture
          .s3()
          .putObject(b -> b.bucket("quick").key("dir/x y"), RequestBody.fromString("from s3"));
      assertEquals("from s3", Http.text(http.get("/s3/quick/dir/x%20y")));
      assertEquals(
          304,
          http.get(
                  "/s3/quick/hello",
                  "If-None-Match",
                  put.headers().firstValue("ETag").orElseThrow())
              .statusCode());

      JsonObject listing = Http.json(http.get("/s3/quick?delimiter=/"));
      assertEquals("hello", listing.getJsonArray("objects").getJsonObject(0).getString("key"));
      assertEquals(2, listing.getJsonArray("objects").getJsonObject(0).getLong("size"));
      assertEquals("dir/", listing.getJsonArray("common_prefixes").getString(0));
      JsonObject paged = Http.json(http.get("/s3/quick?limit=1"));
      assertTrue(paged.getBoolean("truncated"));
      JsonObject rest =
          Http.json(http.get("/s3/quick?limit=1&cursor=" + paged.getString("cursor")));
      assertEquals("hello", rest.getJsonArray("objects").getJsonObject(0).getString("key"));
      assertEquals(
          "quick",
          Http.json(http.get("/s3")).getJsonArray("buckets").getJsonObject(0).getString("name"));

      var missing = http.get("/s3/quick/nothing");
      assertEquals(404, missing.statusCode());
      assertEquals("no_such_key", Http.json(missing).getString("error"));
      var notEmpty = http.delete("/s3/quick");
      assertEquals(409, notEmpty.statusCode());
      assertEquals("bucket_not_empty", Http.json(notEmpty).getString("error"));
      var badName = http.put("/s3/Bad_Bucket/x", "v");
      assertEquals(400, badName.statusCode());
      assertEquals("invalid_bucket_name", Http.json(badName).getString("error"));
      var badLimit = http.get("/s3/quick?limit=0");
      assertEquals(400, badLimit.statusCode());
      assertEquals("invalid_limit", Http.json(badLimit).getString("error"));
      assertEquals(204, http.delete("/s3/quick/hello").statusCode());
      assertEquals(204, http.delete("/s3/quick/dir/x%20y").statusCode());
      assertEquals(204, http.delete("/s3/quick").statusCode());
      assertEquals("no_such_bucket", Http.json(http.delete("/s3/quick")).getString("error"));
    }
  }

  @Test
  void quickStartWorksWithAuthenticationDisabled() throws Exception {
    try (TestNode node = TestNode.start(dir, "memory")) {
      var put = node.http().put("/s3/mybucket/hello", "hi");
      assertEquals(200, put.statusCode(), Http.text(put));
      assertEquals("hi", Http.text(node.http().get("/s3/mybucket/hello")));
      assertEquals(201, node.http().put("/s3/other", "").statusCode());
      assertEquals(200, node.http().put("/s3/other", "").statusCode());

      // The S3 port's error document: code, message, resource, request id (also a header).
      Http s3 = new Http("http://127.0.0.1:" + node.node().s3Port());
      var missing = s3.get("/mybucket/missing");
      assertEquals(404, missing.statusCode());
      String xml = Http.text(missing);
      String requestId = missing.headers().firstValue("x-amz-request-id").orElseThrow();
      assertTrue(xml.contains("<Code>NoSuchKey</Code>"), xml);
      assertTrue(xml.contains("<Message>The specified key does not exist.</Message>"), xml);
      assertTrue(xml.contains("<Resource>/mybucket/missing</Resource>"), xml);
      assertTrue(xml.contains("<RequestId>" + requestId + "</RequestId>"), xml);
      var post = s3.send("POST", "/mybucket/hello", new byte[0]);
      assertEquals(405, post.statusCode());
      assertTrue(Http.text(post).contains("<Code>MethodNotAllowed</Code>"));
      assertEquals(405, s3.send("DELETE", "/", null).statusCode());
    }
  }
}
