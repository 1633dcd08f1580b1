package io.minikv.auth;

/** What a caller may do within its tenant. */
public enum Role {
  ADMIN,
  READ_WRITE,
  READ_ONLY
}
