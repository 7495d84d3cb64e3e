package io.warren.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** ssh:shell --pty TERM:COLSxROWS, as warren client shell passes its terminal on. */
class PtyOptionTest {
  @Test
  void aTerminalsTypeAndSizeParseAndNothingElseDoes() {
    assertEquals(Optional.empty(), ShellCommands.ptyOf(""));
    assertEquals(Optional.of(new ShellCommands.Pty("xterm-256color", 120, 40)),
        ShellCommands.ptyOf("xterm-256color:120x40"));
    for (String bad : new String[] {"xterm", "xterm:80", "xterm;rm:80x24", "xterm:0x24", "xterm:80x999999",
        ":80x24", "x".repeat(65) + ":80x24"}) {
      assertThrows(IllegalArgumentException.class, () -> ShellCommands.ptyOf(bad), bad);
    }
  }
}
