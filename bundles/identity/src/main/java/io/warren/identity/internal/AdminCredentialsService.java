package io.warren.identity.internal;

import io.warren.api.AdminAuthenticator;
import io.warren.api.Base58;
import io.warren.api.NodeProperties;
import io.warren.api.Store;
import io.warren.api.Store.Migration;
import io.warren.api.Threads;
import io.warren.identity.AdminAccount;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin account: one user whose password is stored as a bcrypt hash. Set from
 * {@code --root-credentials} ({@code user:password} or {@code user:hashed_<bcrypt hash>}); without
 * it, and with nothing stored yet, a random password is generated and shown once. Password checks
 * are limited per source and per account ({@link LoginLimiter}, configured here).
 */
@Component(service = {AdminAccount.class, AdminAuthenticator.class}, immediate = true,
    configurationPid = "io.warren.identity.admin")
@Designate(ocd = AdminCredentialsService.Config.class)
public final class AdminCredentialsService implements AdminAccount {

  @ObjectClassDefinition(name = "Warren admin logins",
      description = "Limits on admin password checks (local console, remote admin)")
  public @interface Config {
    @AttributeDefinition(description = "Failed logins from one source (an IP address, a local OS user) before it is"
        + " locked out")
    int source_free_failures() default 5;

    @AttributeDefinition(description = "Failed logins for the admin account, from all sources together, before it is"
        + " locked out (the console token and net:trust grants still work)")
    int account_free_failures() default 20;

    @AttributeDefinition(description = "Milliseconds of the first lockout; each further failure doubles it")
    long first_lockout_millis() default 1000;

    @AttributeDefinition(description = "Longest lockout in seconds")
    int max_lockout_seconds() default 900;

    @AttributeDefinition(description = "Seconds after which a source's or the account's failures are forgotten")
    int forget_seconds() default 3600;

    @AttributeDefinition(description = "Password (bcrypt) checks run at the same time at most")
    int max_concurrent_checks() default 2;

    @AttributeDefinition(description = "Login attempts waiting for a check at most; beyond them attempts are refused")
    int max_queued_checks() default 16;

    @AttributeDefinition(description = "Longest wait in milliseconds of a queued attempt before it is refused")
    int max_wait_millis() default 5000;
  }

  private static final Logger LOG = LoggerFactory.getLogger(AdminCredentialsService.class);
  static final int BCRYPT_COST = 11;
  static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");
  static final String HASHED_PREFIX = "hashed_";
  static final int MAX_PASSWORD_BYTES = 72;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Store store;
  private final LoginLimiter limiter;
  private final AtomicReference<String> generated = new AtomicReference<>();
  /**
   * The bcrypt work of this start (hashing a generated password, or checking and storing the one
   * {@code --root-credentials} gives), on a thread of its own: it takes half a second of a cold JVM,
   * which the rest of a start spends on other work. Everything that reads or sets the credentials
   * waits for it, and so does the ready banner (it takes the generated password, or, with none,
   * the admin user). Static: an instance that replaces this one (the component reactivated) must
   * not find the store still empty.
   */
  private static volatile CompletableFuture<Void> pending = CompletableFuture.completedFuture(null);

