package io.minikv.kv;

/**
 * A condition on a key's mod revision checked atomically with a write: {@code If-Match} and {@code
 * If-None-Match: *} of the REST API, compare-and-swap in general.
 */
public record Precondition(long value) {
  private static final long ANY_VALUE = -1;
  private static final long EXISTS_VALUE = -2;

  /** No condition. */
  public static final Precondition NONE = new Precondition(ANY_VALUE);

  /** The key must be absent (etcd: mod revision 0). */
  public static final Precondition ABSENT = new Precondition(0);

  /** The key must exist, whatever its revision. */
  public static final Precondition EXISTS = new Precondition(EXISTS_VALUE);

  /** The key must exist with this mod revision. */
  public static Precondition modRevision(long revision) {
    if (revision <= 0) {
      throw new IllegalArgumentException("mod revision must be positive: " + revision);
    }
    return new Precondition(revision);
  }

  /** Checks the condition against the current mod revision (0 when the key is absent). */
  boolean holds(long currentModRevision) {
    if (value == ANY_VALUE) {
      return true;
    }
    if (value == EXISTS_VALUE) {
      return currentModRevision > 0;
    }
    return currentModRevision == value;
  }
}
