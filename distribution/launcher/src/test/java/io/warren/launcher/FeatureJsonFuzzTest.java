package io.warren.launcher;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.warren.testing.Fuzz;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzz target for the launcher's feature-file JSON reader: the project's own feature files,
 * mutated. Bad input is an {@link IllegalArgumentException} saying where; nothing else (no stack
 * overflow on deep nesting, no index errors on truncated text).
 */
class FeatureJsonFuzzTest {

  @Provide
  Arbitrary<String> features() {
    List<String> seeds = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of("../../features/src/main/features"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        seeds.add(Files.readString(f, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    seeds.add("{\"a\":[1,-2.5e3,true,false,null,\"\\u00e9\\n\"]} // comment\n/* block */");
    return Fuzz.text(32_768, seeds, List.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "//", "/*", "*/",
        "null", "true", "1e999", "-", "0x1", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "\u0000"));
  }

  @Property(seed = Fuzz.SEED)
  void featureFiles(@ForAll("features") String input) {
    Fuzz.expect(input, () -> JsonReader.parse(input), IllegalArgumentException.class);
  }

  @FuzzTest(maxDuration = Fuzz.LONG_RUN, maxExecutions = Fuzz.EXECUTIONS)
  void fuzzFeatureFiles(byte[] input) {
    featureFiles(Fuzz.utf8(input));
  }
}
