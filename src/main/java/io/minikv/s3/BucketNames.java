package io.minikv.s3;

import java.util.regex.Pattern;

/** S3's bucket naming rules (general purpose buckets). */
final class BucketNames {
  private static final Pattern SHAPE = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern IP = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+");

  private BucketNames() {}

  static void check(String name) {
    if (!SHAPE.matcher(name).matches()
        || name.contains("..")
        || name.contains(".-")
        || name.contains("-.")
        || IP.matcher(name).matches()
        || name.startsWith("xn--")
        || name.endsWith("-s3alias")) {
      throw new S3Exception(400, "InvalidBucketName", "The specified bucket is not valid.");
    }
  }
}
