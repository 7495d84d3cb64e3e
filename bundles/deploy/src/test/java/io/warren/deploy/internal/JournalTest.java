package io.warren.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warren.deploy.internal.DeployStore.Artifact;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files an update in progress leaves: what it goes to and the version before, whole or not at all. */
class JournalTest {
  @TempDir Path dir;

  @Test
  void anUpdateBegunIsReadBackWithTheVersionBeforeUntilItEnds() throws Exception {
    Journal journal = new Journal(dir.resolve("updating"));
    byte[] old = {1, 2, 3};
    journal.begin("io.example.a", "b".repeat(64), "2.0.0",
        new Artifact(Deployments.sha256(old), "io.example.a", "1.0.0", old),
        "e".repeat(64));
    journal.begin("io.example.first", "c".repeat(64), "1.0.0", null, null);
    List<Journal.Entry> all = journal.entries();
    assertEquals(2, all.size());
    Journal.Entry a = all.stream().filter(e -> e.bundle().equals("io.example.a")).findFirst().orElseThrow();
    assertEquals("b".repeat(64), a.digest());
    assertEquals("2.0.0", a.version());
    assertEquals("1.0.0", a.beforeVersion());
    assertEquals("e".repeat(64), a.earlier());
    assertArrayEquals(old, a.beforeContent().orElseThrow());
    Journal.Entry first = all.stream().filter(e -> e.bundle().equals("io.example.first")).findFirst().orElseThrow();
    assertTrue(first.before() == null && first.beforeContent().isEmpty());

    // bytes that are not the recorded ones (cut short) are not offered
    try (var jars = Files.newDirectoryStream(dir.resolve("updating"), "*.jar")) {
      for (Path j : jars) {
        Files.write(j, new byte[] {1});
      }
    }
    assertTrue(journal.entries().stream().allMatch(e -> e.beforeContent().isEmpty()));

    journal.end("io.example.a");
    journal.end("io.example.first");
    assertEquals(List.of(), journal.entries());
    try (var left = Files.list(dir.resolve("updating"))) {
      assertEquals(0, left.count());
    }
  }
}
