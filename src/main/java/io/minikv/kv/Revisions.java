package io.minikv.kv;

/**
 * Hybrid logical clock revisions: 48 bits of milliseconds and a 16-bit counter. The next revision
 * is decided at apply time from the entry's leader timestamp and the last revision, so every
 * replica computes the same value and revisions strictly increase even when a new leader's clock is
 * behind.
 */
public final class Revisions {
  private Revisions() {}

  static long next(long last, long leaderMillis) {
    return Math.max(leaderMillis << 16, last + 1);
  }

  /** The wall-clock milliseconds part of a revision. */
  public static long millis(long revision) {
    return revision >>> 16;
  }
}
