package io.minikv.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class RootBasicAuthenticatorTest {
  private final RootBasicAuthenticator auth =
      new RootBasicAuthenticator(new RootCredentials("AKROOT", "s3cr3t:with:colons", false));

  private static String basic(String pair) {
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theRootPairAuthenticatesAsAdminOfTheDefaultTenant() {
    Caller c = auth.authenticate(basic("AKROOT:s3cr3t:with:colons"));
    assertEquals(Role.ADMIN, c.role());
    assertEquals(Caller.DEFAULT_TENANT, c.tenant());
    assertEquals("AKROOT", c.principal());
    assertEquals(
        "AKROOT",
        auth.authenticate("basic   " + basic("AKROOT:s3cr3t:with:colons").substring(6))
            .principal());
  }

  @Test
  void anythingElseIsRejected() {
    assertThrows(AuthException.class, () -> auth.authenticate(null));
    assertThrows(AuthException.class, () -> auth.authenticate(""));
    assertThrows(AuthException.class, () -> auth.authenticate(basic("AKROOT:wrong")));
    assertThrows(AuthException.class, () -> auth.authenticate(basic("OTHER:s3cr3t:with:colons")));
    assertThrows(AuthException.class, () -> auth.authenticate(basic("AKROOT")));
    assertThrows(AuthException.class, () -> auth.authenticate("Basic ***"));
    assertThrows(AuthException.class, () -> auth.authenticate("Bearer token"));
  }
}
