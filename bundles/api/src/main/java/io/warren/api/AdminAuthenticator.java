package io.warren.api;

/**
 * Checks this node's admin credentials. Failed attempts are rate-limited per source and per account,
 * so callers pass where the attempt came from as something the caller cannot mint afresh: an IP
 * address ({@code ip 203.0.113.7}), a local OS user ({@code local user 1000}); never a port or a
 * peer ID.
 */
public interface AdminAuthenticator {

  /**
   * Returns whether {@code user} and {@code password} are this node's admin credentials.
   *
   * @throws AuthenticationException when {@code source} made too many failed attempts recently;
   *     the message says when it may try again
   */
  boolean authenticate(String user, char[] password, String source);

  /** The admin user name. */
  String adminUser();
}
