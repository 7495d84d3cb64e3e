package io.warren.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** A launcher port option: absent leaves the configuration in charge, a bad one is named. */
class NodePropertiesTest {

  @Test
  void aGivenPortIsReadAndAnAbsentOneLeavesTheConfiguration() {
    assertEquals(OptionalInt.of(8101), NodeProperties.port("warren.ssh.port", " 8101 "));
    assertEquals(OptionalInt.of(0), NodeProperties.port("warren.ssh.port", "0"));
    assertEquals(OptionalInt.empty(), NodeProperties.port("warren.ssh.port", null));
    assertEquals(OptionalInt.empty(), NodeProperties.port("warren.ssh.port", "  "));
  }

  @Test
  void aValueThatIsNoPortIsRefusedNamingTheProperty() {
    for (String bad : new String[] {"ssh", "65536", "-1", "80 81"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> NodeProperties.port("warren.relay.port", bad));
      assertEquals("warren.relay.port must be a port number 0-65535, got '" + bad + "'", e.getMessage());
    }
  }
}