  /** Credentials as the operator passed them, parsed. */
  record Given(String user, String password, String hash) {
    static Given parse(String text) {
      int colon = text.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("root credentials must be user:password or user:hashed_<bcrypt hash>");
      }
      String user = text.substring(0, colon);
      String secret = text.substring(colon + 1);
      if (!USER.matcher(user).matches()) {
        throw new IllegalArgumentException("admin user name must be 1-64 of A-Z a-z 0-9 . _ @ -, got '" + user + "'");
      }
      if (secret.startsWith(HASHED_PREFIX)) {
        String hash = secret.substring(HASHED_PREFIX.length());
        if (!BCRYPT.matcher(hash).matches()) {
          throw new IllegalArgumentException(
              "hashed_ credentials must carry a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 53 characters)");
        }
        return new Given(user, null, hash);
      }
      checkPassword(secret);
      return new Given(user, secret, null);
    }
  }

  static void checkPassword(String password) {
    if (password.isEmpty()) {
      throw new IllegalArgumentException("admin password must not be empty");
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
      throw new IllegalArgumentException(
          "admin password must be at most " + MAX_PASSWORD_BYTES + " bytes (bcrypt's limit)");
    }
  }

  @Activate
  public AdminCredentialsService(BundleContext context, @Reference Store store, Config config) {
    this(store, context.getProperty(NodeProperties.ROOT_CREDENTIALS), Clock.systemUTC(), limits(config));
  }

  static LoginLimiter.Limits limits(Config c) {
    if (c.source_free_failures() < 1 || c.account_free_failures() < 1 || c.first_lockout_millis() < 1
        || c.max_lockout_seconds() < 1 || c.forget_seconds() < 1 || c.max_concurrent_checks() < 1
        || c.max_queued_checks() < 0 || c.max_wait_millis() < 0) {
      throw new IllegalArgumentException(
          "io.warren.identity.admin: every limit must be at least 1 (max.queued.checks and max.wait.millis: 0)");
    }
    if (c.first_lockout_millis() > c.max_lockout_seconds() * 1000L) {
      throw new IllegalArgumentException("io.warren.identity.admin: first.lockout.millis (" + c.first_lockout_millis()
          + ") is longer than max.lockout.seconds (" + c.max_lockout_seconds() + ")");
    }
    return new LoginLimiter.Limits(c.source_free_failures(), c.account_free_failures(),
        Duration.ofMillis(c.first_lockout_millis()), Duration.ofSeconds(c.max_lockout_seconds()),
        Duration.ofSeconds(c.forget_seconds()), c.max_concurrent_checks(), c.max_queued_checks(),
        Duration.ofMillis(c.max_wait_millis()));
  }

  /** The default limits, for tests. */
  static LoginLimiter.Limits defaultLimits() {
    return new LoginLimiter.Limits(5, 20, Duration.ofSeconds(1), Duration.ofMinutes(15), Duration.ofHours(1), 2, 16,
        Duration.ofSeconds(5));
  }

  AdminCredentialsService(Store store, String rootCredentials, Clock clock, LoginLimiter.Limits limits) {
    this.store = store;
    this.limiter = new LoginLimiter(clock, limits);
    store.migrate("identity", List.of(new Migration(1,
        "CREATE TABLE admin_credentials(id INT PRIMARY KEY, user_name VARCHAR(64) NOT NULL,"
            + " password_hash VARCHAR(80) NOT NULL, updated_at TIMESTAMP WITH TIME ZONE NOT NULL)")));
    Optional<String[]> stored = load();
    if (rootCredentials != null && !rootCredentials.isEmpty()) {
      Given given = Given.parse(rootCredentials);
      if (given.hash() != null) {
        if (stored.isEmpty() || !stored.get()[0].equals(given.user()) || !stored.get()[1].equals(given.hash())) {
          save(given.user(), given.hash());
          LOG.info("Admin credentials for '{}' set from a bcrypt hash", given.user());
        }
      } else {
        // parsed and checked above; comparing it with the stored hash (and hashing it when it differs)
        // is bcrypt's half second, made off the start's critical path
        inBackground(() -> {
          if (stored.isEmpty() || !stored.get()[0].equals(given.user())
              || !OpenBSDBCrypt.checkPassword(stored.get()[1], given.password().toCharArray())) {
            save(given.user(), hash(given.password().toCharArray()));
            LOG.info("Admin credentials for '{}' set from --root-credentials", given.user());
          }
        }, "the admin credentials from --root-credentials could not be stored");
      }
    } else if (stored.isEmpty()) {
      byte[] raw = new byte[15];
      RANDOM.nextBytes(raw);
      String password = Base58.encode(raw);
      generated.set(password);
      inBackground(() -> save("admin", hash(password.toCharArray())),
          "the generated admin password could not be stored, so none is set (the next start makes another)");
    }
  }

  private void inBackground(Runnable work, String failure) {
    pending =
        CompletableFuture.runAsync(work, task -> Threads.named("warren-admin-credentials").newThread(task).start())
            .whenComplete((done, e) -> {
              if (e != null) {
                LOG.error("Admin credentials: {}: {}", failure,
                    e.getCause() != null ? e.getCause().toString() : e.toString());
              }
            });
  }

  /** Waits for the hash being made in the background to be stored; false when that failed (logged then). */
  private boolean awaitPending() {
    try {
      pending.join();
      return true;
    } catch (CompletionException e) {
      return false;
    }
  }

  private Optional<String[]> load() {
    awaitPending();
    return store.transact(c -> {
      try (
          PreparedStatement ps =
              c.prepareStatement("SELECT user_name, password_hash FROM admin_credentials WHERE id = 1");
          ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new String[] {rs.getString(1), rs.getString(2)}) : Optional.empty();
      }
    });
  }

  private void save(String user, String hash) {
    store.transact(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "MERGE INTO admin_credentials KEY(id) VALUES (1, ?, ?, ?)")) {
        ps.setString(1, user);
        ps.setString(2, hash);
        ps.setTimestamp(3, Timestamp.from(Instant.now()));
        return ps.executeUpdate();
      }
    });
  }

  @Override
  public void setCredentials(String user, char[] password) {
    if (!USER.matcher(user).matches()) {
      throw new IllegalArgumentException("admin user name must be 1-64 of A-Z a-z 0-9 . _ @ -, got '" + user + "'");
    }
    awaitPending();
    save(user, hash(password));
  }

  @Override
  public String hash(char[] password) {
    checkPassword(new String(password));
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return OpenBSDBCrypt.generate("2b", password, salt, BCRYPT_COST);
  }

  /**
   * Checks the credentials within the limits: a locked source or account is refused before the
   * check, the check waits for a slot (bounded), and a failure past the free ones is logged as
   * {@code auth: N failed admin logins for <account> from <source>; locked for S s} for an
   * operator to alert on. The account is the admin account whatever user name was given, so
   * guessing names does not escape its limit.
   */
  @Override
  public boolean authenticate(String user, char[] password, String source) {
    Optional<String[]> stored = load();
    String account = stored.map(s -> s[0]).orElse("admin");
    limiter.checkNotLocked(account, source);
    limiter.acquire();
    boolean ok;
    LoginLimiter.Counted[] counted;
    try {
      counted = limiter.start(account, source);
      ok = stored.isPresent()
          && password.length > 0
          && StandardCharsets.UTF_8.encode(CharBuffer.wrap(password)).remaining() <= MAX_PASSWORD_BYTES
          && OpenBSDBCrypt.checkPassword(stored.get()[1], password)
          && stored.get()[0].equals(user);
    } finally {
      limiter.release();
    }
    if (ok) {
      limiter.succeeded(account, source);
      return true;
    }
    LoginLimiter.Counted s = counted[0];
    LoginLimiter.Counted a = counted[1];
    long locked = Math.max(s.lockedMillis(), a.lockedMillis());
    if (locked > 0) {
      LOG.warn("auth: {} failed admin logins for {} from {}; locked for {} s", Math.max(s.failures(), a.failures()),
          account, source, (locked + 999) / 1000);
    } else {
      LOG.warn("auth: failed admin login as '{}' from {} ({} of {} before a lockout)", user, source, s.failures(),
          limiter.limits().sourceFreeFailures());
    }
    return false;
  }

  @Override
  public String adminUser() {
    return load().map(s -> s[0]).orElse("");
  }

  @Override
  public Optional<String> takeGeneratedPassword() {
    if (!awaitPending()) {
      generated.set(null);
      return Optional.empty();
    }
    return Optional.ofNullable(generated.getAndSet(null));
  }

  @Override
  public String scheme() {
    return load().map(s -> "bcrypt (cost " + s[1].substring(4, 6) + ")").orElse("none");
  }
}
