package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientShellAliasTest {
  @Test
  void shellIsSshShellOnTheNamedNode() throws Exception {
    assertEquals(List.of("ssh:shell", "--node", "q"), Client.shellAlias(List.of("shell", "q")));
    assertEquals(List.of("ssh:shell", "--node", "q", "--credentials", "admin:x", "node:info"),
        Client.shellAlias(List.of("shell", "q", "--credentials", "admin:x", "node:info")));
    assertEquals(List.of("node:info"), Client.shellAlias(List.of("node:info")));
    assertEquals(List.of("ssh:shell", "--node", "q"), Client.shellAlias(List.of("ssh:shell", "--node", "q")));
    assertThrows(UsageException.class, () -> Client.shellAlias(List.of("shell")));
    assertThrows(UsageException.class, () -> Client.shellAlias(List.of("shell", "--credentials", "a:b")));
  }
}
