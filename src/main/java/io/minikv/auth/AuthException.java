package io.minikv.auth;

/** The request carries no credential, or one that does not verify. */
public final class AuthException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AuthException(String message) {
    super(message, null, false, false);
  }
}
