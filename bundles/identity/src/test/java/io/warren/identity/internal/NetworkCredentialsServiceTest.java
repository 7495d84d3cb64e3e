package io.warren.identity.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.identity.NetworkCredentials.Network;
import io.warren.store.internal.H2Store;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkCredentialsServiceTest {
  @TempDir Path dir;

  @Test
  void credentialsAndBootstrapsAreKeptWithoutThePassword() {
    H2Store store = H2Store.open(dir);
    try {
      NetworkCredentialsService first = new NetworkCredentialsService(store, "mynet:NetPass", "eyJhIjoxfQ==");
      Network net = first.defaultNetwork().orElseThrow();
      assertEquals("mynet", net.name());
      assertArrayEquals(first.deriveKey("mynet", "NetPass".toCharArray()), net.key());
      assertFalse(java.util.Arrays.equals(net.key(), first.deriveKey("other", "NetPass".toCharArray())),
          "the network name salts the key");

      NetworkCredentialsService restarted = new NetworkCredentialsService(store, null, "eyJhIjoxfQ==");
      assertEquals("mynet", restarted.defaultNetwork().orElseThrow().name());
      assertEquals(List.of("eyJhIjoxfQ=="), restarted.bootstrapIdentities(), "the same bootstrap is kept once");
      // net:register adds one while running: kept after the first, once, for the next start
      assertTrue(restarted.addBootstrap(" eyJiIjoyfQ==\n"));
      assertFalse(restarted.addBootstrap("eyJiIjoyfQ=="), "already kept");
      assertEquals(List.of("eyJhIjoxfQ==", "eyJiIjoyfQ=="),
          new NetworkCredentialsService(store, null, null).bootstrapIdentities());
      String dump = store.transact(c -> {
        var rs = c.createStatement().executeQuery("SELECT * FROM network_credentials");
        StringBuilder sb = new StringBuilder();
        while (rs.next()) {
          sb.append(rs.getString(1)).append(new String(rs.getBytes(2), java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
      });
      assertFalse(dump.contains("NetPass"), "the password itself is never stored");
      assertTrue(assertThrows(IllegalArgumentException.class,
          () -> new NetworkCredentialsService(store, "bad name:pw", null)).getMessage().contains("network:password"));
    } finally {
      store.close();
    }
  }
}
