package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class BucketNamesTest {
  @Test
  void validNamesPass() {
    for (String ok : List.of("abc", "my-bucket", "my.bucket.v2", "a1b", "x".repeat(63))) {
      assertDoesNotThrow(() -> BucketNames.check(ok), ok);
    }
  }

  @Test
  void everyRuleIsEnforced() {
    for (String bad :
        List.of(
            "ab",
            "x".repeat(64),
            "UPPER",
            "under_score",
            "-dash",
            "dash-",
            ".dot",
            "a..b",
            "a.-b",
            "a-.b",
            "192.168.1.1",
            "xn--punycode",
            "name-s3alias",
            "spa ce")) {
      S3Exception e = assertThrows(S3Exception.class, () -> BucketNames.check(bad), bad);
      assertEquals("InvalidBucketName", e.code());
      assertEquals(400, e.status());
    }
  }
}
