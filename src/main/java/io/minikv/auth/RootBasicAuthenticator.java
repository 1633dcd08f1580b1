package io.minikv.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * HTTP Basic with the root access key as user name and the root secret as password. Both are
 * compared in constant time so that timing does not reveal how much of a guess was right.
 */
public final class RootBasicAuthenticator implements Authenticator {
  private final byte[] accessKey;
  private final byte[] secretKey;
  private final String principal;

  public RootBasicAuthenticator(RootCredentials root) {
    this.accessKey = root.accessKey().getBytes(StandardCharsets.UTF_8);
    this.secretKey = root.secretKey().getBytes(StandardCharsets.UTF_8);
    this.principal = root.accessKey();
  }

  @Override
  public Caller authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw new AuthException("this route needs credentials: HTTP Basic with the root access key");
    }
    int space = authorization.indexOf(' ');
    if (space < 0 || !authorization.substring(0, space).equalsIgnoreCase("Basic")) {
      throw new AuthException("unsupported Authorization scheme; use HTTP Basic");
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(authorization.substring(space + 1).trim());
    } catch (IllegalArgumentException e) {
      throw new AuthException("malformed HTTP Basic credentials");
    }
    String pair = new String(decoded, StandardCharsets.UTF_8);
    int colon = pair.indexOf(':');
    if (colon < 0) {
      throw new AuthException("malformed HTTP Basic credentials");
    }
    boolean keyOk =
        MessageDigest.isEqual(accessKey, pair.substring(0, colon).getBytes(StandardCharsets.UTF_8));
    boolean secretOk =
        MessageDigest.isEqual(
            secretKey, pair.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
    if (!(keyOk & secretOk)) {
      throw new AuthException("invalid access key or secret");
    }
    return Caller.root(principal);
  }
}
