package io.warren.ssh.internal;

import io.warren.api.AdminAuthenticator;
import io.warren.api.AuthenticationException;
import io.warren.api.Threads;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.apache.sshd.server.auth.AsyncAuthException;
import org.apache.sshd.server.auth.password.PasswordAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The SSH console's password checks: a small bounded pool off MINA's I/O threads, and one check. */
final class PasswordChecks {
  private static final Logger LOG = LoggerFactory.getLogger(PasswordChecks.class);

  private PasswordChecks() {}

  /** Up to 4 threads (idle ones end), 64 logins waiting; one more is refused. */
  static ThreadPoolExecutor pool() {
    ThreadPoolExecutor e = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64),
        Threads.named("warren-ssh-login"));
    e.allowCoreThreadTimeOut(true);
    return e;
  }

  /**
   * MINA's password authenticator: each check (and its wait in the limiter's queue) runs on
   * {@code checks}, off MINA's I/O threads, so logins being checked do not stall the traffic of
   * sessions already open; a source {@code locked} for refused keys is refused unchecked.
   */
  static PasswordAuthenticator authenticator(AdminAuthenticator admin, ThreadPoolExecutor checks,
      Function<ServerSession, String> sourceOf, BiPredicate<String, String> locked) {
    return (user, password, session) -> {
      String source = sourceOf.apply(session);
      if (locked.test(user, source)) {
        return false;
      }
      AsyncAuthException pending = new AsyncAuthException();
      try {
        checks.execute(() -> pending.setAuthed(check(admin, user, password, source)));
      } catch (RejectedExecutionException e) {
        LOG.info("ssh: login as {} from {} not checked: too many logins being checked", user, source);
        return false;
      }
      throw pending;
    };
  }

  static boolean check(AdminAuthenticator admin, String user, String password, String source) {
    try {
      return admin.authenticate(user, password.toCharArray(), source);
    } catch (AuthenticationException e) {
      LOG.info("ssh: login as {} from {} not checked: {}", user, source, e.getMessage());
      return false;
    } catch (RuntimeException e) {
      LOG.warn("ssh: checking the login as {} from {} failed", user, source, e);
      return false;
    }
  }
}
