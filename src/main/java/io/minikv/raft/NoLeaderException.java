package io.minikv.raft;

/** The group has no leader right now (election in progress, or not enough replicas). */
public final class NoLeaderException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NoLeaderException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
