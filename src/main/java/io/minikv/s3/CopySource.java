package io.minikv.s3;

/** The object named by an {@code x-amz-copy-source} header ({@code [/]bucket/key[?versionId=]}). */
record CopySource(String bucket, String key) {

  static CopySource parse(String header) {
    String source = UriEncoding.decode(header);
    int q = source.indexOf('?');
    if (q >= 0) {
      source = source.substring(0, q);
    }
    source = source.startsWith("/") ? source.substring(1) : source;
    int slash = source.indexOf('/');
    if (slash <= 0 || slash == source.length() - 1) {
      throw S3Exception.invalidArgument("Invalid copy source: expected /bucket/key");
    }
    return new CopySource(source.substring(0, slash), source.substring(slash + 1));
  }
}
