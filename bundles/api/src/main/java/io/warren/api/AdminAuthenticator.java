package io.warren.api;

/**
 * Checks this node's admin credentials. Failed attempts are rate-limited per source, so callers
 * pass where the attempt came from (a peer ID, {@code local}, an SSH client address).
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
