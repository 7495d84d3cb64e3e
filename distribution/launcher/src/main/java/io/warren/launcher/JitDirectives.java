package io.warren.launcher;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps code that runs hard during a start and hardly after it (lib/jit-directives.json: Felix's
 * bundle cache, manifest parsing and Declarative Services, the JDK's class-file generator for lambda
 * forms and proxies, MethodType interning) on the C1 compiler only. On JDK 25 and 2 cores the C2
 * compiler otherwise spends more of a start's CPU than the start thread, compiling methods that are
 * never hot again; a connection, stream or event runs none of them. {@code bin/warren} names the
 * file in {@value #PROPERTY} on JDK 25 and later (on JDK 17 C2 spent the same with and without).
 *
 * <p>The JVM's {@code -XX:CompilerDirectivesFile} would do the same, but it prints "N compiler
 * directives added" on standard output at every start, which nothing but hiding all of the JVM's
 * own output (thread dumps included) silences. The diagnostic command behind {@code jcmd <pid>
 * Compiler.directives_add} returns that line instead, so the launcher adds the file through it,
 * without starting the platform MBean server (125-150 ms). The classes it calls are the JDK's
 * internal ones ({@code bin/warren} opens them to the launcher): on a JVM without them the start
 * goes on without directives, only slower, and says so.
 */
final class JitDirectives {

  /** The system property naming the directives file. */
  static final String PROPERTY = "warren.jit.directives";

  private JitDirectives() {}

  /**
   * Adds the directives in {@code file}; null when they were added or there is no file, else why
   * they were not (the node starts either way).
   */
  static String apply(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    String answer;
    try {
      // quoted: the command splits its arguments at spaces
      answer = diagnosticCommand("Compiler.directives_add \"" + file.toAbsolutePath() + "\"");
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return "this JVM does not take them at run time (" + cause + ")";
    }
    return answer.contains("compiler directives added") ? null : answer.strip().replace('\n', ' ');
  }

  /** Runs one of the JVM's diagnostic commands (as {@code jcmd <pid> <line>} would) and returns its output. */
  static String diagnosticCommand(String line) throws ReflectiveOperationException {
    // the native half of the diagnostic commands is loaded by the management provider's initialiser
    Class.forName("com.sun.management.internal.PlatformMBeanProviderImpl");
    Class<?> vmManagement = Class.forName("sun.management.VMManagement");
    Object vm = Class.forName("sun.management.ManagementFactoryHelper").getMethod("getVMManagement").invoke(null);
    Class<?> impl = Class.forName("com.sun.management.internal.DiagnosticCommandImpl");
    Constructor<?> constructor = impl.getDeclaredConstructor(vmManagement);
    constructor.setAccessible(true);
    Method execute = impl.getDeclaredMethod("executeDiagnosticCommand", String.class);
    execute.setAccessible(true);
    return String.valueOf(execute.invoke(constructor.newInstance(vm), line));
  }
}
