package io.minikv.s3;

import java.util.Locale;

/**
 * The bucket and key a request names: from the path ({@code /bucket/key}, path style) or from the
 * Host header ({@code bucket.<domain>}, virtual-host style) with the path as the key.
 */
record S3Target(String bucket, String key) {

  /** Path style: {@code /bucket} or {@code /bucket/key}; both null for the service. */
  static S3Target fromPath(String rawPath) {
    String path = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
    if (path.isEmpty()) {
      return new S3Target(null, null);
    }
    int slash = path.indexOf('/');
    if (slash < 0 || slash == path.length() - 1) {
      return new S3Target(UriEncoding.decode(slash < 0 ? path : path.substring(0, slash)), null);
    }
    return new S3Target(
        UriEncoding.decode(path.substring(0, slash)),
        UriEncoding.decode(path.substring(slash + 1)));
  }

  /**
   * Virtual-host style when the Host (port aside) is {@code <bucket>.<domain>}, else path style.
   */
  static S3Target of(String host, String domain, String rawPath) {
    String bucket = virtualHostBucket(host, domain);
    if (bucket == null) {
      return fromPath(rawPath);
    }
    String path = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
    return new S3Target(bucket, path.isEmpty() ? null : UriEncoding.decode(path));
  }

  private static String virtualHostBucket(String host, String domain) {
    if (host == null || domain.isEmpty()) {
      return null;
    }
    String h = host.toLowerCase(Locale.ROOT);
    int colon = h.lastIndexOf(':');
    if (colon >= 0 && h.indexOf(']') < colon) {
      h = h.substring(0, colon);
    }
    String suffix = "." + domain.toLowerCase(Locale.ROOT);
    if (h.length() <= suffix.length() || !h.endsWith(suffix)) {
      return null;
    }
    return h.substring(0, h.length() - suffix.length());
  }
}
