package io.warren.identity;

import io.warren.api.AdminAuthenticator;
import java.util.Optional;

/** This node's admin account, beyond checking credentials. */
public interface AdminAccount extends AdminAuthenticator {

  /**
   * The password generated on this start because none was set, once: later calls return empty.
   * It is stored only as a hash, so this is the one chance to show it to the operator.
   */
  Optional<String> takeGeneratedPassword();

  /** Sets new credentials (hashed with a slow salted hash before they are stored). */
  void setCredentials(String user, char[] password);

  /**
   * {@code password} hashed as stored credentials are (bcrypt, this node's cost, a fresh salt), for
   * {@code --root-credentials user:hashed_<hash>} on another start or node.
   *
   * @throws IllegalArgumentException when the password is empty or longer than bcrypt takes
   */
  String hash(char[] password);

  /** The hash scheme of the stored credentials, e.g. {@code bcrypt (cost 11)}. */
  String scheme();
}
