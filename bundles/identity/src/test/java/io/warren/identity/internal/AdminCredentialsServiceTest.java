package io.warren.identity.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.api.AuthenticationException;
import io.warren.store.internal.H2Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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
    return new AdminCredentialsService(store, rc, Clock.systemUTC());
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
    Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
    Clock clock = new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }
      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }
      @Override
      public Instant instant() {
        return now[0];
      }
    };
    AdminCredentialsService s = new AdminCredentialsService(store, "admin:right", clock);
    for (int i = 0; i < RateLimiter.FREE_FAILURES; i++) {
      assertFalse(s.authenticate("admin", "wrong".toCharArray(), "peerA"));
    }
    AuthenticationException e = assertThrows(AuthenticationException.class,
        () -> s.authenticate("admin", "right".toCharArray(), "peerA"));
    assertTrue(e.getMessage().contains("try again"), e.getMessage());
    assertTrue(s.authenticate("admin", "right".toCharArray(), "peerB"), "other sources are not affected");
    now[0] = now[0].plus(Duration.ofSeconds(2));
    assertTrue(s.authenticate("admin", "right".toCharArray(), "peerA"));
  }
}
