package io.minikv.auth;

/** Who made a request: a principal acting in a tenant with a role. */
public record Caller(String principal, String tenant, Role role) {
  public static final String DEFAULT_TENANT = "default";

  /** The root identity: admin of the default tenant. */
  public static Caller root(String principal) {
    return new Caller(principal, DEFAULT_TENANT, Role.ADMIN);
  }
}
