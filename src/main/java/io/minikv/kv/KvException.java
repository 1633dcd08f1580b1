package io.minikv.kv;

/** A request the KV layer refuses; adapters map each subclass to a wire error in one table. */
public abstract class KvException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected KvException(String message) {
    super(message, null, false, false);
  }

  /** The key does not exist (or has expired). */
  public static final class KeyNotFound extends KvException {
    private static final long serialVersionUID = 1L;

    public KeyNotFound(String key) {
      super("key '" + key + "' not found");
    }
  }

  /** A CAS condition did not hold; nothing was written. */
  public static final class PreconditionFailed extends KvException {
    private static final long serialVersionUID = 1L;
    private final long currentModRevision;

    public PreconditionFailed(String key, long currentModRevision) {
      super(
          currentModRevision == 0
              ? "precondition failed: key '" + key + "' does not exist"
              : "precondition failed: key '" + key + "' is at mod_revision " + currentModRevision);
      this.currentModRevision = currentModRevision;
    }

    public long currentModRevision() {
      return currentModRevision;
    }
  }

  /** A malformed argument. */
  public static final class InvalidArgument extends KvException {
    private static final long serialVersionUID = 1L;

    public InvalidArgument(String message) {
      super(message);
    }
  }

  /** A configured limit was exceeded. */
  public static final class LimitExceeded extends KvException {
    private static final long serialVersionUID = 1L;
    private final Limit limit;

    public LimitExceeded(Limit limit, String message) {
      super(message);
      this.limit = limit;
    }

    public Limit limit() {
      return limit;
    }
  }

  /** The limits a request can break. */
  public enum Limit {
    KEY_SIZE,
    VALUE_SIZE,
    REQUEST_SIZE,
    TXN_OPERATIONS
  }

  /** An operation over several data groups that needs two-phase commit, not built yet. */
  public static final class CrossGroup extends KvException {
    private static final long serialVersionUID = 1L;

    public CrossGroup(String message) {
      super(message);
    }
  }
}
