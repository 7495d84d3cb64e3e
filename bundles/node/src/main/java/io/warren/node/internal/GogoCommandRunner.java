package io.warren.node.internal;

import io.warren.api.CommandRunner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@link CommandRunner} on Gogo: each command in its own {@link CommandSession}; arguments that
 * fit no method of a command are answered with its usage ({@link CommandUsage}).
 */
@Component(service = CommandRunner.class)
public final class GogoCommandRunner implements CommandRunner {
  private final CommandProcessor processor;
  private final BundleContext context;

  @Activate
  public GogoCommandRunner(BundleContext context, @Reference CommandProcessor processor) {
    this.context = context;
    this.processor = processor;
  }

  /** Gogo's option that turns its file-name expansion of unquoted words with {@code *}, {@code ?} off. */
  static final String NOGLOB = "gogo.option.noglob";

  @Override
  public List<String> complete(List<String> before) {
    return CommandCompletion.complete(context, before);
  }

  @Override
  public int execute(String line, InputStream in, PrintStream out, PrintStream err) {
    return execute(line, in, out, err, Map.of());
  }

  @Override
  public int execute(String line, InputStream in, PrintStream out, PrintStream err, Map<String, Object> variables) {
    // Gogo writes to the streams through channels that close what they wrap when a writing thread is
    // interrupted, and a command's helper threads inherit its streams (MINA's, whose executor is shut
    // down with interrupts, log there): so Gogo gets streams it cannot close, and the error line
    // below still reaches the caller
    CommandSession session = processor.createSession(in, unclosable(out), unclosable(err));
    // no file-name globbing: `*` (every user in iot:acl, the default TLS route) is a word, not the
    // names of the files in the node's working directory
    session.put(NOGLOB, Boolean.TRUE);
    variables.forEach(session::put);
    try {
      Object result = session.execute(line);
      if (result != null) {
        out.println(session.format(result, Converter.INSPECT));
      }
      return 0;
    } catch (Exception e) {
      // arguments that fit none of the command's methods: say which, and the usage, never Gogo's coercion text
      err.println(CommandUsage.explain(context, line, e).orElseGet(() -> CommandRunner.describe(e)));
      return 1;
    } finally {
      session.close();
      out.flush();
      err.flush();
    }
  }

  /** {@code out}, with a close that only flushes. */
  static PrintStream unclosable(PrintStream out) {
    return new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        out.write(b, off, len);
      }

      @Override
      public void flush() {
        out.flush();
      }

      @Override
      public void close() {
        out.flush();
      }
    }, true, StandardCharsets.UTF_8);
  }

  @Override
  public Outcome run(List<String> words) {
    String line;
    try {
      line = CommandRunner.line(words);
    } catch (IllegalArgumentException e) {
      return new Outcome(false, e.getMessage());
    }
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    int status = execute(line, new ByteArrayInputStream(new byte[0]), out, out);
    return new Outcome(status == 0, buffer.toString(StandardCharsets.UTF_8).stripTrailing());
  }
}
