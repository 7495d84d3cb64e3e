package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemShellTest {
  @TempDir Path dir;

  private Path passwd() throws Exception {
    return Files.writeString(dir.resolve("passwd"), """
        root:x:0:0:root:/root:/bin/bash
        toor:x:0:0:alias:/root:/bin/sh
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
        ann:x:1000:1000:Ann:/home/ann:/bin/zsh
        """);
  }

  @Test
  void thereIsNoDefaultUser() throws Exception {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SystemShell.Setup.of(" ", "", 0, passwd()));
    assertTrue(e.getMessage().contains("needs system.shell.user"), e.getMessage());
  }

  @Test
  void rootOnlyWhenNamedRoot() throws Exception {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SystemShell.Setup.of("toor", "", 0, passwd()));
    assertTrue(e.getMessage().contains("uid 0"), e.getMessage());
    SystemShell.Setup root = SystemShell.Setup.of("root", "", 0, passwd());
    assertEquals(List.of("/bin/bash", "-l"), root.command("", false, 0, 0), "root as root: no setpriv");
  }

  @Test
  void anUnknownUserOrAnotherUserOfANonRootNodeIsRefused() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> SystemShell.Setup.of("bob", "", 0, passwd()));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SystemShell.Setup.of("ann", "", 1001, passwd()));
    assertTrue(e.getMessage().contains("cannot start a shell as ann"), e.getMessage());
    assertEquals(List.of("/bin/zsh", "-c", "id"), SystemShell.Setup.of("ann", "", 1000, passwd())
        .command("id", false, 0, 0), "its own user: no setpriv");
  }

  @Test
  void aRootNodeDropsToTheUserAndScriptGivesAPty() throws Exception {
    SystemShell.Setup s = SystemShell.Setup.of("nobody", "/bin/sh", 0, passwd());
    assertEquals(List.of("setpriv", "--reuid=65534", "--regid=65534", "--init-groups", "--", "script", "-qfec",
        "stty cols 80 rows 24 2>/dev/null; SHELL='/bin/sh' exec '/bin/sh' -c 'echo '\\''hi'\\'''", "/dev/null"),
        s.command("echo 'hi'", true, 80, 24));
  }

  @Test
  void onlyTheWordAsksForTheSystemShell() {
    assertEquals("", SystemShell.request("system-shell"));
    assertEquals("id -un", SystemShell.request(" system-shell id -un"));
    assertNull(SystemShell.request("system-shellx"));
    assertNull(SystemShell.request("node:info"));
  }
}
