package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  @Test
  void onlyAShellWithoutACommandGetsTheTerminal() {
    assertTrue(Client.interactiveShell(List.of("ssh:shell", "--node", "q")));
    assertTrue(Client.interactiveShell(List.of("ssh:shell", "-n", "q", "--credentials", "admin:x")));
    assertFalse(Client.interactiveShell(List.of("ssh:shell", "--node", "q", "node:info")));
    assertFalse(Client.interactiveShell(List.of("ssh:shell", "--node", "q", "--pty", "vt100:80x24")));
    assertFalse(Client.interactiveShell(List.of("node:info")));
  }
}
