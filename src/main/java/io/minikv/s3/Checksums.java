package io.minikv.s3;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/** The {@code x-amz-checksum-*} algorithms: computed while a body streams, compared at the end. */
final class Checksums {
  private Checksums() {}

  static final String PREFIX = "x-amz-checksum-";

  /** A running checksum of one algorithm. */
  interface Running {
    void update(byte[] b);

    /** Base64 of the big-endian result, as S3 sends it. */
    String base64();
  }

  static boolean supported(String algorithm) {
    return switch (algorithm) {
      case "crc32", "crc32c", "sha1", "sha256" -> true;
      default -> false;
    };
  }

  static Running start(String algorithm) {
    switch (algorithm) {
      case "crc32":
        return crc(new CRC32());
      case "crc32c":
        return crc(new CRC32C());
      case "sha1":
        return digest("SHA-1");
      case "sha256":
        return digest("SHA-256");
      default:
        throw S3Exception.invalidArgument(
            "Checksum algorithm '"
                + algorithm
                + "' is not supported (crc32, crc32c, sha1, sha256).");
    }
  }

  private static Running crc(Checksum c) {
    return new Running() {
      @Override
      public void update(byte[] b) {
        c.update(b, 0, b.length);
      }

      @Override
      public String base64() {
        long v = c.getValue();
        return Base64.getEncoder()
            .encodeToString(
                new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
      }
    };
  }

  private static Running digest(String name) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(name);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return new Running() {
      @Override
      public void update(byte[] b) {
        md.update(b);
      }

      @Override
      public String base64() {
        return Base64.getEncoder().encodeToString(md.digest());
      }
    };
  }

  /**
   * The algorithm a PUT asks for: a checksum header, the announced trailer, or {@code
   * x-amz-sdk-checksum-algorithm}; null when none.
   */
  static String requested(Map<String, String> headers) {
    for (String name : headers.keySet()) {
      if (name.startsWith(PREFIX) && !name.equals(PREFIX + "type")) {
        return name.substring(PREFIX.length());
      }
    }
    String trailer = headers.get("x-amz-trailer");
    if (trailer != null && trailer.toLowerCase(Locale.ROOT).startsWith(PREFIX)) {
      return trailer.toLowerCase(Locale.ROOT).trim().substring(PREFIX.length());
    }
    String sdk = headers.get("x-amz-sdk-checksum-algorithm");
    return sdk == null ? null : sdk.toLowerCase(Locale.ROOT);
  }
}
