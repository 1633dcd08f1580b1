package io.minikv.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads what {@link BinaryWriter} wrote; every read checks bounds. */
final class BinaryReader {
  private final byte[] buf;
  private int pos;
  private final int end;

  BinaryReader(byte[] buf) {
    this(buf, 0, buf.length);
  }

  BinaryReader(byte[] buf, int offset, int length) {
    this.buf = buf;
    this.pos = offset;
    this.end = offset + length;
  }

  private void need(int n) {
    if (n < 0 || pos + n > end) {
      throw new CodecException("truncated input at byte " + pos);
    }
  }

  int u8() {
    need(1);
    return buf[pos++] & 0xFF;
  }

  boolean bool() {
    return u8() != 0;
  }

  long i64() {
    need(8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (buf[pos++] & 0xFF);
    }
    return v;
  }

  long varint() {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = u8();
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new CodecException("varint too long at byte " + pos);
  }

  int length() {
    long n = varint();
    if (n > Integer.MAX_VALUE) {
      throw new CodecException("length " + n + " too large");
    }
    return (int) n;
  }

  byte[] raw(int n) {
    need(n);
    byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return out;
  }

  byte[] bytes() {
    return raw(length());
  }

  byte[] nullableBytes() {
    int n = length();
    return n == 0 ? null : raw(n - 1);
  }

  String string() {
    return new String(bytes(), StandardCharsets.UTF_8);
  }

  String nullableString() {
    byte[] b = nullableBytes();
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  byte[] rest() {
    return raw(end - pos);
  }

  boolean hasMore() {
    return pos < end;
  }
}
