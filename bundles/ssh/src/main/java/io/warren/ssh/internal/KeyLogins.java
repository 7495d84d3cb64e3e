package io.warren.ssh.internal;

import io.warren.api.AdminAuthenticator;
import io.warren.ssh.AuthorizedKeys;
import java.security.PublicKey;
import java.util.Optional;
import java.util.function.Function;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSH console's public key logins: an {@code ssh:shell} ticket's one-time key logs in once as the
 * admin (the ticket goes when the session is authenticated, see {@link #TICKET}); otherwise the admin's
 * authorised keys, with refused keys counted per source ({@link KeyFailures}), and a locked source
 * refused unchecked, keys and passwords alike ({@link #locked}).
 */
final class KeyLogins implements PublickeyAuthenticator {
  /** The ticket a session logged in with, to be used up once it is authenticated. */
  static final AttributeRepository.AttributeKey<Tickets.Ticket> TICKET = new AttributeRepository.AttributeKey<>();
  private static final Logger LOG = LoggerFactory.getLogger(KeyLogins.class);

  private final AdminAuthenticator admin;
  private final Tickets tickets;
  private final AuthorizedKeys keys;
  private final KeyFailures failures;
  private final Function<ServerSession, String> sourceOf;

  KeyLogins(AdminAuthenticator admin, Tickets tickets, AuthorizedKeys keys, KeyFailures failures,
      Function<ServerSession, String> sourceOf) {
    this.admin = admin;
    this.tickets = tickets;
    this.keys = keys;
    this.failures = failures;
    this.sourceOf = sourceOf;
  }

  @Override
  public boolean authenticate(String user, PublicKey key, ServerSession session) {
    Optional<Tickets.Ticket> ticket = user.equals(admin.adminUser()) ? tickets.find(key) : Optional.empty();
    if (ticket.isPresent()) {
      session.setAttribute(TICKET, ticket.get());
      return true;
    }
    String source = sourceOf.apply(session);
    if (locked(user, source)) {
      return false;
    }
    boolean ok = user.equals(admin.adminUser()) && keys.authorizes(key);
    if (!ok) {
      long lock = failures.failed(source);
      if (lock > 0) {
        LOG.info("ssh: key for {} from {} refused; too many refused keys from there, locked for {} ms", user, source,
            lock);
      }
    }
    return ok;
  }

  /** Whether {@code source} is locked out for refused keys, logged; then its logins are not checked. */
  boolean locked(String user, String source) {
    long locked = failures.locked(source);
    if (locked > 0) {
      LOG.debug("ssh: login as {} from {} refused unchecked: locked for {} ms more", user, source, locked);
      return true;
    }
    return false;
  }
}
