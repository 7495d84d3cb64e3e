package io.warren.files.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a getter may reach in a share, and what it is told when it may not. */
class ConfinedTest {
  @TempDir Path dir;
  Path share;

  @BeforeEach
  void tree() throws Exception {
    share = Files.createDirectories(dir.resolve("pub"));
    Files.writeString(Files.createDirectories(share.resolve("docs")).resolve("a.txt"), "a");
    Files.writeString(dir.resolve("secret.txt"), "not shared");
    Files.createSymbolicLink(share.resolve("out"), dir.resolve("secret.txt"));
    Files.createSymbolicLink(share.resolve("up"), dir);
    Files.createSymbolicLink(share.resolve("in"), share.resolve("docs/a.txt"));
  }

  private String refusal(String asked) {
    return assertThrows(Confined.Outside.class, () -> Confined.of("pub", share, asked)).getMessage();
  }

  @Test
  void pathsThatLeadOutAreRefusedWithoutSayingWhereTheShareLives() {
    assertEquals("refused: 'pub/../secret.txt' has a '..' part (paths stay inside the share)",
        refusal("../secret.txt"));
    assertEquals("refused: 'pub/docs/../../secret.txt' has a '..' part (paths stay inside the share)",
        refusal("docs/../../secret.txt"));
    assertEquals("refused: 'pub//etc/passwd' holds an absolute path", refusal("/etc/passwd"));
    assertEquals("refused: 'pub/out' is a symbolic link that leads out of the share", refusal("out"));
    assertEquals("refused: 'pub/up/secret.txt' is a symbolic link that leads out of the share",
        refusal("up/secret.txt"));
    assertEquals("no such file or directory: pub/nothing", refusal("nothing"));
    for (String m : List.of(refusal("out"), refusal("../x"), refusal("nothing"))) {
      assertFalse(m.contains(dir.toString()), m);
    }
  }

  @Test
  void aLinkThatStaysInsideIsFollowedForItselfButRefusedInsideATree() throws Exception {
    Confined in = Confined.of("pub", share, "in");
    assertEquals(share.toRealPath().resolve("docs/a.txt"), in.real());
    assertEquals("a.txt", in.list().get(0).name());
    // a tree with links in it is refused whole, naming the link as the getter sees it
    String m = assertThrows(Confined.Outside.class, () -> Confined.of("pub", share, "").offer(4096)).getMessage();
    assertTrue(m.startsWith("refused: pub/") && m.contains("is a symbolic link"), m);
    assertFalse(m.contains(dir.toString()), m);
    Sources.Built docs = Confined.of("pub", share, "docs").offer(4096);
    assertEquals(List.of("docs", "docs/a.txt"), docs.offer().entries().stream().map(Wire.Entry::name).toList());
  }

  @Test
  void aListingShowsKindsAndLeavesLinksUnfollowed() throws Exception {
    List<Wire.Listed> l = Confined.of("pub", share, "").list();
    assertEquals(List.of("docs", "in", "out", "up"), l.stream().map(Wire.Listed::name).toList());
    assertEquals(List.of(1, 2, 2, 2), l.stream().map(Wire.Listed::kind).toList());
    Wire.Listing back = Wire.listing(Wire.payload(l), Wire.payload(l).length);
    assertEquals(l, back.entries());
    assertFalse(back.cut());
  }

  @Test
  void aFifoIsRefused() throws Exception {
    Path fifo = share.resolve("pipe");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertEquals(0, p.waitFor(), "mkfifo (coreutils) makes the fifo");
    assertEquals("refused: 'pub/pipe' is a device, pipe or socket (only files and directories are served)",
        refusal("pipe"));
  }
}
