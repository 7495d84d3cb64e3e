package io.warren.node;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Runs one console command in its own Gogo session, the same way for every way in: the local
 * console streams its output to the client, a remote admin call collects it. Errors come out as
 * one line without a stack trace ({@link #describe}).
 *
 * <p>{@link #run(List)} takes the command as words: the first must name a scoped command, and
 * every other word is passed as one literal argument (single-quoted, so Gogo expands nothing in
 * it), which is why a word may not contain a single quote.
 */
@Component(service = CommandRunner.class)
public final class CommandRunner {
  private static final Pattern COMMAND = Pattern.compile("[a-z][a-z0-9]*:[a-zA-Z][a-zA-Z0-9_-]*");

  /** What a command printed, and whether it succeeded. */
  public record Outcome(boolean ok, String text) {}

  private final CommandProcessor processor;

  @Activate
  public CommandRunner(@Reference CommandProcessor processor) {
    this.processor = processor;
  }

  /**
   * Runs {@code line}, printing its result to {@code out} and a failure, described in one line, to
   * {@code err}; returns 0 on success and 1 on failure.
   */
  public int execute(String line, InputStream in, PrintStream out, PrintStream err) {
    CommandSession session = processor.createSession(in, out, err);
    try {
      Object result = session.execute(line);
      if (result != null) {
        out.println(session.format(result, Converter.INSPECT));
      }
      return 0;
    } catch (Exception e) {
      err.println(describe(e));
      return 1;
    } finally {
      session.close();
      out.flush();
      err.flush();
    }
  }

  /** Runs {@code words} (see the class comment) and collects everything it printed. */
  public Outcome run(List<String> words) {
    String line;
    try {
      line = line(words);
    } catch (IllegalArgumentException e) {
      return new Outcome(false, e.getMessage());
    }
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    int status = execute(line, new ByteArrayInputStream(new byte[0]), out, out);
    return new Outcome(status == 0, buffer.toString(StandardCharsets.UTF_8).stripTrailing());
  }

  /** Checks {@code words} can be run: a scoped command name, then arguments without single quotes. */
  public static void checkWords(List<String> words) {
    if (words.isEmpty()) {
      throw new IllegalArgumentException("no command given");
    }
    if (!COMMAND.matcher(words.get(0)).matches()) {
      throw new IllegalArgumentException("'" + words.get(0) + "' is not a console command (expected scope:name, e.g. node:info)");
    }
    for (String w : words) {
      if (w.indexOf('\'') >= 0 || w.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("a command word may not contain a single quote or NUL: " + w);
      }
    }
  }

  /** Gogo's text for {@code words}: the command, then each argument single-quoted. */
  public static String line(List<String> words) {
    checkWords(words);
    StringBuilder b = new StringBuilder(words.get(0));
    for (String w : words.subList(1, words.size())) {
      b.append(" '").append(w).append('\'');
    }
    return b.toString();
  }

  /** One line that says what went wrong, without a stack trace. */
  public static String describe(Throwable e) {
    if (e.getClass().getSimpleName().equals("CommandNotFoundException")) {
      String m = e.getMessage() == null ? "" : e.getMessage().replace("Command not found: ", "");
      return "unknown command: " + m;
    }
    Throwable t = e;
    while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
