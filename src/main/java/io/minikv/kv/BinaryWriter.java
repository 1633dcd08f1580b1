package io.minikv.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable big-endian buffer for the command, result and record codecs. */
final class BinaryWriter {
  private byte[] buf;
  private int pos;

  BinaryWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  private void ensure(int n) {
    if (pos + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }
  }

  BinaryWriter u8(int v) {
    ensure(1);
    buf[pos++] = (byte) v;
    return this;
  }

  BinaryWriter bool(boolean v) {
    return u8(v ? 1 : 0);
  }

  BinaryWriter i64(long v) {
    ensure(8);
    for (int i = 7; i >= 0; i--) {
      buf[pos++] = (byte) (v >>> (i * 8));
    }
    return this;
  }

  /** Unsigned LEB128 of a non-negative value. */
  BinaryWriter varint(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
    return this;
  }

  BinaryWriter raw(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, pos, bytes.length);
    pos += bytes.length;
    return this;
  }

  BinaryWriter bytes(byte[] bytes) {
    return varint(bytes.length).raw(bytes);
  }

  /** Length + 1, so that 0 stands for null. */
  BinaryWriter nullableBytes(byte[] bytes) {
    if (bytes == null) {
      return varint(0);
    }
    return varint(bytes.length + 1L).raw(bytes);
  }

  BinaryWriter string(String s) {
    return bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  BinaryWriter nullableString(String s) {
    return nullableBytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
  }

  int size() {
    return pos;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, pos);
  }
}
