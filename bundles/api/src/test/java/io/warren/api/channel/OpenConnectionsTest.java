package io.warren.api.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class OpenConnectionsTest {
  @Test
  void oneOverTheCapIsClosedAndAClosedOneFreesItsPlace() {
    OpenConnections c = new OpenConnections(2);
    EmbeddedChannel a = new EmbeddedChannel();
    EmbeddedChannel b = new EmbeddedChannel();
    EmbeddedChannel over = new EmbeddedChannel();
    assertTrue(c.admit(a));
    assertTrue(c.admit(b));
    assertFalse(c.admit(over));
    assertFalse(over.isOpen(), "the one over the cap is closed");
    assertEquals(2, c.open());
    a.close();
    assertEquals(1, c.open());
    assertTrue(c.admit(new EmbeddedChannel()));
    assertThrows(IllegalArgumentException.class, () -> new OpenConnections(0));
  }
}
