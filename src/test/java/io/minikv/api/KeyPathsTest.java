package io.minikv.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyPathsTest {
  @Test
  void percentEscapesDecodeToArbitraryBytes() {
    assertArrayEquals(new byte[] {'a', '/', 0, (byte) 0xFF}, KeyPaths.decode("a/%00%ff"));
    assertArrayEquals("é x".getBytes(StandardCharsets.UTF_8), KeyPaths.decode("%C3%A9%20x"));
    // Netty hands raw UTF-8 bytes over one per char.
    String raw = new String("é".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    assertArrayEquals("é".getBytes(StandardCharsets.UTF_8), KeyPaths.decode(raw));
  }

  @Test
  void malformedEscapesAreInvalidKeys() {
    assertEquals("invalid_key", assertThrows(ApiError.class, () -> KeyPaths.decode("a%2")).code());
    assertEquals("invalid_key", assertThrows(ApiError.class, () -> KeyPaths.decode("a%g0")).code());
  }
}
