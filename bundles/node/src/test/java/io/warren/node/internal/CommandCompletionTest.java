package io.warren.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.junit.jupiter.api.Test;

class CommandCompletionTest {
  /** A command as the bundles write them. */
  public static final class Sample {
    @Descriptor("opens it")
    public void shell(@Parameter(names = {"-n", "--node"}, absentValue = "") String node,
        @Parameter(names = {"-c", "--credentials"}, absentValue = "") String credentials, String... command) {}

    public void shell(@Parameter(names = {"-v", "--verbose"}, presentValue = "true",
        absentValue = "false") boolean verbose) {}

    public void other(@Parameter(names = {"-x"}, absentValue = "") String x) {}

    public static void shell(@Parameter(names = {"--static"}, absentValue = "") String s, int i) {}
  }

  @Test
  void flagsComeFromTheFunctionsParameterAnnotations() {
    List<String> all = CommandCompletion.flags(Sample.class, "shell", List.of("ssh:shell"));
    assertEquals(List.of("--node", "-n", "--credentials", "-c", "--verbose", "-v").stream().sorted().toList(),
        all.stream().sorted().toList());
  }

  @Test
  void aFlagGivenAlreadyIsNotOfferedAgainInEitherSpelling() {
    List<String> rest = CommandCompletion.flags(Sample.class, "shell", List.of("ssh:shell", "-n", "q"));
    assertEquals(List.of("--credentials", "-c", "--verbose", "-v").stream().sorted().toList(),
        rest.stream().sorted().toList());
    assertEquals(List.of(), CommandCompletion.flags(Sample.class, "nosuch", List.of("x:nosuch")));
  }
}
