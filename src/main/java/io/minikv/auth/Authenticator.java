package io.minikv.auth;

/**
 * Turns a request's {@code Authorization} header into a caller. Later credential kinds (API tokens,
 * JWTs, SigV4 access keys) are further implementations behind the same call.
 */
public interface Authenticator {

  /**
   * Returns the caller named by {@code authorization} (null when the header is absent).
   *
   * @throws AuthException when there is no credential or it does not verify
   */
  Caller authenticate(String authorization);
}
