package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCheckTest {
  @TempDir Path etc;

  private String failure(String name, byte[] content) throws Exception {
    Files.write(etc.resolve(name), content);
    return assertThrows(UsageException.class, () -> ConfigCheck.check(etc)).getMessage();
  }

  @Test
  void validFilesPass() throws Exception {
    Files.writeString(etc.resolve("io.warren.store.cfg"), "# comment\npool.size = 4\nlong = a \\\n   continued\n");
    Files.writeString(etc.resolve("org.apache.felix.fileinstall-deploy.cfg"), "felix.fileinstall.dir=x\n");
    assertDoesNotThrow(() -> ConfigCheck.check(etc));
  }

  @Test
  void corruptFilesAreNamed() throws Exception {
    String m = failure("io.warren.store.cfg", new byte[] {(byte) 0xff, (byte) 0xfe, 'a', '=', 'b'});
    assertTrue(m.contains("io.warren.store.cfg") && m.contains("UTF-8"), m);
    Files.delete(etc.resolve("io.warren.store.cfg"));
    m = failure("io.warren.x.cfg", "a = \\uZZZZ\n".getBytes());
    assertTrue(m.contains("io.warren.x.cfg") && m.contains("cannot be parsed"), m);
    Files.delete(etc.resolve("io.warren.x.cfg"));
    m = failure("io.warren.y.cfg", "pool.size = 4\nthis line is garbage\n".getBytes());
    assertTrue(m.contains("line 2"), m);
  }

  @Test
  void unreadableFilesAreNamed() throws Exception {
    Path f = etc.resolve("io.warren.z.cfg");
    Files.createDirectory(f);
    String m = assertThrows(UsageException.class, () -> ConfigCheck.check(etc)).getMessage();
    assertTrue(m.contains("io.warren.z.cfg") && m.contains("cannot be read"), m);
  }
}
