package io.warren.ssh.internal;

import io.warren.api.AdminAuthenticator;
import io.warren.api.AuthenticationException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The SSH console's password checks: a small bounded pool off MINA's I/O threads, and one check. */
final class PasswordChecks {
  private static final Logger LOG = LoggerFactory.getLogger(PasswordChecks.class);

  private PasswordChecks() {}

  /** Up to 4 threads (idle ones end), 64 logins waiting; one more is refused. */
  static ThreadPoolExecutor pool() {
    ThreadPoolExecutor e = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
      Thread t = new Thread(r, "warren-ssh-login");
      t.setDaemon(true);
      return t;
    });
    e.allowCoreThreadTimeOut(true);
    return e;
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
