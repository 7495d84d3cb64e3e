package io.warren.identity.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.AuthenticationException;
import io.warren.store.internal.H2Store;
import io.warren.testing.TestClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminCredentialsServiceTest {
  @TempDir Path dir;
  H2Store store;

  @BeforeEach
  void open() {
    store = H2Store.open(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private AdminCredentialsService service(String rc) {
    return new AdminCredentialsService(store, rc, Clock.systemUTC(), AdminCredentialsService.defaultLimits());
  }

  @Test
  void aHashIsWhatHashedCredentialsTakeAndLogsIn() throws Exception {
    String hash = service("admin:right").hash("an0ther-Pass".toCharArray());
    assertTrue(hash.matches("\\$2b\\$\\d\\d\\$[./A-Za-z0-9]{53}"), hash);
    AdminCredentialsService other = service("ops:hashed_" + hash);
    assertTrue(other.authenticate("ops", "an0ther-Pass".toCharArray(), "test"));
    assertThrows(IllegalArgumentException.class, () -> other.hash(new char[0]));
  }

  @Test
  void withoutCredentialsAPasswordIsGeneratedOnceAndKept() {
    AdminCredentialsService first = service(null);
    String password = first.takeGeneratedPassword().orElseThrow();
    assertTrue(password.length() >= 16, password);
    assertTrue(first.takeGeneratedPassword().isEmpty(), "shown once");
    AdminCredentialsService restarted = service(null);
    assertTrue(restarted.takeGeneratedPassword().isEmpty(), "no new password on restart");
    assertTrue(restarted.authenticate("admin", password.toCharArray(), "t"));
    assertFalse(restarted.authenticate("admin", "wrong".toCharArray(), "t"));
    assertTrue(restarted.scheme().startsWith("bcrypt"), restarted.scheme());
  }

  @Test
  void aGeneratedPasswordIsStoredBeforeAnyInstanceReadsTheAccount() {
    // the hash is made on a thread of its own; a second instance (the component reactivated) at once
    // must find it stored, not generate another password
    AdminCredentialsService first = service(null);
    AdminCredentialsService second = service(null);
    assertTrue(second.takeGeneratedPassword().isEmpty(), "a second password was generated");
    String password = first.takeGeneratedPassword().orElseThrow();
    assertTrue(second.authenticate("admin", password.toCharArray(), "t"));
  }

  @Test
  void plainCredentialsAreStoredHashed() {
    AdminCredentialsService s = service("root:S3cret pass");
    assertTrue(s.takeGeneratedPassword().isEmpty());
    assertEquals("root", s.adminUser());
    assertTrue(s.authenticate("root", "S3cret pass".toCharArray(), "t"));
    assertFalse(s.authenticate("admin", "S3cret pass".toCharArray(), "t"));
    String stored = store.transact(c -> {
      var rs = c.createStatement().executeQuery("SELECT password_hash FROM admin_credentials");
      rs.next();
      return rs.getString(1);
    });
    assertTrue(stored.startsWith("$2b$11$"), stored);
    assertFalse(stored.contains("S3cret"));
  }

  @Test
  void bcryptHashesFromOtherToolsAreAccepted() {
    String hash = OpenBSDBCrypt.generate("2y", "fromhtpasswd".toCharArray(), new byte[16], 5);
    AdminCredentialsService s = service("ops:hashed_" + hash);
    assertTrue(s.authenticate("ops", "fromhtpasswd".toCharArray(), "t"));
  }

  @Test
  void malformedCredentialsAreRefusedWithAReason() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> service("nocolon")).getMessage().contains("user:password"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> service("a b:pw")).getMessage().contains("user name"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> service("admin:")).getMessage().contains("empty"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> service("admin:hashed_$2b$10$short")).getMessage()
        .contains("bcrypt"));
  }

  @Test
  void repeatedFailuresFromOneSourceAreThrottled() {
    TestClock now = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    AdminCredentialsService s =
        new AdminCredentialsService(store, "admin:right", now, AdminCredentialsService.defaultLimits());
    for (int i = 0; i < AdminCredentialsService.defaultLimits().sourceFreeFailures(); i++) {
      assertFalse(s.authenticate("admin", "wrong".toCharArray(), "peerA"));
    }
    AuthenticationException e = assertThrows(AuthenticationException.class,
        () -> s.authenticate("admin", "right".toCharArray(), "peerA"));
    assertTrue(e.getMessage().contains("try again"), e.getMessage());
    assertTrue(s.authenticate("admin", "right".toCharArray(), "peerB"), "other sources are not affected");
    now.advance(Duration.ofSeconds(2));
    assertTrue(s.authenticate("admin", "right".toCharArray(), "peerA"));
  }

  @Test
  void failuresFromManySourcesLockTheAccountWithGrowingDelays() {
    TestClock now = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    LoginLimiter.Limits limits = new LoginLimiter.Limits(5, 3, Duration.ofSeconds(1), Duration.ofSeconds(8),
        Duration.ofHours(1), 2, 4, Duration.ofSeconds(1));
    AdminCredentialsService s = new AdminCredentialsService(store, "admin:right", now, limits);
    int checked = 0;
    int refused = 0;
    for (int i = 0; i < 20; i++) {
      try {
        // a fresh source and a made-up user name each time: the admin account is still the one attacked
        assertFalse(s.authenticate("user" + i, "wrong".toCharArray(), "10.0.0." + i));
        checked++;
      } catch (AuthenticationException e) {
        assertTrue(e.getMessage().contains("for the admin account"), e.getMessage());
        refused++;
      }
    }
    assertEquals(3, checked, "the account is locked after its free failures");
    assertEquals(17, refused);
    assertThrows(AuthenticationException.class, () -> s.authenticate("admin", "right".toCharArray(), "10.9.9.9"));
    now.advance(Duration.ofMillis(1001));
    assertFalse(s.authenticate("admin", "wrong".toCharArray(), "10.0.0.99"), "checked once the lock expired");
    now.advance(Duration.ofMillis(1001));
    AuthenticationException e =
        assertThrows(AuthenticationException.class, () -> s.authenticate("admin", "right".toCharArray(), "10.9.9.9"));
    assertTrue(e.getMessage().contains("try again in 1 s"), "the second lockout is twice the first: " + e.getMessage());
    now.advance(Duration.ofSeconds(60));
    assertTrue(s.authenticate("admin", "right".toCharArray(), "10.9.9.9"), "the longest lockout is bounded");
    assertFalse(s.authenticate("admin", "wrong".toCharArray(), "10.0.0.1"), "a success cleared the account");
  }

  @Test
  void checksRunWithinTheirConcurrencyBound() {
    LoginLimiter.Limits limits =
        new LoginLimiter.Limits(5, 5, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofHours(1), 1, 1,
            Duration.ofMillis(50));
    LoginLimiter limiter = new LoginLimiter(Clock.systemUTC(), limits);
    limiter.acquire();
    AuthenticationException waited = assertThrows(AuthenticationException.class, limiter::acquire);
    assertTrue(waited.getMessage().contains("in progress"), "a queued attempt gives up after its wait");
    assertEquals(1, limiter.inProgress());
    LoginLimiter noQueue = new LoginLimiter(Clock.systemUTC(), new LoginLimiter.Limits(5, 5, Duration.ofSeconds(1),
        Duration.ofSeconds(8), Duration.ofHours(1), 1, 0, Duration.ofSeconds(60)));
    noQueue.acquire();
    assertThrows(AuthenticationException.class, noQueue::acquire, "over the bound: refused at once, not queued");
    noQueue.release();
    noQueue.acquire();
    noQueue.release();
    limiter.release();
    assertEquals(0, limiter.inProgress());
  }
}
