package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs in a JVM with bin/warren's two module options (this module's surefire argLine). */
class JitDirectivesTest {
  @TempDir Path dir;

  @Test
  void theShippedDirectivesAreTakenByThisJvm() throws Exception {
    Path shipped = Path.of("..", "src", "lib", "jit-directives.json");
    assertTrue(Files.isRegularFile(shipped), "run from the launcher module: " + shipped.toAbsolutePath());
    assertNull(JitDirectives.apply(shipped));
    String stack = JitDirectives.diagnosticCommand("Compiler.directives_print");
    assertTrue(stack.contains("org/apache/felix/*.*"), stack);
    assertTrue(stack.contains("java/lang/invoke/MethodType.*"), stack);
  }

  @Test
  void aFileInADirectoryWithSpacesIsFound() throws Exception {
    Path file = Files.createDirectories(dir.resolve("an install dir")).resolve("jit-directives.json");
    Files.writeString(file,
        "[ { match: [\"io/warren/launcher/JitDirectivesTest$Spaced.*\"], c2: { Exclude: true } } ]");
    assertNull(JitDirectives.apply(file));
    assertTrue(JitDirectives.diagnosticCommand("Compiler.directives_print")
        .contains("io/warren/launcher/JitDirectivesTest$Spaced.*"));
  }

  @Test
  void aFileTheJvmCannotParseIsReportedAndAddsNothing() throws Exception {
    String before = JitDirectives.diagnosticCommand("Compiler.directives_print");
    Path file = dir.resolve("jit-directives.json");
    Files.writeString(file, "[ { match: [\"io/warren/launcher/Broken.*\"], c2: { Exclude: maybe } } ]");
    String why = JitDirectives.apply(file);
    assertNotNull(why);
    assertTrue(why.contains("failed"), why);
    assertEquals(-1, why.indexOf('\n'), "one line: " + why);
    assertEquals(before, JitDirectives.diagnosticCommand("Compiler.directives_print"));
  }

  @Test
  void noFileIsNoDirectivesAndNoComplaint() {
    assertNull(JitDirectives.apply(dir.resolve("absent.json")));
  }
}
