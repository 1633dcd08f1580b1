package io.minikv.kv;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** How a key is named in error messages: UTF-8 text when it is, hex otherwise; never too long. */
public final class KeyDisplay {
  private static final int MAX = 120;

  private KeyDisplay() {}

  public static String of(byte[] key) {
    String s;
    try {
      s =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(key))
              .toString();
    } catch (CharacterCodingException e) {
      s = "0x" + HexFormat.of().formatHex(key);
    }
    return s.length() > MAX ? s.substring(0, MAX) + "…" : s;
  }
}
