package io.warren.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;

/** Gogo's coercion failures become the arguments that did not fit and the command's usage. */
class CommandUsageTest {

  /** A command as the bundles write them. */
  public static final class Sample {
    @Descriptor("Prints the identity")
    public String identity(@Descriptor("base64-encoded") @Parameter(names = {"-b64", "--base64"},
        presentValue = "true", absentValue = "false") boolean base64,
        @Descriptor("another node") @Parameter(names = {"-n", "--node"}, absentValue = "") String node,
        @Descriptor("the rule to show") String rule) {
      return "";
    }
  }

  /** A function Java cannot name (hash-password): Gogo calls _main with the function's name. */
  public static final class Dashed {
    @Descriptor("Hashes")
    public String _main(@Descriptor("with a node") @Parameter(names = {"-n", "--node"}, absentValue = "") String node,
        @Descriptor("the function's name (Gogo gives it)") String function) {
      return "";
    }
  }

  @Test
  void aDashedFunctionsUsageLeavesOutTheNameGogoPasses() {
    String usage = CommandUsage.usage("node:hash-password",
        Arrays.stream(Dashed.class.getMethods()).filter(m -> m.getName().equals("_main")).toList());
    assertEquals("usage: node:hash-password [options]", usage.lines().findFirst().orElseThrow(), usage);
    assertTrue(usage.contains("-n, --node <String>"), usage);
  }

  private static List<Method> methods() {
    return Arrays.stream(Sample.class.getMethods()).filter(m -> m.getName().equals("identity")).toList();
  }

  @Test
  void usageListsFlagsWithTheirDescriptionsAndPositionalArguments() {
    String usage = CommandUsage.usage("node:identity", methods());
    List<String> lines = usage.lines().toList();
    assertEquals("usage: node:identity [options] <the rule to>", lines.get(0), usage);
    assertTrue(lines.get(1).contains("-b64, --base64") && lines.get(1).contains("base64-encoded"), usage);
    assertFalse(lines.get(1).contains("<"), "a flag takes no value: " + usage);
    assertTrue(lines.get(2).contains("-n, --node <String>") && lines.get(2).contains("another node"), usage);
  }

  @Test
  void gogosCoercionMessageIsReplacedOnlyForCoercionFailures() {
    BundleContext none = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {BundleContext.class}, (p, m, a) -> null);
    IllegalArgumentException coerce =
        new IllegalArgumentException("Cannot coerce identity(Token) to any of [(boolean)]");
    String said = CommandUsage.explain(none, "identity --b64", new RuntimeException(coerce)).orElseThrow();
    assertEquals("identity: these arguments do not fit: --b64", said);
    assertFalse(said.contains("coerce"), said);
    assertEquals("node:info: missing arguments",
        CommandUsage.explain(none, "node:info", new IllegalArgumentException("Cannot coerce info() to any of "))
            .orElseThrow());
    assertTrue(CommandUsage.explain(none, "x", new IllegalArgumentException("port must be 0-65535")).isEmpty());
  }
}
