package io.warren.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeaturesTest {
  @TempDir Path dir;

  private Path jar(String rel) throws Exception {
    Path p = dir.resolve("system").resolve(rel);
    Files.createDirectories(p.getParent());
    Files.write(p, new byte[] {1});
    return p;
  }

  @Test
  void bundlesComeFromSystemInRepositoryLayoutWithTheirStartOrder() throws Exception {
    Path a = jar("org/example/a/1.0/a-1.0.jar");
    Path b = jar("org/example/b/2.0/b-2.0.jar");
    Path features = Files.createDirectories(dir.resolve("features"));
    Files.writeString(features.resolve("one.json"), """
        {
          // comments are allowed in feature files
          "feature-resource-version": "1.0",
          "id": "org.example:one:1.0",
          "bundles": [
            { "id": "org.example:a:1.0", "start-order": "3" },
            "org.example:b:2.0" /* the short form */
          ]
        }
        """);
    Files.writeString(features.resolve("two.json"),
        "{\"id\":\"org.example:two:1.0\",\"bundles\":[{\"id\":\"org.example:a:1.0\"}]}");
    List<Features.BundleEntry> entries = Features.read(features, dir.resolve("system"));
    assertEquals(2, entries.size(), "a bundle named by two features is installed once");
    assertEquals(a, entries.get(0).jar());
    assertEquals(3, entries.get(0).startLevel());
    assertEquals(b, entries.get(1).jar());
    assertEquals(Features.DEFAULT_START_LEVEL, entries.get(1).startLevel());
  }

  @Test
  void aMissingJarOrBadJsonStopsWithItsName() throws Exception {
    Path features = Files.createDirectories(dir.resolve("features"));
    Files.writeString(features.resolve("f.json"), "{\"id\":\"x:f:1\",\"bundles\":[{\"id\":\"org.example:gone:1.0\"}]}");
    String m = assertThrows(UsageException.class, () -> Features.read(features, dir.resolve("system"))).getMessage();
    assertTrue(m.contains("org.example:gone:1.0") && m.contains("missing"), m);
    Files.writeString(features.resolve("f.json"), "{\"id\":\"x:f:1\",\n\"bundles\":[}");
    m = assertThrows(UsageException.class, () -> Features.read(features, dir.resolve("system"))).getMessage();
    assertTrue(m.contains("f.json") && m.contains("line 2"), m);
  }

  @Test
  void jsonReaderHandlesEscapesAndNumbers() {
    Object v = JsonReader.parse("{\"s\":\"a\\u0041\\n\",\"n\":-12,\"d\":1.5,\"t\":true,\"z\":null,\"l\":[]}");
    assertEquals("{s=aA\n, n=-12, d=1.5, t=true, z=null, l=[]}", v.toString());
    assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{\"a\":1} extra"));
  }

  @Test
  void deepNestingIsAClearErrorNotAStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonReader.parse(deep));
    assertEquals("JSON nested deeper than 64 levels at line 1", e.getMessage());
    String ok = "{\"a\":".repeat(31) + "[".repeat(33) + "]".repeat(33) + "}".repeat(31);
    JsonReader.parse(ok); // 64 levels are read
  }
}
