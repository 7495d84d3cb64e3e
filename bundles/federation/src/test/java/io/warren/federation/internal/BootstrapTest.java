package io.warren.federation.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class BootstrapTest {
  private static String b64(String json) {
    return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsTheIdentityNodeIdentityPrints() {
    Bootstrap b = Bootstrap.parse(b64(
        "{\"name\":\"vm\",\"peerId\":\"12D3KooWA\",\"addresses\":[\"/ip4/127.0.0.1/tcp/1/p2p/12D3KooWA\",\"/ip4/127.0.0.1/tcp/2\"]}"));
    assertEquals("vm", b.name());
    assertEquals("12D3KooWA", b.peerId());
    assertEquals(List.of("/ip4/127.0.0.1/tcp/1/p2p/12D3KooWA", "/ip4/127.0.0.1/tcp/2"), b.addresses());
  }

  @Test
  void unknownFieldsAreSkippedAndBadInputIsAClearError() {
    assertEquals("X", Bootstrap.parse(b64("{\"extra\":{\"a\":[1,2]},\"peerId\":\"X\"}")).peerId());
    assertThrows(IllegalArgumentException.class, () -> Bootstrap.parse("%%%"));
    assertThrows(IllegalArgumentException.class, () -> Bootstrap.parse(b64("[1]")));
    assertThrows(IllegalArgumentException.class, () -> Bootstrap.parse(b64("{\"name\":\"x\"}")));
    assertThrows(IllegalArgumentException.class, () -> Bootstrap.parse(b64("{\"peerId\":")));
    assertEquals(1,
        Bootstrap.parseAll(List.of("%%%", b64("{\"peerId\":\"A\"}"), b64("{\"peerId\":\"SELF\"}")), "SELF").size());
  }
}
