package io.minikv.storage;

import java.util.Arrays;
import java.util.Comparator;

/** Unsigned lexicographic order of byte arrays, the order every engine keeps. */
public final class Bytes {
  private Bytes() {}

  public static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /** True when {@code key} lies in {@code [start, end)}; null bounds are open. */
  public static boolean inRange(byte[] key, byte[] start, byte[] end) {
    return (start == null || compare(key, start) >= 0) && (end == null || compare(key, end) < 0);
  }

  /**
   * The smallest array greater than every array that starts with {@code prefix}, or null when no
   * such array exists (the prefix is empty or all 0xFF).
   */
  public static byte[] prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xFF) {
        byte[] end = Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return end;
      }
    }
    return null;
  }

  /** The arrays one after another. */
  public static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] p : parts) {
      length += p.length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** The smallest array greater than {@code key}: the key followed by a zero byte. */
  public static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }
}
