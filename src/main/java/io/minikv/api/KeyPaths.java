package io.minikv.api;

import java.io.ByteArrayOutputStream;

/** Turns the raw path after {@code /kv/} into key bytes: percent-decoding, any byte allowed. */
final class KeyPaths {
  private KeyPaths() {}

  static byte[] decode(String raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw ApiError.badRequest("invalid_key", "truncated percent-escape in the key path");
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw ApiError.badRequest(
              "invalid_key",
              "invalid percent-escape '" + raw.substring(i, i + 3) + "' in the key path");
        }
        out.write((hi << 4) | lo);
        i += 2;
      } else if (c <= 0xFF) {
        // Netty reads the request line one byte per char, so raw UTF-8 bytes arrive as-is.
        out.write(c);
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.write(utf8, 0, utf8.length);
      }
    }
    return out.toByteArray();
  }
}
